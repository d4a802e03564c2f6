//! Hand-written overlays: `openapi-specs/overlays/<crate>.json`.
//!
//! An overlay file is `{"entries": [...]}`; each entry edits the merged spec
//! (in the normalized format) at a JSON pointer:
//!
//! ```json
//! {"reason": "one line: why", "op": "add", "path": "/operations/X/response", "value": {...}}
//! ```
//!
//! * `add`: the parent must exist and the target must not (an object member
//!   is created, or an array element inserted; `-` appends). Adding something
//!   upstream already has is an error, so a fix is noticed once upstream
//!   catches up.
//! * `replace`: the target must exist; it is replaced by `value`.
//! * `remove`: the target must exist; it is removed.
//!
//! Any entry whose target is missing fails the import, as does a result that
//! no longer fits the spec format.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::spec::Spec;

/// One overlay file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayFile {
    /// Edits, applied in order.
    pub entries: Vec<Entry>,
}

/// One edit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Why the edit is needed: one line, in our own words.
    pub reason: String,
    /// What to do at `path`.
    pub op: Op,
    /// JSON pointer (RFC 6901) into the normalized spec.
    pub path: String,
    /// The new value, for `add` and `replace`.
    #[serde(default)]
    pub value: Option<Value>,
}

/// Overlay operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Create something that does not exist yet.
    Add,
    /// Replace something that exists.
    Replace,
    /// Remove something that exists.
    Remove,
}

/// What applying the overlays did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Operations whose whole response was supplied by an overlay.
    pub responses: BTreeSet<String>,
}

/// Applies `overlay` to `spec`. `source` names the overlay file in errors.
pub fn apply(spec: &Spec, overlay: &OverlayFile, source: &str) -> Result<(Spec, Applied), String> {
    let mut doc = serde_json::to_value(spec).map_err(|e| e.to_string())?;
    let mut applied = Applied::default();
    for (index, entry) in overlay.entries.iter().enumerate() {
        let context = format!("{source}: entry {} ({})", index + 1, entry.path);
        check_reason(&entry.reason).map_err(|e| format!("{context}: {e}"))?;
        apply_entry(&mut doc, entry).map_err(|e| format!("{context}: {e}"))?;
        if let Some(operation) =
            whole_response_target(&entry.path).filter(|_| entry.op != Op::Remove)
        {
            applied.responses.insert(operation);
        }
    }
    let spec = serde_json::from_value(doc)
        .map_err(|e| format!("{source}: the result no longer fits the spec format: {e}"))?;
    Ok((spec, applied))
}

fn check_reason(reason: &str) -> Result<(), String> {
    if reason.trim().is_empty() {
        return Err("missing reason".to_owned());
    }
    if reason.contains('\n') {
        return Err("the reason must be one line".to_owned());
    }
    Ok(())
}

fn apply_entry(doc: &mut Value, entry: &Entry) -> Result<(), String> {
    if entry.op == Op::Remove && entry.value.is_some() {
        return Err("`remove` takes no value".to_owned());
    }
    let tokens = parse_pointer(&entry.path)?;
    let Some((last, parents)) = tokens.split_last() else {
        return Err("cannot edit the whole document".to_owned());
    };
    let mut parent = &mut *doc;
    for (depth, token) in parents.iter().enumerate() {
        parent = child_mut(parent, token).ok_or_else(|| {
            format!(
                "target not found: {} does not exist",
                to_pointer(&tokens[..=depth])
            )
        })?;
    }
    let value = || {
        entry
            .value
            .clone()
            .ok_or_else(|| format!("`{:?}` needs a value", entry.op))
    };
    match (entry.op, parent) {
        (Op::Add, Value::Object(map)) => {
            if map.contains_key(last) {
                return Err("`add` target already exists (use `replace`, or drop the entry if upstream now has it)".to_owned());
            }
            map.insert(last.clone(), value()?);
        }
        (Op::Add, Value::Array(items)) => {
            let index = if last == "-" {
                items.len()
            } else {
                array_index(last)
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| format!("target not found: no array position {last}"))?
            };
            items.insert(index, value()?);
        }
        (Op::Replace, parent) => {
            let target = child_mut(parent, last)
                .ok_or_else(|| format!("target not found: {} does not exist", entry.path))?;
            *target = value()?;
        }
        (Op::Remove, Value::Object(map)) => {
            map.remove(last)
                .ok_or_else(|| format!("target not found: {} does not exist", entry.path))?;
        }
        (Op::Remove, Value::Array(items)) => {
            let index = array_index(last)
                .filter(|i| *i < items.len())
                .ok_or_else(|| format!("target not found: {} does not exist", entry.path))?;
            items.remove(index);
        }
        (_, _) => return Err("the parent is neither an object nor an array".to_owned()),
    }
    Ok(())
}

fn child_mut<'a>(value: &'a mut Value, token: &str) -> Option<&'a mut Value> {
    match value {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => items.get_mut(array_index(token)?),
        _ => None,
    }
}

fn array_index(token: &str) -> Option<usize> {
    if token.len() > 1 && token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

/// Splits an RFC 6901 pointer into unescaped tokens.
fn parse_pointer(pointer: &str) -> Result<Vec<String>, String> {
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| format!("{pointer:?} is not a JSON pointer (must start with `/`)"))?;
    rest.split('/')
        .map(|token| {
            if token.replace("~0", "").replace("~1", "").contains('~') {
                return Err(format!("bad escape in pointer token {token:?}"));
            }
            Ok(token.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

fn to_pointer(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// `Some(operation)` for a pointer to `/operations/<operation>/response`.
fn whole_response_target(pointer: &str) -> Option<String> {
    match parse_pointer(pointer).ok()?.as_slice() {
        [operations, name, response] if operations == "operations" && response == "response" => {
            Some(name.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ApiStyle, FORMAT_VERSION, HttpMethod, Operation, Schema, SchemaType};

    fn spec() -> Spec {
        let op = |response| Operation {
            method: HttpMethod::Get,
            path: "/".into(),
            operation_type: None,
            deprecated: false,
            request_body: Default::default(),
            parameters: vec![],
            response,
        };
        let mut job = Schema::of(SchemaType::Object);
        job.properties
            .insert("Statuses".into(), Schema::to_ref("Status"));
        Spec {
            format_version: FORMAT_VERSION,
            product: "Demo".into(),
            version: "2020-01-01".into(),
            style: ApiStyle::Rpc,
            endpoints: Default::default(),
            schemas: [
                ("Job".to_owned(), job),
                ("Status".to_owned(), Schema::of(SchemaType::Object)),
            ]
            .into(),
            operations: [
                ("Missing".to_owned(), op(None)),
                (
                    "Known".to_owned(),
                    op(Some(crate::spec::Response {
                        status: 200,
                        schema: Some(Schema::of(SchemaType::Object)),
                    })),
                ),
            ]
            .into(),
        }
    }

    fn overlay(json: serde_json::Value) -> OverlayFile {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn adds_a_missing_response_and_replaces_a_wrong_member() {
        let file = overlay(serde_json::json!({"entries": [
            {"reason": "upstream has no response", "op": "add",
             "path": "/operations/Missing/response",
             "value": {"status": 200, "schema": {"type": "object", "properties": {
                 "RequestId": {"type": "string"}}}}},
            {"reason": "a list, not one object", "op": "replace",
             "path": "/schemas/Job/properties/Statuses",
             "value": {"type": "array", "items": {"ref": "Status"}}}
        ]}));
        let (out, applied) = apply(&spec(), &file, "demo.json").unwrap();
        let response = out.operations["Missing"].response.as_ref().unwrap();
        assert_eq!(response.status, 200);
        assert!(
            response.schema.as_ref().unwrap().properties["RequestId"].ty
                == Some(SchemaType::String)
        );
        let statuses = &out.schemas["Job"].properties["Statuses"];
        assert_eq!(statuses.ty, Some(SchemaType::Array));
        assert_eq!(
            statuses.items.as_ref().unwrap().reference.as_deref(),
            Some("Status")
        );
        assert_eq!(applied.responses.iter().collect::<Vec<_>>(), ["Missing"]);
    }

    #[test]
    fn a_missing_target_fails_loudly() {
        let file = overlay(serde_json::json!({"entries": [
            {"reason": "r", "op": "add", "path": "/operations/NoSuchOp/response",
             "value": {"status": 200}}
        ]}));
        let err = apply(&spec(), &file, "demo.json").unwrap_err();
        assert!(err.contains("demo.json"), "{err}");
        assert!(err.contains("/operations/NoSuchOp does not exist"), "{err}");

        let file = overlay(serde_json::json!({"entries": [
            {"reason": "r", "op": "replace", "path": "/schemas/Job/properties/Nope",
             "value": {"type": "string"}}
        ]}));
        assert!(apply(&spec(), &file, "demo.json").is_err());

        let file = overlay(serde_json::json!({"entries": [
            {"reason": "r", "op": "remove", "path": "/schemas/Nope"}
        ]}));
        assert!(apply(&spec(), &file, "demo.json").is_err());
    }

    #[test]
    fn adding_over_existing_data_fails() {
        let file = overlay(serde_json::json!({"entries": [
            {"reason": "r", "op": "add", "path": "/operations/Known/response",
             "value": {"status": 200}}
        ]}));
        let err = apply(&spec(), &file, "demo.json").unwrap_err();
        assert!(err.contains("already exists"), "{err}");
    }

    #[test]
    fn results_must_fit_the_format_and_reasons_are_required() {
        let file = overlay(serde_json::json!({"entries": [
            {"reason": "r", "op": "add", "path": "/operations/Missing/response",
             "value": {"status": 200, "schema": {"type": "strnig"}}}
        ]}));
        assert!(apply(&spec(), &file, "demo.json").is_err());

        let file = overlay(serde_json::json!({"entries": [
            {"reason": " ", "op": "remove", "path": "/operations/Known/response"}
        ]}));
        assert!(apply(&spec(), &file, "demo.json").is_err());

        let err = serde_json::from_value::<OverlayFile>(serde_json::json!({"entries": [
            {"op": "remove", "path": "/operations/Known/response"}
        ]}))
        .unwrap_err();
        assert!(err.to_string().contains("reason"), "{err}");
    }

    #[test]
    fn pointers_unescape() {
        assert_eq!(parse_pointer("/a~1b/c~0d").unwrap(), ["a/b", "c~d"]);
        assert!(parse_pointer("a/b").is_err());
        assert!(parse_pointer("/a~2").is_err());
        assert_eq!(to_pointer(&["a/b".into(), "c~d".into()]), "/a~1b/c~0d");
    }
}
