//! Response bodies derived from the specs: schema-shaped answers for
//! operations the emulator does not model, and the conformance check that
//! keeps the modelled answers true to the response schemas.

use serde_json::{Map, Value};

use crate::spec::{ProductSpec, Schema};

/// Deepest nesting synthesized.
const MAX_DEPTH: usize = 8;

/// The member names that carry a request id in response bodies.
pub(crate) const REQUEST_ID_FIELDS: [&str; 4] =
    ["RequestId", "requestId", "request_id", "RequestID"];

/// A value of the shape of `schema`: every object member present, lists
/// empty, scalars zero or empty (the first enum value for enums).
pub(crate) fn synthesize(spec: &ProductSpec, schema: &Schema) -> Value {
    synth(spec, schema, 0)
}

fn synth(spec: &ProductSpec, schema: &Schema, depth: usize) -> Value {
    let schema = spec.resolve(schema);
    match schema.type_name().unwrap_or("any") {
        "object" => {
            let mut map = Map::new();
            if depth < MAX_DEPTH {
                if let Some(props) = &schema.properties {
                    for (name, member) in props {
                        let v = match (name.as_str(), spec.resolve(member).type_name()) {
                            ("PageNumber" | "pageNumber" | "page_number", Some("integer")) => {
                                Value::from(1)
                            }
                            ("Success" | "success", Some("boolean")) => Value::Bool(true),
                            _ => synth(spec, member, depth + 1),
                        };
                        map.insert(name.clone(), v);
                    }
                }
            }
            Value::Object(map)
        }
        "array" => Value::Array(Vec::new()),
        "string" => schema
            .enum_values
            .as_ref()
            .and_then(|e| e.first())
            .map_or_else(
                || Value::String(String::new()),
                |v| Value::String(v.clone()),
            ),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Puts `request_id` into every top-level request-id member the schema
/// declares. Returns whether any was set.
pub(crate) fn fill_request_id(
    spec: &ProductSpec,
    schema: &Schema,
    body: &mut Value,
    request_id: &str,
) -> bool {
    let schema = spec.resolve(schema);
    let (Some(props), Some(map)) = (&schema.properties, body.as_object_mut()) else {
        return false;
    };
    let mut set = false;
    for field in REQUEST_ID_FIELDS {
        if props.contains_key(field) {
            map.insert(field.to_owned(), Value::String(request_id.to_owned()));
            set = true;
        }
    }
    set
}

/// Drops the members of `value` that `schema` does not declare (recursively),
/// so user input can be echoed back within the response schema.
pub(crate) fn prune(spec: &ProductSpec, value: &Value, schema: &Schema) -> Value {
    prune_at(spec, value, schema, 0)
}

fn prune_at(spec: &ProductSpec, value: &Value, schema: &Schema, depth: usize) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    let schema = spec.resolve(schema);
    match (schema.type_name().unwrap_or("any"), value) {
        ("object", Value::Object(map)) => match (&schema.properties, &schema.additional_properties)
        {
            (Some(props), _) => Value::Object(
                map.iter()
                    .filter_map(|(k, v)| {
                        props
                            .get(k)
                            .map(|s| (k.clone(), prune_at(spec, v, s, depth + 1)))
                    })
                    .collect(),
            ),
            (None, Some(values)) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), prune_at(spec, v, values, depth + 1)))
                    .collect(),
            ),
            (None, None) => value.clone(),
        },
        ("object", _) => Value::Null,
        ("array", Value::Array(items)) => match &schema.items {
            Some(item) => Value::Array(
                items
                    .iter()
                    .map(|v| prune_at(spec, v, item, depth + 1))
                    .collect(),
            ),
            None => value.clone(),
        },
        ("array", _) => Value::Null,
        ("string", Value::String(_)) => value.clone(),
        ("string", Value::Number(n)) => Value::String(n.to_string()),
        ("string", Value::Bool(b)) => Value::String(b.to_string()),
        ("string", _) => Value::Null,
        ("integer", v) => crate::products::json_i64(v).map_or(Value::Null, Value::from),
        ("number", Value::Number(_)) => value.clone(),
        ("number", Value::String(s)) => s.trim().parse::<f64>().map_or(Value::Null, Value::from),
        ("number", _) => Value::Null,
        ("boolean", v) => crate::products::json_bool(v).map_or(Value::Null, Value::Bool),
        _ => value.clone(),
    }
}

/// Checks that `value` fits `schema`: members are declared ones and types
/// match. Returns the first mismatch as `path: problem`.
pub(crate) fn conforms(spec: &ProductSpec, value: &Value, schema: &Schema) -> Result<(), String> {
    check(spec, value, schema, "$", 0)
}

fn check(
    spec: &ProductSpec,
    value: &Value,
    schema: &Schema,
    at: &str,
    depth: usize,
) -> Result<(), String> {
    if value.is_null() || depth > 32 {
        return Ok(());
    }
    let schema = spec.resolve(schema);
    let ty = schema.type_name().unwrap_or("any");
    match ty {
        "object" => {
            let Some(map) = value.as_object() else {
                return Err(format!("{at}: expected an object, found {value}"));
            };
            if let Some(props) = &schema.properties {
                for (k, v) in map {
                    let member = props
                        .get(k)
                        .ok_or_else(|| format!("{at}.{k}: not a member of the response schema"))?;
                    check(spec, v, member, &format!("{at}.{k}"), depth + 1)?;
                }
            } else if let Some(values) = &schema.additional_properties {
                for (k, v) in map {
                    check(spec, v, values, &format!("{at}.{k}"), depth + 1)?;
                }
            }
            Ok(())
        }
        "array" => {
            let Some(items) = value.as_array() else {
                return Err(format!("{at}: expected an array, found {value}"));
            };
            if let Some(item) = &schema.items {
                for (i, v) in items.iter().enumerate() {
                    check(spec, v, item, &format!("{at}[{i}]"), depth + 1)?;
                }
            }
            Ok(())
        }
        "string" if !value.is_string() => Err(format!("{at}: expected a string, found {value}")),
        "integer" if !(value.is_i64() || value.is_u64()) => {
            Err(format!("{at}: expected an integer, found {value}"))
        }
        "number" if !value.is_number() => Err(format!("{at}: expected a number, found {value}")),
        "boolean" if !value.is_boolean() => Err(format!("{at}: expected a boolean, found {value}")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::Product;
    use crate::spec::Specs;

    #[test]
    fn synthesized_bodies_conform() {
        let specs = Specs::get();
        for product in Product::ALL {
            let spec = specs.product(product);
            for (action, op) in &spec.file.operations {
                let Some(schema) = op.response.as_ref().and_then(|r| r.schema.as_ref()) else {
                    continue;
                };
                let v = synthesize(spec, schema);
                conforms(spec, &v, schema).unwrap_or_else(|e| panic!("{product} {action}: {e}"));
            }
        }
    }

    #[test]
    fn rpc_wrappers_and_request_ids() {
        let spec = Specs::get().product(Product::Ecs);
        let schema = spec
            .operation("DescribeInstances")
            .unwrap()
            .response
            .as_ref()
            .unwrap();
        let schema = schema.schema.as_ref().unwrap();
        let mut v = synthesize(spec, schema);
        assert!(v["Instances"]["Instance"].is_array());
        assert!(fill_request_id(spec, schema, &mut v, "RID"));
        assert_eq!(v["RequestId"], "RID");
        let bad = serde_json::json!({"Instances": {"Instance": [{"Bogus": 1}]}});
        assert!(conforms(spec, &bad, schema).unwrap_err().contains("Bogus"));
    }
}
