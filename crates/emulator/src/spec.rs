//! The normalized API specs of `openapi-specs/`, as far as the emulator
//! needs them: operations (method, path, parameters, required flags, types)
//! and response schemas.
//!
//! The spec files are compiled into the crate and parsed once per process.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::product::Product;

/// One product's spec file.
#[derive(Debug, Deserialize)]
pub(crate) struct SpecFile {
    pub product: String,
    pub version: String,
    #[serde(default)]
    pub operations: BTreeMap<String, Operation>,
    #[serde(default)]
    pub schemas: BTreeMap<String, Schema>,
}

/// One operation.
#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(default)]
    pub request_body: Option<String>,
    #[serde(default)]
    pub response: Option<ResponseSpec>,
    #[serde(default)]
    pub operation_type: Option<String>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Location {
    Query,
    Path,
    Header,
    Body,
    FormData,
}

/// One request parameter.
#[derive(Debug, Deserialize)]
pub(crate) struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: Location,
    #[serde(default)]
    pub style: Option<String>,
    #[serde(default)]
    pub required: bool,
    pub schema: Schema,
}

/// The success response.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseSpec {
    pub status: u16,
    #[serde(default)]
    pub schema: Option<Schema>,
}

/// A reduced JSON schema.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Schema {
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    #[serde(default)]
    pub properties: Option<BTreeMap<String, Schema>>,
    #[serde(default)]
    pub additional_properties: Option<Box<Schema>>,
}

impl Schema {
    /// The type name (`object`, `string`, ...), or `None` for a bare `ref`.
    pub fn type_name(&self) -> Option<&str> {
        self.ty.as_deref()
    }
}

/// One segment of a ROA path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Literal(String),
    Param(String),
}

/// A ROA route: the action and its path template.
#[derive(Debug)]
pub(crate) struct Route {
    pub action: String,
    pub method: String,
    pub segments: Vec<Segment>,
    literals: usize,
}

/// A parsed spec with its routes.
#[derive(Debug)]
pub(crate) struct ProductSpec {
    pub product: Product,
    pub file: SpecFile,
    routes: Vec<Route>,
}

impl ProductSpec {
    fn new(product: Product, text: &str) -> Self {
        let file: SpecFile = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("embedded spec of {product} does not parse: {e}"));
        debug_assert_eq!(file.version, product.version());
        debug_assert_eq!(file.product, product.code());
        let mut routes: Vec<Route> = file
            .operations
            .iter()
            .map(|(action, op)| {
                let segments = parse_template(&op.path);
                let literals = segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                Route {
                    action: action.clone(),
                    method: op.method.clone(),
                    segments,
                    literals,
                }
            })
            .collect();
        // More specific templates (more literal segments) first.
        routes.sort_by(|a, b| b.literals.cmp(&a.literals).then(a.action.cmp(&b.action)));
        Self {
            product,
            file,
            routes,
        }
    }

    /// The operation named `action`.
    pub fn operation(&self, action: &str) -> Option<&Operation> {
        self.file.operations.get(action)
    }

    /// Resolves a named schema reference.
    pub fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        let mut s = schema;
        for _ in 0..8 {
            match &s.reference {
                Some(name) => match self.file.schemas.get(name) {
                    Some(next) => s = next,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    /// Finds the operation served at `method` + `raw_path` (ROA/FC).
    pub fn route(&self, method: &str, raw_path: &str) -> Option<(&str, HashMap<String, String>)> {
        let parts = split_path(raw_path);
        self.routes
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method))
            .find_map(|r| match_segments(&r.segments, &parts).map(|p| (r.action.as_str(), p)))
    }

    /// Matches `raw_path` against the template of `action`.
    pub fn match_action(&self, action: &str, raw_path: &str) -> Option<HashMap<String, String>> {
        let route = self.routes.iter().find(|r| r.action == action)?;
        match_segments(&route.segments, &split_path(raw_path))
    }
}

fn parse_template(path: &str) -> Vec<Segment> {
    split_path(path)
        .into_iter()
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
                Segment::Param(s[1..s.len() - 1].to_owned())
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn split_path(path: &str) -> Vec<&str> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

fn match_segments(template: &[Segment], parts: &[&str]) -> Option<HashMap<String, String>> {
    if template.len() != parts.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (seg, part) in template.iter().zip(parts) {
        match seg {
            Segment::Literal(l) => {
                if l != part {
                    return None;
                }
            }
            Segment::Param(name) => {
                let value = percent_encoding::percent_decode_str(part)
                    .decode_utf8()
                    .ok()?
                    .into_owned();
                if value.is_empty() {
                    return None;
                }
                params.insert(name.clone(), value);
            }
        }
    }
    Some(params)
}

/// All product specs.
#[derive(Debug)]
pub(crate) struct Specs {
    products: Vec<ProductSpec>,
}

impl Specs {
    /// The specs, parsed on first use.
    pub fn get() -> &'static Specs {
        static SPECS: OnceLock<Specs> = OnceLock::new();
        SPECS.get_or_init(|| {
            let text = |p: Product| -> &'static str {
                match p {
                    Product::Ecs => include_str!("../../../openapi-specs/ecs.json"),
                    Product::Vpc => include_str!("../../../openapi-specs/vpc.json"),
                    Product::Fc => include_str!("../../../openapi-specs/fc.json"),
                    Product::Cs => include_str!("../../../openapi-specs/ack.json"),
                    Product::PaiDlc => include_str!("../../../openapi-specs/pai-dlc.json"),
                    Product::Eas => include_str!("../../../openapi-specs/eas.json"),
                    Product::AiWorkspace => {
                        include_str!("../../../openapi-specs/aiworkspace.json")
                    }
                    Product::Sysom => include_str!("../../../openapi-specs/sysom.json"),
                    Product::Bss => include_str!("../../../openapi-specs/bss.json"),
                }
            };
            Specs {
                products: Product::ALL
                    .into_iter()
                    .map(|p| ProductSpec::new(p, text(p)))
                    .collect(),
            }
        })
    }

    /// The spec of `product`.
    pub fn product(&self, product: Product) -> &ProductSpec {
        self.products
            .iter()
            .find(|s| s.product == product)
            .expect("every product has a spec")
    }

    /// Finds the ROA/FC product and operation served at `method` + `raw_path`
    /// (used when a request carries no `x-acs-version`).
    pub fn route_any(
        &self,
        method: &str,
        raw_path: &str,
    ) -> Option<(Product, &str, HashMap<String, String>)> {
        self.products
            .iter()
            .filter(|s| !s.product.is_rpc())
            .find_map(|s| s.route(method, raw_path).map(|(a, p)| (s.product, a, p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_parses_and_routes() {
        let specs = Specs::get();
        let dlc = specs.product(Product::PaiDlc);
        let (action, params) = dlc.route("GET", "/api/v1/jobs/dlc123").unwrap();
        assert_eq!(action, "GetJob");
        assert_eq!(params["JobId"], "dlc123");
        let (action, _) = dlc.route("GET", "/api/v1/jobs/dlc123/events").unwrap();
        assert_eq!(action, "GetJobEvents");
        let (action, _) = dlc.route("POST", "/api/v1/jobs").unwrap();
        assert_eq!(action, "CreateJob");
        assert!(dlc.match_action("GetJob", "/api/v1/jobs/a%2Fb").is_some());
        assert!(dlc.match_action("GetJob", "/api/v1/jobs").is_none());
        let (p, a, _) = specs
            .route_any("GET", "/api/v2/services/cn-hangzhou/my_svc")
            .unwrap();
        assert_eq!((p, a), (Product::Eas, "DescribeService"));
    }

    #[test]
    fn refs_resolve() {
        let fc = Specs::get().product(Product::Fc);
        let op = fc.operation("GetFunction").unwrap();
        let schema = op.response.as_ref().unwrap().schema.as_ref().unwrap();
        let resolved = fc.resolve(schema);
        assert!(
            resolved
                .properties
                .as_ref()
                .unwrap()
                .contains_key("functionName")
        );
    }
}
