//! The project's normalized API description: one [`Spec`] per product, stored
//! as `openapi-specs/<crate>.json`.
//!
//! `cargo xtask import` writes these files from the upstream metadata;
//! `cargo xtask codegen` reads them. The format keeps structural facts only
//! (names, types, locations, wire styles, constraints, paths, endpoints) and no
//! prose. `openapi-specs/README.md` describes every field and what it means on
//! the wire; the rustdoc here is the short version.
//!
//! All types reject unknown fields when deserialized, so a typo in a
//! hand-written overlay fails the import instead of being ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Version of this file format. Bumped when a change would break a reader.
pub const FORMAT_VERSION: u32 = 1;

/// One product's API: its identity, endpoints, shared schemas and operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Version of the file format, see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Product code as the API knows it (`Ecs`, `CS`, `pai-dlc`, ...).
    pub product: String,
    /// API version, sent as `x-acs-version` (`2014-05-26`, ...).
    pub version: String,
    /// How requests are laid out on the wire.
    pub style: ApiStyle,
    /// Known endpoints: region id to host name (no scheme).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints: BTreeMap<String, String>,
    /// Named schemas that [`Schema::reference`] points at.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Schema>,
    /// Operations by action name (`DescribeInstances`, `CreateJob`, ...).
    pub operations: BTreeMap<String, Operation>,
}

impl Spec {
    /// The named schema that a [`Schema::reference`] of `name` points at.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.get(name)
    }

    /// The schema that carries the actual type: `schema` itself, or the named
    /// schema its `ref` points at. The importer guarantees that named schemas
    /// are never bare references themselves, so one step is enough.
    pub fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        match &schema.reference {
            Some(name) => self.schemas.get(name).unwrap_or(schema),
            None => schema,
        }
    }
}

/// Wire style of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiStyle {
    /// Action-style API: every call is `POST /` (or `GET /`) with the action
    /// name in `x-acs-action` and parameters in the query string or a form body.
    #[serde(rename = "RPC")]
    Rpc,
    /// Resource-style API: method and path per operation, path/query/header
    /// parameters and a JSON (or raw) body.
    #[serde(rename = "ROA")]
    Roa,
    /// Function Compute 3.0: ROA on the wire, with an account-scoped host.
    #[serde(rename = "FC")]
    Fc,
}

impl ApiStyle {
    /// Whether operations have their own method and path (ROA and FC).
    pub fn is_resource_style(self) -> bool {
        matches!(self, Self::Roa | Self::Fc)
    }
}

impl fmt::Display for ApiStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rpc => "RPC",
            Self::Roa => "ROA",
            Self::Fc => "FC",
        })
    }
}

/// One API operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// The HTTP method to use.
    pub method: HttpMethod,
    /// Path template with `{Name}` placeholders for `path` parameters; `/` for RPC.
    pub path: String,
    /// What the operation does to its resource, when upstream classifies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<OperationType>,
    /// The operation is deprecated upstream.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// How the request body is encoded. Derived by the importer from the
    /// parameters (see [`RequestBody`]); never set it by hand.
    #[serde(default, skip_serializing_if = "RequestBody::is_none")]
    pub request_body: RequestBody,
    /// Request parameters in upstream order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The success response, when known. `None` means the shape is unknown,
    /// not that the response is empty (an empty response has `schema: None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

impl Operation {
    /// The single `in: body` parameter, if any.
    pub fn body_parameter(&self) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.location == Location::Body)
    }
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD`
    Head,
}

impl HttpMethod {
    /// The method name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Head => "HEAD",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Upstream's classification of what an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationType {
    /// Reads one resource.
    Get,
    /// Lists resources.
    List,
    /// Creates a resource.
    Create,
    /// Changes a resource.
    Update,
    /// Deletes a resource.
    Delete,
    /// Explicitly none of the above.
    None,
}

/// How the request body is encoded, derived from the parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestBody {
    /// No body.
    #[default]
    None,
    /// RPC: the `formData` parameters, form-encoded
    /// (`application/x-www-form-urlencoded`), flattened like the query.
    Form,
    /// ROA/FC: the body parameter's value serialized as JSON
    /// (`application/json`): an object, an array or a named schema.
    Json,
    /// ROA/FC: the body parameter is a string sent verbatim, with
    /// `content-type: application/json` (EAS CreateService, for example).
    Raw,
    /// ROA/FC: the body parameter is bytes sent verbatim with
    /// `content-type: application/octet-stream` (FC InvokeFunction).
    Binary,
}

impl RequestBody {
    /// `true` for [`RequestBody::None`].
    pub fn is_none(&self) -> bool {
        *self == Self::None
    }
}

/// One request parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Name on the wire (query key, path placeholder, header name, form key).
    pub name: String,
    /// Where the parameter goes.
    #[serde(rename = "in")]
    pub location: Location,
    /// How a structured value is serialized; `None` for scalars and bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ParamStyle>,
    /// The caller must set it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Type of the value.
    pub schema: Schema,
}

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// Query string.
    Query,
    /// Substituted into the path template (ROA/FC).
    Path,
    /// HTTP header (ROA/FC).
    Header,
    /// The request body (ROA/FC); at most one per operation.
    Body,
    /// A field of the form-encoded body (RPC).
    FormData,
}

/// How a structured parameter value is turned into strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// Lists expand to `Name.1`, `Name.2`, ...; objects inside to
    /// `Name.1.Key` (1-based).
    RepeatList,
    /// Objects expand to `Name.Key`, lists inside to `Name.Key.1` (same
    /// flattening as `repeatList`).
    Flat,
    /// The whole value is JSON-encoded into one parameter.
    Json,
    /// A list is joined with `,` into one parameter.
    Simple,
}

/// A type description, JSON-Schema-like but reduced to what the code
/// generator needs.
///
/// Exactly one of `type` and `ref` is set. With `ref`, only `required` and
/// `deprecated` may also be set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The value's type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<SchemaType>,
    /// Refinement of `type`: `int32`, `int64`, `float`, `double`, `binary`,
    /// `iso8601`, `iso8601_normal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Name of a schema in [`Spec::schemas`] that this one stands for.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// As a property: the member must be present.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Deprecated upstream.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// Allowed values, in their wire (string) form, whatever the `type`.
    #[serde(rename = "enum", default, skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    /// Server-side default, in its wire (string) form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Smallest allowed number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<serde_json::Number>,
    /// Largest allowed number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<serde_json::Number>,
    /// Shortest allowed string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Longest allowed string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Fewest list items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Most list items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// Regular expression a string must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Item type of an `array`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    /// Members of an `object`. Empty with `type: object` means "no declared
    /// members": treat as a free-form JSON object.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Schema>,
    /// Value type of a map-like `object` (string keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<Box<Schema>>,
}

impl Schema {
    /// A schema of the given type and nothing else.
    pub fn of(ty: SchemaType) -> Self {
        Self {
            ty: Some(ty),
            ..Self::default()
        }
    }

    /// A reference to the named schema.
    pub fn to_ref(name: impl Into<String>) -> Self {
        Self {
            reference: Some(name.into()),
            ..Self::default()
        }
    }

    /// `true` for `type: string, format: binary` (raw bytes).
    pub fn is_binary(&self) -> bool {
        self.ty == Some(SchemaType::String) && self.format.as_deref() == Some("binary")
    }

    /// Calls `f` on this schema and every schema nested in it
    /// (items, properties, additional properties), depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Schema)) {
        f(self);
        if let Some(items) = &self.items {
            items.walk(f);
        }
        for property in self.properties.values() {
            property.walk(f);
        }
        if let Some(additional) = &self.additional_properties {
            additional.walk(f);
        }
    }
}

/// The type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaType {
    /// JSON string (or a query value taken as is).
    String,
    /// Whole number; `format` tells `int32` or `int64`.
    Integer,
    /// Floating point number; `format` tells `float` or `double`.
    Number,
    /// `true` / `false`.
    Boolean,
    /// JSON object: `properties` and/or `additional_properties`.
    Object,
    /// JSON array of `items`.
    Array,
    /// Any JSON value.
    Any,
}

/// The success response of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Success status code (200, 201, 202, 204).
    pub status: u16,
    /// Body type. `None`: no body. `type: string, format: binary`: raw bytes.
    /// `type: string`: text. Anything else: JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
}

fn is_false(value: &bool) -> bool {
    !*value
}
