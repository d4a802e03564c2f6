//! Example values derived from the spec: the example request of every
//! operation (for the wire snapshot) and a synthetic response document (for
//! the parse test).

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::{Map, Value, json};

use super::emit::{Ctx, ident};
use super::model::{Field, InField, Op, OutputKind, Place, StructDef, Ty, TypeDef};
use super::names;
use crate::spec::Schema;

const MAX_DEPTH: usize = 5;

fn raw_string(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("raw string literal")
}

fn example_text(wire: &str) -> String {
    match names::snake(wire).as_str() {
        "region_id" | "region" => "cn-hangzhou".into(),
        "zone_id" => "cn-hangzhou-h".into(),
        "client_token" => "client-token-example".into(),
        other => other.replace('_', "-"),
    }
}

fn example_int(schema: &Schema) -> i64 {
    if let Some(v) = schema.enum_values.first().and_then(|v| v.parse().ok()) {
        return v;
    }
    let min = schema
        .minimum
        .as_ref()
        .and_then(|n| n.as_i64())
        .unwrap_or(1);
    let max = schema
        .maximum
        .as_ref()
        .and_then(|n| n.as_i64())
        .unwrap_or(i64::MAX);
    min.max(1).min(max).max(0)
}

/// A Rust expression of type `ty` with example values.
fn example_expr(ctx: &Ctx, ty: &Ty, wire: &str, schema: &Schema, depth: usize) -> TokenStream {
    match ty {
        Ty::Str => {
            let text = example_text(wire);
            quote!(#text.into())
        }
        Ty::I32 | Ty::I64 => {
            let v = Literal::i64_unsuffixed(example_int(schema));
            quote!(#v)
        }
        Ty::F64 => {
            let v = Literal::f64_unsuffixed(1.5);
            quote!(#v)
        }
        Ty::Bool => quote!(true),
        Ty::Bytes => quote!(b"example bytes".to_vec()),
        Ty::Json => quote!(serde_json::json!({ "key": "value" })),
        Ty::Enum(path) => match ctx.def(path) {
            TypeDef::Enum(e) => {
                let v = &e.variants[0].1;
                quote!(#v.into())
            }
            TypeDef::Struct(_) => unreachable!("enum path names a struct"),
        },
        Ty::List(item) => {
            let items = schema.items.as_deref().cloned().unwrap_or_default();
            let e = example_expr(ctx, item, wire, &items, depth);
            quote!(vec![#e])
        }
        Ty::Map(value) => {
            let values = schema
                .additional_properties
                .as_deref()
                .cloned()
                .unwrap_or_default();
            let e = example_expr(ctx, value, "value", &values, depth);
            quote!([("key".to_owned(), #e)].into_iter().collect())
        }
        Ty::Struct(path) => {
            let t = ctx.ty(ty);
            if depth >= MAX_DEPTH {
                return quote!(#t::default());
            }
            let TypeDef::Struct(def) = ctx.def(path) else {
                unreachable!("struct path names an enum")
            };
            let fields = struct_example_fields(ctx, def, depth + 1);
            quote!(#t { #fields })
        }
    }
}

fn struct_example_fields(ctx: &Ctx, def: &StructDef, depth: usize) -> TokenStream {
    let mut out = TokenStream::new();
    for f in &def.fields {
        let i = ident(&f.ident);
        let schema = resolve(ctx, &f.schema);
        let e = example_expr(ctx, &f.ty, &f.wire, &schema, depth);
        out.extend(match f.ty {
            Ty::List(_) => quote!(#i: #e,),
            _ => quote!(#i: Some(#e),),
        });
    }
    out
}

fn resolve(ctx: &Ctx, schema: &Schema) -> Schema {
    ctx.product.spec.resolve(schema).clone()
}

fn input_example(ctx: &Ctx, op: &Op) -> TokenStream {
    let input = ident(&op.input_name());
    let mut fields = TokenStream::new();
    let example = |f: &InField| {
        let schema = resolve(ctx, &f.field.schema);
        example_expr(ctx, &f.field.ty, &f.field.wire, &schema, 0)
    };
    for f in op.input.iter().filter(|f| f.place != Place::BodyMember) {
        let i = ident(&f.field.ident);
        let e = example(f);
        fields.extend(quote!(#i: Some(#e),));
    }
    if let Some(body) = &op.body_struct {
        let b = ident(body);
        let mut members = TokenStream::new();
        for f in op.input.iter().filter(|f| f.place == Place::BodyMember) {
            let i = ident(&f.field.ident);
            let e = example(f);
            members.extend(quote!(#i: Some(#e),));
        }
        fields.extend(quote!(body: #b { #members },));
    }
    quote!(#input { #fields })
}

/// State of the synthetic document: which quirk comes next.
#[derive(Default)]
struct Quirks {
    scalars: usize,
    wrappers: usize,
    unknown_enum_done: bool,
}

/// (document as a server might send it, document as the SDK writes it back),
/// or `None` when the value is left out (recursion bound).
fn sample(
    ctx: &Ctx,
    ty: &Ty,
    strict: bool,
    depth: usize,
    q: &mut Quirks,
) -> Option<(Value, Value)> {
    let mut quirk = || {
        q.scalars += 1;
        !strict && q.scalars % 2 == 0
    };
    Some(match ty {
        Ty::Str => {
            if !strict && q.scalars % 7 == 3 {
                q.scalars += 1;
                (json!(123), json!("123"))
            } else {
                q.scalars += 1;
                (json!("text"), json!("text"))
            }
        }
        Ty::I32 | Ty::I64 => {
            if quirk() {
                (json!("7"), json!(7))
            } else {
                (json!(7), json!(7))
            }
        }
        Ty::F64 => {
            if quirk() {
                (json!("1.5"), json!(1.5))
            } else {
                (json!(1.5), json!(1.5))
            }
        }
        Ty::Bool => {
            if quirk() {
                (json!("true"), json!(true))
            } else {
                (json!(true), json!(true))
            }
        }
        Ty::Bytes => return None,
        Ty::Json => (json!({"key": "value"}), json!({"key": "value"})),
        Ty::Enum(path) => {
            let TypeDef::Enum(e) = ctx.def(path) else {
                unreachable!()
            };
            if !q.unknown_enum_done && !strict {
                q.unknown_enum_done = true;
                (json!("ValueNewerThanTheSdk"), json!("ValueNewerThanTheSdk"))
            } else {
                (json!(e.variants[0].1), json!(e.variants[0].1))
            }
        }
        Ty::List(item) => {
            let (s, c) = sample(ctx, item, true, depth, q)?;
            (json!([s]), json!([c]))
        }
        Ty::Map(value) => {
            let (s, c) = sample(ctx, value, true, depth, q)?;
            (json!({"key": s}), json!({"key": c}))
        }
        Ty::Struct(path) => {
            if depth >= MAX_DEPTH {
                return None;
            }
            let TypeDef::Struct(def) = ctx.def(path) else {
                unreachable!()
            };
            let (s, c) = sample_fields(ctx, &def.fields, depth + 1, q);
            (Value::Object(s), Value::Object(c))
        }
    })
}

fn sample_fields(
    ctx: &Ctx,
    fields: &[Field],
    depth: usize,
    q: &mut Quirks,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut s = Map::new();
    let mut c = Map::new();
    for f in fields {
        let Some((fs, fc)) = sample(ctx, &f.ty, false, depth, q) else {
            continue;
        };
        match (&f.wrapped, fs, fc) {
            (Some(inner), Value::Array(items_s), Value::Array(items_c)) => {
                q.wrappers += 1;
                let sent = match q.wrappers % 3 {
                    // A lone item instead of a one-item list.
                    2 => json!({ inner: items_s[0] }),
                    // A bare list instead of the wrapper.
                    0 => Value::Array(items_s),
                    _ => json!({ inner: items_s }),
                };
                s.insert(f.wire.clone(), sent);
                c.insert(f.wire.clone(), json!({ inner: items_c }));
            }
            (_, fs, fc) => {
                s.insert(f.wire.clone(), fs);
                c.insert(f.wire.clone(), fc);
            }
        }
    }
    (s, c)
}

/// `#[cfg(test)]` items of an operation module: `example_request()` and, for
/// a JSON response shape, the parse test.
pub fn op_tests(ctx: &Ctx, op: &Op) -> TokenStream {
    let example = input_example(ctx, op);
    let mut out = quote! {
        /// The request built from the spec's example values (wire snapshot).
        #[cfg(test)]
        pub(crate) fn example_request() -> Request {
            #example.to_request(None).expect("the example input has every required parameter")
        }
    };
    let output = ident(&op.output_name());
    let mut q = Quirks::default();
    let (doc, checks): (Option<(Value, Value)>, TokenStream) = match &op.output {
        OutputKind::Struct => {
            let TypeDef::Struct(def) = &op.types.defs[0] else {
                unreachable!()
            };
            let (s, c) = sample_fields(ctx, &def.fields, 1, &mut q);
            let checks = accessor_checks(&def.fields, &s);
            (Some((Value::Object(s), Value::Object(c))), checks)
        }
        OutputKind::Alias(path) => {
            let TypeDef::Struct(def) = ctx.def(path) else {
                unreachable!()
            };
            let (s, c) = sample_fields(ctx, &def.fields, 1, &mut q);
            let checks = accessor_checks(&def.fields, &s);
            (Some((Value::Object(s), Value::Object(c))), checks)
        }
        OutputKind::List(item) => (
            sample(ctx, item, true, 1, &mut q).map(|(s, c)| (json!([s]), json!([c]))),
            quote!(assert!(!output.items().is_empty());),
        ),
        OutputKind::Map(value) => (
            sample(ctx, value, true, 1, &mut q)
                .map(|(s, c)| (json!({"key": s}), json!({"key": c}))),
            quote!(assert!(!output.entries().is_empty());),
        ),
        OutputKind::Untyped | OutputKind::Text | OutputKind::Bytes => (None, quote!()),
    };
    if let Some((sample_doc, canonical)) = doc {
        let sample_lit = raw_string(&serde_json::to_string(&sample_doc).expect("json"));
        let canonical_lit = raw_string(&serde_json::to_string(&canonical).expect("json"));
        out.extend(quote! {
            #[cfg(test)]
            mod tests {
                use super::*;

                /// A response with every field present, some numbers and
                /// booleans as strings, list wrappers in every accepted
                /// shape and an enum value the SDK does not know parses, and
                /// writes back in the canonical wire shape.
                #[test]
                fn synthetic_response_parses() {
                    let sample = #sample_lit;
                    let canonical: serde_json::Value = serde_json::from_str(#canonical_lit).unwrap();
                    let output: #output = serde_json::from_str(sample).expect("the synthetic response parses");
                    assert_eq!(serde_json::to_value(&output).unwrap(), canonical);
                    #checks
                }
            }
        });
    }
    out
}

fn accessor_checks(fields: &[Field], present: &Map<String, Value>) -> TokenStream {
    let mut out = TokenStream::new();
    for f in fields.iter().filter(|f| present.contains_key(&f.wire)) {
        let a = ident(&f.ident);
        out.extend(match f.ty {
            Ty::List(_) => quote!(assert!(!output.#a().is_empty());),
            _ => quote!(assert!(output.#a().is_some());),
        });
    }
    out
}
