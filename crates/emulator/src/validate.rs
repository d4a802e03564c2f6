//! Request checks driven by the specs: required parameters present and
//! values of the declared types, as the real gateways check them before a
//! call reaches the service.

use serde_json::Value;

use crate::error::ApiError;
use crate::params::{Params, parse_bool};
use crate::spec::{Location, Operation, ProductSpec, Schema};

/// Deepest nesting of a JSON body that is type-checked.
const MAX_DEPTH: usize = 12;

/// What validation hands on to the handler.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The parsed JSON body, for operations with a JSON body.
    pub json: Option<Value>,
}

/// Checks `params` (query and form values), `headers` and `body` against `op`.
pub(crate) fn check(
    spec: &ProductSpec,
    op: &Operation,
    params: &Params,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Checked, ApiError> {
    let mut checked = Checked::default();
    for p in &op.parameters {
        let schema = spec.resolve(&p.schema);
        match p.location {
            // Present by construction: the path template matched.
            Location::Path => {}
            Location::Query | Location::FormData => {
                check_flat_param(
                    spec,
                    &p.name,
                    p.style.as_deref(),
                    p.required,
                    schema,
                    params,
                )?;
            }
            Location::Header => {
                let value = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&p.name))
                    .map(|(_, v)| v.as_str());
                match value {
                    None | Some("") if p.required => return Err(ApiError::missing(&p.name)),
                    Some(v) if !v.is_empty() => check_scalar(&p.name, v, schema)?,
                    _ => {}
                }
            }
            Location::Body => {
                let kind = op.request_body.as_deref().unwrap_or("json");
                if body.is_empty() || body.iter().all(u8::is_ascii_whitespace) {
                    if p.required {
                        return Err(ApiError::missing(&p.name));
                    }
                    continue;
                }
                if kind == "json" {
                    let value: Value = serde_json::from_slice(body).map_err(|e| {
                        ApiError::invalid(&p.name, format!("the body is not valid JSON ({e})"))
                    })?;
                    check_json(spec, &value, schema, "", 0)?;
                    checked.json = Some(value);
                }
            }
        }
    }
    Ok(checked)
}

fn type_of(schema: &Schema) -> &str {
    schema.type_name().unwrap_or("any")
}

fn check_scalar(name: &str, value: &str, schema: &Schema) -> Result<(), ApiError> {
    let v = value.trim();
    let problem = match type_of(schema) {
        "integer" if v.parse::<i64>().is_err() && v.parse::<u64>().is_err() => "an integer",
        "number" if v.parse::<f64>().is_err() => "a number",
        "boolean" if parse_bool(v).is_none() => "true or false",
        _ => return Ok(()),
    };
    Err(ApiError::invalid(
        name,
        format!("`{value}` is not {problem}"),
    ))
}

/// One query or form parameter, in any of the RPC styles.
fn check_flat_param(
    spec: &ProductSpec,
    name: &str,
    style: Option<&str>,
    required: bool,
    schema: &Schema,
    params: &Params,
) -> Result<(), ApiError> {
    let ty = type_of(schema);
    match (style, ty) {
        (Some("json"), _) => match params.get(name) {
            None | Some("") if required => Err(ApiError::missing(name)),
            Some(v) if !v.trim().is_empty() => {
                let value: Value = serde_json::from_str(v)
                    .map_err(|_| ApiError::invalid(name, "must be a JSON-encoded value"))?;
                check_json(spec, &value, schema, name, 0)
            }
            _ => Ok(()),
        },
        (Some("simple"), "array") => match params.get(name) {
            None | Some("") if required => Err(ApiError::missing(name)),
            Some(v) => {
                let item = schema.items.as_deref().map(|s| spec.resolve(s));
                if let Some(item) = item {
                    for part in v.split(',').filter(|s| !s.is_empty()) {
                        check_scalar(name, part, item)?;
                    }
                }
                Ok(())
            }
            None => Ok(()),
        },
        (_, "array") | (_, "object") => {
            if !params.has_prefix(name) {
                return if required {
                    Err(ApiError::missing(name))
                } else {
                    Ok(())
                };
            }
            // A JSON-encoded list is also accepted for lists of scalars.
            if let Some(v) = params.get(name) {
                if ty == "array" && v.trim_start().starts_with('[') {
                    return Ok(());
                }
            }
            check_flattened(spec, name, schema, params)
        }
        _ => match params.get(name) {
            None | Some("") if required => Err(ApiError::missing(name)),
            Some(v) if !v.is_empty() => check_scalar(name, v, schema),
            _ => Ok(()),
        },
    }
}

/// `Name.1`, `Name.1.Key`, `Name.Key` values against the schema.
fn check_flattened(
    spec: &ProductSpec,
    name: &str,
    schema: &Schema,
    params: &Params,
) -> Result<(), ApiError> {
    match type_of(schema) {
        "array" => {
            let item = schema.items.as_deref().map_or(schema, |s| spec.resolve(s));
            let prefix = format!("{name}.");
            let mut indexes: Vec<usize> = params
                .pairs()
                .iter()
                .filter_map(|(k, _)| {
                    let rest = k.strip_prefix(&prefix)?;
                    rest.split('.').next()?.parse().ok()
                })
                .collect();
            indexes.sort_unstable();
            indexes.dedup();
            for i in indexes {
                let item_name = format!("{name}.{i}");
                match type_of(item) {
                    "object" | "array" => check_flattened(spec, &item_name, item, params)?,
                    _ => {
                        if let Some(v) = params.get(&item_name) {
                            check_scalar(&item_name, v, item)?;
                        }
                    }
                }
            }
            Ok(())
        }
        "object" => {
            let Some(props) = &schema.properties else {
                return Ok(());
            };
            for (member, member_schema) in props {
                let member_schema = spec.resolve(member_schema);
                let full = format!("{name}.{member}");
                match type_of(member_schema) {
                    "object" | "array" => {
                        if params.has_prefix(&full) {
                            check_flattened(spec, &full, member_schema, params)?;
                        } else if member_schema.required {
                            return Err(ApiError::missing(&full));
                        }
                    }
                    _ => match params.get(&full) {
                        None | Some("") if member_schema.required => {
                            return Err(ApiError::missing(&full));
                        }
                        Some(v) if !v.is_empty() => check_scalar(&full, v, member_schema)?,
                        _ => {}
                    },
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn member_path(parent: &str, member: &str) -> String {
    if parent.is_empty() {
        member.to_owned()
    } else {
        format!("{parent}.{member}")
    }
}

/// A JSON value against the schema: required members present, types
/// compatible (numbers and booleans written as strings are accepted, as the
/// services accept them).
fn check_json(
    spec: &ProductSpec,
    value: &Value,
    schema: &Schema,
    at: &str,
    depth: usize,
) -> Result<(), ApiError> {
    if depth > MAX_DEPTH || value.is_null() {
        return Ok(());
    }
    let schema = spec.resolve(schema);
    let name = if at.is_empty() { "body" } else { at };
    match type_of(schema) {
        "object" => {
            let Some(map) = value.as_object() else {
                return Err(ApiError::invalid(name, "must be a JSON object"));
            };
            if let Some(props) = &schema.properties {
                for (member, member_schema) in props {
                    let path = member_path(at, member);
                    match map.get(member) {
                        None | Some(Value::Null) => {
                            if member_schema.required {
                                return Err(ApiError::missing(&path));
                            }
                        }
                        Some(v) => check_json(spec, v, member_schema, &path, depth + 1)?,
                    }
                }
            } else if let Some(values) = &schema.additional_properties {
                for (k, v) in map {
                    check_json(spec, v, values, &member_path(at, k), depth + 1)?;
                }
            }
            Ok(())
        }
        "array" => {
            let Some(items) = value.as_array() else {
                return Err(ApiError::invalid(name, "must be a JSON array"));
            };
            if let Some(item_schema) = &schema.items {
                for (i, item) in items.iter().enumerate() {
                    check_json(spec, item, item_schema, &format!("{name}[{i}]"), depth + 1)?;
                }
            }
            Ok(())
        }
        "integer" => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => Ok(()),
            _ => Err(ApiError::invalid(
                name,
                format!("`{value}` is not an integer"),
            )),
        },
        "number" => match value {
            Value::Number(_) => Ok(()),
            Value::String(s) if s.trim().parse::<f64>().is_ok() => Ok(()),
            _ => Err(ApiError::invalid(
                name,
                format!("`{value}` is not a number"),
            )),
        },
        "boolean" => match value {
            Value::Bool(_) => Ok(()),
            Value::String(s) if parse_bool(s).is_some() => Ok(()),
            _ => Err(ApiError::invalid(
                name,
                format!("`{value}` is not true or false"),
            )),
        },
        "string" => match value {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
            _ => Err(ApiError::invalid(name, "must be a string")),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::Product;
    use crate::spec::Specs;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn rpc_required_and_types() {
        let spec = Specs::get().product(Product::Ecs);
        let op = spec.operation("DescribeZones").unwrap();
        let e = check(spec, op, &params(&[]), &[], b"").unwrap_err();
        assert_eq!(e.code, "MissingParameter");
        assert!(e.message.contains("RegionId"));
        assert!(check(spec, op, &params(&[("RegionId", "cn-hangzhou")]), &[], b"").is_ok());
        let e = check(
            spec,
            op,
            &params(&[("RegionId", "cn-hangzhou"), ("Verbose", "yes")]),
            &[],
            b"",
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameter");

        let op = spec.operation("DescribeInstanceTypes").unwrap();
        let e = check(
            spec,
            op,
            &params(&[("MinimumCpuCoreCount", "eight")]),
            &[],
            b"",
        )
        .unwrap_err();
        assert!(e.message.contains("MinimumCpuCoreCount"));
    }

    #[test]
    fn repeat_list_members() {
        let spec = Specs::get().product(Product::Bss);
        let op = spec.operation("GetPayAsYouGoPrice").unwrap();
        let base = [("ProductCode", "ecs"), ("SubscriptionType", "PayAsYouGo")];
        let e = check(spec, op, &params(&base), &[], b"").unwrap_err();
        assert!(e.message.contains("ModuleList"));
        let mut p = base.to_vec();
        p.push(("ModuleList.1.ModuleCode", "InstanceType"));
        p.push(("ModuleList.1.PriceType", "Hour"));
        let e = check(spec, op, &params(&p), &[], b"").unwrap_err();
        assert!(e.message.contains("ModuleList.1.Config"), "{e}");
        p.push(("ModuleList.1.Config", "InstanceType:ecs.g7.large"));
        assert!(check(spec, op, &params(&p), &[], b"").is_ok());
    }

    #[test]
    fn json_bodies() {
        let spec = Specs::get().product(Product::PaiDlc);
        let op = spec.operation("CreateJob").unwrap();
        let e = check(spec, op, &params(&[]), &[], br#"{"DisplayName":"x"}"#).unwrap_err();
        assert_eq!(e.code, "MissingParameter");
        let body = br#"{"DisplayName":"x","JobType":"PyTorchJob","UserCommand":"python a.py",
            "JobSpecs":[{"Type":"Worker","PodCount":"two"}]}"#;
        let e = check(spec, op, &params(&[]), &[], body).unwrap_err();
        assert!(e.message.contains("PodCount"), "{e}");
        let body = br#"{"DisplayName":"x","JobType":"PyTorchJob","UserCommand":"python a.py",
            "JobSpecs":[{"Type":"Worker","PodCount":1}]}"#;
        let ok = check(spec, op, &params(&[]), &[], body).unwrap();
        assert!(ok.json.is_some());
        let e = check(spec, op, &params(&[]), &[], b"{not json").unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
    }
}
