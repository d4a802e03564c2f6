//! Turns upstream schema and parameter nodes into the normalized form of
//! [`crate::spec`]: keeps the structural facts, drops everything else, and
//! smooths over upstream quirks (numbers written as strings, empty patterns,
//! `required` flags where they mean nothing, lists that also declare members).

use std::str::FromStr;

use serde_json::Value;

use super::upstream;
use crate::spec::{Location, ParamStyle, Parameter, Schema, SchemaType};

/// Prefix of upstream `$ref` values; the rest is the schema name.
const REF_PREFIX: &str = "#/components/schemas/";

/// Where a schema sits, which decides whether `required` means anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A member of an object: `required` is kept.
    Member,
    /// A root, list item or map value: `required` is dropped.
    Other,
}

/// Normalizes one schema node and everything under it.
///
/// `at` names the node in error messages.
pub fn schema(raw: &upstream::Schema, position: Position, at: &str) -> Result<Schema, String> {
    let reference = raw
        .reference
        .as_deref()
        .map(|r| {
            r.strip_prefix(REF_PREFIX)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("{at}: unsupported $ref {r:?}"))
        })
        .transpose()?;
    let required = position == Position::Member && raw.required.unwrap_or(false);
    let deprecated = raw.deprecated.unwrap_or(false);

    if let Some(reference) = reference {
        // Siblings of a $ref upstream are prose (title, description) or the
        // member flags kept here; anything structural would be contradictory.
        if raw.ty.is_some() || !raw.properties.is_empty() || raw.items.is_some() {
            return Err(format!("{at}: $ref with a type or members next to it"));
        }
        return Ok(Schema {
            reference: Some(reference),
            required,
            deprecated,
            ..Schema::default()
        });
    }

    // A node with neither type nor $ref (an empty `{}` / `[]`) accepts anything.
    let ty = match raw.ty.as_deref() {
        None => SchemaType::Any,
        Some(name) => schema_type(name).ok_or_else(|| format!("{at}: unknown type {name:?}"))?,
    };

    let items = match &raw.items {
        Some(items) if ty == SchemaType::Array => Some(Box::new(schema(
            items,
            Position::Other,
            &format!("{at}[]"),
        )?)),
        Some(_) => return Err(format!("{at}: `items` on a {ty:?}")),
        None if ty == SchemaType::Array => {
            // A list without an item type: items may be anything.
            Some(Box::new(Schema::of(SchemaType::Any)))
        }
        None => None,
    };

    // Upstream sometimes declares members on a list (ACK DescribeClusters):
    // the wire value is the list, so only `items` counts.
    let properties = if ty == SchemaType::Array {
        Default::default()
    } else {
        raw.properties
            .iter()
            .map(|(name, member)| {
                schema(member, Position::Member, &format!("{at}.{name}")).map(|s| (name.clone(), s))
            })
            .collect::<Result<_, _>>()?
    };

    let additional_properties = raw
        .additional_properties
        .as_deref()
        .map(|a| schema(a, Position::Other, &format!("{at}{{}}")).map(Box::new))
        .transpose()?;

    let enum_values = raw
        .enum_values
        .iter()
        .flatten()
        .map(|v| scalar_text(v).ok_or_else(|| format!("{at}: enum value {v} is not a scalar")))
        .collect::<Result<Vec<_>, _>>()?;

    let default = raw
        .default
        .as_ref()
        .map(|v| scalar_text(v).ok_or_else(|| format!("{at}: default {v} is not a scalar")))
        .transpose()?
        // An empty default of a non-string type says nothing.
        .filter(|d| !(d.is_empty() && ty != SchemaType::String));

    Ok(Schema {
        ty: Some(ty),
        format: raw.format.clone().filter(|f| !f.is_empty()),
        reference: None,
        required,
        deprecated,
        enum_values,
        default,
        minimum: raw.minimum.as_ref().map(|v| number(v, at)).transpose()?,
        maximum: raw.maximum.as_ref().map(|v| number(v, at)).transpose()?,
        min_length: raw.min_length,
        max_length: raw.max_length,
        min_items: raw.min_items,
        max_items: raw.max_items,
        pattern: raw.pattern.clone().filter(|p| !p.is_empty()),
        items,
        properties,
        additional_properties,
    })
}

/// Normalizes one request parameter. `required` moves from the schema up to
/// the parameter.
pub fn parameter(raw: &upstream::Parameter, at: &str) -> Result<Parameter, String> {
    let at = format!("{at}: parameter {}", raw.name);
    let location = match raw.location.as_str() {
        "query" => Location::Query,
        "path" => Location::Path,
        "header" => Location::Header,
        "body" => Location::Body,
        "formData" => Location::FormData,
        other => return Err(format!("{at}: unknown location {other:?}")),
    };
    let style = raw
        .style
        .as_deref()
        .map(|s| param_style(s).ok_or_else(|| format!("{at}: unknown style {s:?}")))
        .transpose()?;
    Ok(Parameter {
        name: raw.name.clone(),
        location,
        style,
        required: raw.schema.required.unwrap_or(false),
        schema: schema(&raw.schema, Position::Other, &at)?,
    })
}

fn schema_type(name: &str) -> Option<SchemaType> {
    Some(match name {
        "string" => SchemaType::String,
        "integer" => SchemaType::Integer,
        "number" => SchemaType::Number,
        "boolean" => SchemaType::Boolean,
        "object" => SchemaType::Object,
        "array" => SchemaType::Array,
        "any" => SchemaType::Any,
        _ => return None,
    })
}

fn param_style(name: &str) -> Option<ParamStyle> {
    Some(match name {
        "repeatList" => ParamStyle::RepeatList,
        "flat" => ParamStyle::Flat,
        "json" => ParamStyle::Json,
        "simple" => ParamStyle::Simple,
        _ => return None,
    })
}

/// The wire text of a scalar (`"10"`, `10` and `true` all become text).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A bound written as a number or as a numeric string.
fn number(value: &Value, at: &str) -> Result<serde_json::Number, String> {
    let parsed = match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => {
            let s = s.trim();
            i64::from_str(s)
                .map(Into::into)
                .ok()
                .or_else(|| u64::from_str(s).map(Into::into).ok())
                .or_else(|| f64::from_str(s).ok().and_then(serde_json::Number::from_f64))
        }
        _ => None,
    };
    parsed.ok_or_else(|| format!("{at}: bound {value} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> upstream::Schema {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn prose_is_dropped_and_facts_are_kept() {
        let s = raw(r#"{
            "title": "\u5b9e\u4f8b\u5217\u8868", "description": "\u8fd4\u56de\u7684\u5b9e\u4f8b\u3002", "type": "object",
            "properties": {
                "Status": {"type": "string", "required": true, "example": "Running",
                           "enum": ["Running", "Stopped"],
                           "enumValueTitles": {"Running": "\u8fd0\u884c\u4e2d"}, "docRequired": true},
                "Count": {"type": "integer", "format": "int32", "minimum": "1",
                          "maximum": "100", "default": "10", "index": 3}
            }
        }"#);
        let out = schema(&s, Position::Other, "t").unwrap();
        let text = serde_json::to_string(&out).unwrap();
        assert!(!text.chars().any(super::super::is_cjk), "{text}");
        assert!(!text.contains("Running\":"), "{text}");
        let status = &out.properties["Status"];
        assert!(status.required);
        assert_eq!(status.enum_values, ["Running", "Stopped"]);
        let count = &out.properties["Count"];
        assert_eq!(count.minimum, Some(1.into()));
        assert_eq!(count.maximum, Some(100.into()));
        assert_eq!(count.default.as_deref(), Some("10"));
        assert_eq!(count.format.as_deref(), Some("int32"));
    }

    #[test]
    fn refs_are_reduced_to_names() {
        let s = raw(r##"{"$ref": "#/components/schemas/Label", "required": true, "title": "x"}"##);
        let out = schema(&s, Position::Member, "t").unwrap();
        assert_eq!(out.reference.as_deref(), Some("Label"));
        assert!(out.required);
        assert_eq!(out.ty, None);

        let bad = raw(r##"{"$ref": "#/definitions/Label"}"##);
        assert!(schema(&bad, Position::Member, "t").is_err());
    }

    #[test]
    fn required_only_counts_on_members() {
        let s = raw(r#"{"type": "array", "required": true,
                        "items": {"type": "string", "required": true}}"#);
        let out = schema(&s, Position::Other, "t").unwrap();
        assert!(!out.required);
        assert!(!out.items.unwrap().required);
    }

    #[test]
    fn lists_keep_items_only_and_empty_nodes_are_any() {
        let s = raw(
            r#"{"type": "array", "properties": {"RequestId": {"type": "string"}},
                        "items": {"type": "object"}}"#,
        );
        let out = schema(&s, Position::Other, "t").unwrap();
        assert!(out.properties.is_empty());
        assert_eq!(out.items.unwrap().ty, Some(SchemaType::Object));

        let out = schema(&raw("{}"), Position::Other, "t").unwrap();
        assert_eq!(out.ty, Some(SchemaType::Any));
    }

    #[test]
    fn empty_pattern_and_empty_non_string_default_are_dropped() {
        let s = raw(r#"{"type": "integer", "pattern": "", "default": ""}"#);
        let out = schema(&s, Position::Other, "t").unwrap();
        assert_eq!(out.pattern, None);
        assert_eq!(out.default, None);
    }

    #[test]
    fn unknown_types_styles_and_locations_fail() {
        assert!(schema(&raw(r#"{"type": "date"}"#), Position::Other, "t").is_err());
        let p: upstream::Parameter = serde_json::from_str(
            r#"{"name": "A", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}}"#,
        )
        .unwrap();
        assert!(parameter(&p, "t").is_err());
        let p: upstream::Parameter =
            serde_json::from_str(r#"{"name": "A", "in": "cookie", "schema": {"type": "string"}}"#)
                .unwrap();
        assert!(parameter(&p, "t").is_err());
    }

    #[test]
    fn parameter_required_moves_up() {
        let p: upstream::Parameter = serde_json::from_str(
            r#"{"name": "RegionId", "in": "query",
                "schema": {"type": "string", "required": true, "description": "\u5730\u57df"}}"#,
        )
        .unwrap();
        let out = parameter(&p, "t").unwrap();
        assert!(out.required);
        assert!(!out.schema.required);
        assert_eq!(out.location, Location::Query);
    }
}
