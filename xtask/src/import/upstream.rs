//! Serde model of the upstream metadata files (`api-docs.*.json`).
//!
//! Every key that occurs upstream is declared here, either as a field we keep
//! or as an [`IgnoredAny`] field we drop on purpose (prose, examples, console
//! presentation). Structs deny unknown fields, so a key we have never seen
//! fails the import and forces a decision instead of being dropped silently.
//!
//! The newer snapshot was converted from a PHP array dump, where an empty
//! object prints as `[]`; every object-typed field therefore goes through
//! [`php_object`], which reads `[]` as the empty value.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// One `api-docs.json` file.
#[allow(
    dead_code,
    reason = "dropped keys are declared so that unknown ones can be rejected"
)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    /// File format version (`1.0`); not used.
    version: IgnoredAny,
    pub info: Info,
    /// Documentation-site navigation.
    #[serde(default)]
    directories: IgnoredAny,
    #[serde(default, deserialize_with = "php_object")]
    pub components: Components,
    #[serde(deserialize_with = "php_object")]
    pub apis: BTreeMap<String, Api>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// `info`: product identity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Info {
    pub style: String,
    pub product: String,
    pub version: String,
}

/// `components`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Components {
    #[serde(default, deserialize_with = "php_object")]
    pub schemas: BTreeMap<String, Schema>,
}

/// One `endpoints[]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Endpoint {
    pub region_id: String,
    pub endpoint: String,
}

/// One `apis.<Name>` entry.
#[allow(
    dead_code,
    reason = "dropped keys are declared so that unknown ones can be rejected"
)]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Api {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(default, deserialize_with = "php_object")]
    pub responses: BTreeMap<String, ResponseEntry>,
    #[serde(default)]
    pub deprecated: Option<bool>,
    #[serde(default, deserialize_with = "php_object")]
    pub system_tags: SystemTags,
    // Derivable from the parameters, and unreliable upstream (often missing,
    // sometimes empty): dropped in favour of `RequestBody`.
    #[serde(default)]
    consumes: IgnoredAny,
    #[serde(default)]
    produces: IgnoredAny,
    // Always AK signing and http/https: nothing to act on.
    #[serde(default)]
    schemes: IgnoredAny,
    #[serde(default)]
    security: IgnoredAny,
    // Coarse read/write flag of the console; `systemTags.operationType` is kept.
    #[serde(default)]
    operation_type: IgnoredAny,
    // Prose, examples and documentation-site data.
    #[serde(default)]
    title: IgnoredAny,
    #[serde(default)]
    summary: IgnoredAny,
    #[serde(default)]
    description: IgnoredAny,
    #[serde(default)]
    request_params_description: IgnoredAny,
    #[serde(default)]
    response_params_description: IgnoredAny,
    #[serde(default)]
    response_demo: IgnoredAny,
    #[serde(default)]
    error_codes: IgnoredAny,
    #[serde(default)]
    extra_info: IgnoredAny,
    #[serde(default)]
    static_info: IgnoredAny,
    #[serde(default)]
    tags: IgnoredAny,
}

/// `systemTags`: only the operation type is structural.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemTags {
    #[serde(default)]
    pub operation_type: Option<String>,
}

/// One `parameters[]` entry.
#[allow(
    dead_code,
    reason = "dropped keys are declared so that unknown ones can be rejected"
)]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: String,
    #[serde(default)]
    pub style: Option<String>,
    #[serde(deserialize_with = "php_object")]
    pub schema: Schema,
    // Console hints and examples.
    #[serde(default)]
    allow_empty_value: IgnoredAny,
    #[serde(default)]
    examples: IgnoredAny,
}

/// One `responses.<status>` entry.
#[allow(
    dead_code,
    reason = "dropped keys are declared so that unknown ones can be rejected"
)]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseEntry {
    #[serde(default, deserialize_with = "php_object_opt")]
    pub schema: Option<Schema>,
    #[serde(default)]
    headers: IgnoredAny,
    #[serde(default)]
    description: IgnoredAny,
    #[serde(default)]
    examples: IgnoredAny,
}

/// A schema node as written upstream.
#[allow(
    dead_code,
    reason = "dropped keys are declared so that unknown ones can be rejected"
)]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(rename = "$ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub deprecated: Option<bool>,
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub minimum: Option<serde_json::Value>,
    #[serde(default)]
    pub maximum: Option<serde_json::Value>,
    #[serde(default)]
    pub min_length: Option<u64>,
    #[serde(default)]
    pub max_length: Option<u64>,
    #[serde(default)]
    pub min_items: Option<u64>,
    #[serde(default)]
    pub max_items: Option<u64>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default, deserialize_with = "php_object_opt")]
    pub items: Option<Box<Schema>>,
    #[serde(default, deserialize_with = "php_object")]
    pub properties: BTreeMap<String, Schema>,
    #[serde(default, deserialize_with = "php_object_opt")]
    pub additional_properties: Option<Box<Schema>>,
    // Prose, examples and documentation-site presentation.
    #[serde(default)]
    description: IgnoredAny,
    #[serde(default)]
    title: IgnoredAny,
    #[serde(default)]
    example: IgnoredAny,
    #[serde(default)]
    examples: IgnoredAny,
    #[serde(default)]
    enum_value_titles: IgnoredAny,
    #[serde(default)]
    doc_required: IgnoredAny,
    #[serde(default)]
    index: IgnoredAny,
    #[serde(default)]
    item_name: IgnoredAny,
}

/// Reads an object, or `[]` (a PHP empty array) as `T::default()`.
pub fn php_object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    deserializer.deserialize_any(PhpObject(PhantomData))
}

/// Like [`php_object`], for an optional field.
pub fn php_object_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    php_object(deserializer).map(Some)
}

struct PhpObject<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for PhpObject<T>
where
    T: Deserialize<'de> + Default,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object, or `[]` for an empty one")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_value(
                de::Unexpected::Seq,
                &"an object, or `[]` for an empty one",
            ));
        }
        Ok(T::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_array_reads_as_empty_object() {
        let doc: Doc = serde_json::from_str(
            r#"{"version":"1.0","info":{"style":"RPC","product":"X","version":"1"},
                "components":{"schemas":[]},"apis":[],"endpoints":[]}"#,
        )
        .unwrap();
        assert!(doc.components.schemas.is_empty());
        assert!(doc.apis.is_empty());

        let schema: Schema =
            serde_json::from_str(r#"{"type":"object","properties":[],"items":[]}"#).unwrap();
        assert!(schema.properties.is_empty());
        assert!(schema.items.is_some());
    }

    #[test]
    fn non_empty_array_where_an_object_belongs_is_an_error() {
        let err = serde_json::from_str::<Schema>(r#"{"type":"object","properties":[1]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("an object, or `[]`"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_str::<Schema>(r#"{"type":"string","color":"red"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("color"), "{err}");
    }
}
