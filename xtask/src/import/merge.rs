//! The merge rule: which snapshot each fact comes from.
//!
//! * Operations, their methods, paths, request parameters and deprecation:
//!   the newer snapshot (2025-12), which is the current request side.
//! * Response schema and operation type: the older snapshot (2024-06), the
//!   only one that has them, for operations that exist there.
//! * Named schemas: the newer snapshot's, plus those only the older one has
//!   (response shapes refer to them). Where both define a name, the newer
//!   definition wins: upstream only added members between the two.
//! * Endpoints: the older snapshot's, plus regions that only the newer one
//!   lists. Where both list a region, the older host wins.

use std::collections::{BTreeMap, BTreeSet};

use super::normalize::{self, Position};
use super::upstream::{self, Doc};
use crate::spec::{
    ApiStyle, FORMAT_VERSION, HttpMethod, Operation, OperationType, Parameter, RequestBody,
    Response, Spec,
};

/// Result of merging the two snapshots of one product.
#[derive(Debug)]
pub struct Merged {
    /// The merged spec, before overlays.
    pub spec: Spec,
    /// Operations whose response came from the older snapshot.
    pub responses_from_old: BTreeSet<String>,
}

/// Merges `old` (2024-06: responses, operation types, endpoints) and `new`
/// (2025-12: operations and requests) into one spec.
pub fn merge(old: &Doc, new: &Doc) -> Result<Merged, String> {
    if (&old.info.product, &old.info.style, &old.info.version)
        != (&new.info.product, &new.info.style, &new.info.version)
    {
        return Err(format!(
            "the snapshots describe different APIs: {:?} vs {:?}",
            old.info, new.info
        ));
    }
    let style = match new.info.style.as_str() {
        "RPC" => ApiStyle::Rpc,
        "ROA" => ApiStyle::Roa,
        "FC" => ApiStyle::Fc,
        other => return Err(format!("unknown API style {other:?}")),
    };

    let mut schemas = BTreeMap::new();
    for (name, raw) in old.components.schemas.iter().chain(&new.components.schemas) {
        // Later entries (the newer snapshot) replace earlier ones.
        let at = format!("schema {name}");
        schemas.insert(name.clone(), normalize::schema(raw, Position::Other, &at)?);
    }

    let mut operations = BTreeMap::new();
    let mut responses_from_old = BTreeSet::new();
    for (name, api) in &new.apis {
        let at = format!("operation {name}");
        let previous = old.apis.get(name);
        let response = previous
            .map(old_response)
            .transpose()
            .map_err(|e| format!("{at}: {e}"))?
            .flatten();
        if response.is_some() {
            responses_from_old.insert(name.clone());
        }
        let operation_type = previous
            .and_then(|p| p.system_tags.operation_type.as_deref())
            .map(|t| operation_type(t).ok_or_else(|| format!("{at}: unknown operation type {t:?}")))
            .transpose()?;
        let operation = Operation {
            method: choose_method(&api.methods).map_err(|e| format!("{at}: {e}"))?,
            path: operation_path(style, api.path.as_deref()).map_err(|e| format!("{at}: {e}"))?,
            operation_type,
            deprecated: api
                .deprecated
                .or_else(|| previous.and_then(|p| p.deprecated))
                .unwrap_or(false),
            request_body: RequestBody::None,
            parameters: parameters(&api.parameters, &at)?,
            response,
        };
        operations.insert(name.clone(), operation);
    }

    Ok(Merged {
        spec: Spec {
            format_version: FORMAT_VERSION,
            product: new.info.product.clone(),
            version: new.info.version.clone(),
            style,
            endpoints: endpoints(&old.endpoints, &new.endpoints)?,
            schemas,
            operations,
        },
        responses_from_old,
    })
}

/// The method to call an operation with. Upstream lists every accepted
/// method; like the official SDK generator, prefer POST when it is among
/// them, else take the only (first) one.
pub fn choose_method(methods: &[String]) -> Result<HttpMethod, String> {
    let parse = |m: &str| {
        Some(match m.to_ascii_lowercase().as_str() {
            "get" => HttpMethod::Get,
            "post" => HttpMethod::Post,
            "put" => HttpMethod::Put,
            "delete" => HttpMethod::Delete,
            "patch" => HttpMethod::Patch,
            "head" => HttpMethod::Head,
            _ => return None,
        })
    };
    let parsed = methods
        .iter()
        .map(|m| parse(m).ok_or_else(|| format!("unknown method {m:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    if parsed.contains(&HttpMethod::Post) {
        return Ok(HttpMethod::Post);
    }
    parsed
        .first()
        .copied()
        .ok_or_else(|| "no method".to_owned())
}

fn operation_path(style: ApiStyle, path: Option<&str>) -> Result<String, String> {
    match (style, path) {
        // RPC calls always go to `/`; upstream omits the path (once, leaves it empty).
        (ApiStyle::Rpc, None | Some("" | "/")) => Ok("/".to_owned()),
        (ApiStyle::Rpc, Some(p)) => Err(format!("RPC operation with a path {p:?}")),
        (_, Some(p)) if p.starts_with('/') && !p.contains(['?', '#']) => Ok(p.to_owned()),
        (_, Some(p)) => Err(format!("unsupported path {p:?}")),
        (_, None) => Err("resource-style operation without a path".to_owned()),
    }
}

/// Normalizes the parameters, folding upstream's repeated entries (the same
/// name and location listed twice) into one. Repeats that disagree only on
/// `required` become optional: a required flag we are unsure of would make
/// the SDK refuse calls the server accepts.
fn parameters(raw: &[upstream::Parameter], at: &str) -> Result<Vec<Parameter>, String> {
    let mut out: Vec<Parameter> = Vec::with_capacity(raw.len());
    for p in raw {
        let p = normalize::parameter(p, at)?;
        match out
            .iter_mut()
            .find(|q| q.name == p.name && q.location == p.location)
        {
            None => out.push(p),
            Some(q) => {
                let same = Parameter {
                    required: q.required,
                    ..p.clone()
                } == *q;
                if !same {
                    return Err(format!(
                        "{at}: parameter {} is listed twice with different definitions",
                        p.name
                    ));
                }
                q.required &= p.required;
            }
        }
    }
    Ok(out)
}

/// The success response of an operation in the older snapshot: the lowest
/// 2xx status, with its schema if one is given.
fn old_response(api: &upstream::Api) -> Result<Option<Response>, String> {
    let Some((status, entry)) = api.responses.iter().find(|(s, _)| s.starts_with('2')) else {
        return Ok(None);
    };
    let status = status
        .parse()
        .map_err(|_| format!("unsupported response status {status:?}"))?;
    let schema = entry
        .schema
        .as_ref()
        .map(|s| normalize::schema(s, Position::Other, "response"))
        .transpose()?;
    Ok(Some(Response { status, schema }))
}

fn operation_type(name: &str) -> Option<OperationType> {
    Some(match name {
        "get" => OperationType::Get,
        "list" => OperationType::List,
        "create" => OperationType::Create,
        "update" => OperationType::Update,
        "delete" => OperationType::Delete,
        "none" => OperationType::None,
        _ => return None,
    })
}

fn endpoints(
    old: &[upstream::Endpoint],
    new: &[upstream::Endpoint],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    // Older first: `or_insert` keeps the first host seen for a region.
    for e in old.iter().chain(new) {
        let (region, host) = (e.region_id.trim(), e.endpoint.trim());
        if region.is_empty() || host.is_empty() || host.contains(['/', ' ']) {
            return Err(format!("bad endpoint entry {e:?}"));
        }
        out.entry(region.to_owned())
            .or_insert_with(|| host.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Location, SchemaType};

    fn doc(json: serde_json::Value) -> Doc {
        serde_json::from_value(json).unwrap()
    }

    fn old_doc() -> Doc {
        doc(serde_json::json!({
            "version": "1.0",
            "info": {"style": "ROA", "product": "Demo", "version": "2020-01-01"},
            "components": {"schemas": {
                "Job": {"type": "object", "properties": {"JobId": {"type": "string"}}},
                "OldOnly": {"type": "object", "properties": {"A": {"type": "string"}}}
            }},
            "apis": {
                "GetJob": {
                    "path": "/jobs/{JobId}", "methods": ["get"],
                    "deprecated": false,
                    "systemTags": {"operationType": "get", "riskType": "none"},
                    "parameters": [
                        {"name": "JobId", "in": "path", "schema": {"type": "string", "required": true}},
                        {"name": "Old", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"schema": {"$ref": "#/components/schemas/Job", "description": "\u{4f5c}\u{4e1a}"}},
                        "404": {"schema": {"type": "object"}}
                    }
                },
                "DeleteJob": {
                    "path": "/jobs/{JobId}", "methods": ["delete"],
                    "parameters": [],
                    "responses": {"204": {"description": "No Content"}}
                },
                "Gone": {"path": "/gone", "methods": ["get"], "parameters": []}
            },
            "endpoints": [
                {"regionId": "cn-hangzhou", "endpoint": "demo-old.cn-hangzhou.example.com"}
            ]
        }))
    }

    fn new_doc() -> Doc {
        doc(serde_json::json!({
            "version": "1.0",
            "info": {"style": "ROA", "product": "Demo", "version": "2020-01-01"},
            "components": {"schemas": {
                "Job": {"type": "object", "properties": {
                    "JobId": {"type": "string"}, "Extra": {"type": "string"}}}
            }},
            "apis": {
                "GetJob": {
                    "path": "/jobs/{JobId}", "methods": ["get"], "deprecated": true,
                    "parameters": [
                        {"name": "JobId", "in": "path", "schema": {"type": "string", "required": true}},
                        {"name": "Verbose", "in": "query", "schema": {"type": "boolean"}}
                    ]
                },
                "DeleteJob": {"path": "/jobs/{JobId}", "methods": ["delete"], "parameters": []},
                "NewOp": {"path": "/new", "methods": ["put", "post"], "parameters": []}
            },
            "endpoints": [
                {"regionId": "cn-hangzhou", "endpoint": "demo.cn-hangzhou.example.com"},
                {"regionId": "ap-northeast-1", "endpoint": "demo.ap-northeast-1.example.com\t"}
            ]
        }))
    }

    #[test]
    fn requests_come_from_the_new_snapshot_and_responses_from_the_old() {
        let merged = merge(&old_doc(), &new_doc()).unwrap();
        let spec = &merged.spec;

        // Operation list: the newer snapshot's.
        let names: Vec<_> = spec.operations.keys().map(String::as_str).collect();
        assert_eq!(names, ["DeleteJob", "GetJob", "NewOp"]);

        let get = &spec.operations["GetJob"];
        let params: Vec<_> = get.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, ["JobId", "Verbose"]);
        assert!(get.parameters[0].required);
        assert_eq!(get.parameters[0].location, Location::Path);
        assert!(get.deprecated, "deprecation follows the newer snapshot");
        assert_eq!(get.operation_type, Some(OperationType::Get));
        let response = get.response.as_ref().unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            response.schema.as_ref().unwrap().reference.as_deref(),
            Some("Job")
        );

        let delete = &spec.operations["DeleteJob"];
        assert_eq!(delete.response.as_ref().unwrap().status, 204);
        assert!(delete.response.as_ref().unwrap().schema.is_none());

        let new_op = &spec.operations["NewOp"];
        assert!(new_op.response.is_none());
        assert_eq!(new_op.method, HttpMethod::Post);

        assert_eq!(
            merged.responses_from_old.iter().collect::<Vec<_>>(),
            ["DeleteJob", "GetJob"]
        );

        // Named schemas: newer definition wins, older-only ones are kept.
        assert!(spec.schemas["Job"].properties.contains_key("Extra"));
        assert_eq!(
            spec.schemas["OldOnly"].properties["A"].ty,
            Some(SchemaType::String)
        );

        // Endpoints: older host wins, newer-only regions are added, trimmed.
        assert_eq!(
            spec.endpoints["cn-hangzhou"],
            "demo-old.cn-hangzhou.example.com"
        );
        assert_eq!(
            spec.endpoints["ap-northeast-1"],
            "demo.ap-northeast-1.example.com"
        );
    }

    #[test]
    fn mismatched_snapshots_are_refused() {
        let mut new = new_doc();
        new.info.version = "2021-01-01".into();
        assert!(merge(&old_doc(), &new).is_err());
    }

    #[test]
    fn post_is_preferred_otherwise_the_first_method() {
        let m = |v: &[&str]| choose_method(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(m(&["get", "post"]), Ok(HttpMethod::Post));
        assert_eq!(m(&["post", "get"]), Ok(HttpMethod::Post));
        assert_eq!(m(&["get"]), Ok(HttpMethod::Get));
        assert_eq!(m(&["post", "delete"]), Ok(HttpMethod::Post));
        assert_eq!(m(&["delete"]), Ok(HttpMethod::Delete));
        assert!(m(&[]).is_err());
        assert!(m(&["trace"]).is_err());
    }

    #[test]
    fn repeated_parameters_are_folded() {
        let raw: Vec<upstream::Parameter> = serde_json::from_value(serde_json::json!([
            {"name": "RegionId", "in": "query", "schema": {"type": "string", "required": true}},
            {"name": "Name", "in": "query", "schema": {"type": "string"}},
            {"name": "RegionId", "in": "query", "schema": {"type": "string", "required": false}}
        ]))
        .unwrap();
        let out = parameters(&raw, "t").unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].name, "RegionId");
        assert!(!out[0].required);

        let conflicting: Vec<upstream::Parameter> = serde_json::from_value(serde_json::json!([
            {"name": "A", "in": "query", "schema": {"type": "string"}},
            {"name": "A", "in": "query", "schema": {"type": "integer"}}
        ]))
        .unwrap();
        assert!(parameters(&conflicting, "t").is_err());
    }

    #[test]
    fn rpc_operations_have_the_root_path() {
        assert_eq!(operation_path(ApiStyle::Rpc, None).unwrap(), "/");
        assert_eq!(operation_path(ApiStyle::Rpc, Some("")).unwrap(), "/");
        assert!(operation_path(ApiStyle::Rpc, Some("/x")).is_err());
        assert!(operation_path(ApiStyle::Roa, None).is_err());
        assert!(operation_path(ApiStyle::Roa, Some("/a?b")).is_err());
    }
}
