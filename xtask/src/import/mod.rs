//! `cargo xtask import`: upstream metadata → `openapi-specs/<crate>.json`.
//!
//! Per product: read both upstream snapshots (`upstream`), merge them
//! (`merge`), normalize every node (`normalize`), apply the hand-written
//! overlays (`overlay`), then derive, prune and validate ([`finalize`]) and
//! render deterministic JSON ([`render`]).

mod merge;
mod normalize;
mod overlay;
mod upstream;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::spec::{ApiStyle, Location, RequestBody, Schema, SchemaType, Spec};

/// An upstream product folder and the crate its spec is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Folder under the metadata directory (`ecs`, `cs`, `bssopenapi`, ...).
    pub folder: &'static str,
    /// API version: the subfolder holding the snapshots.
    pub version: &'static str,
    /// Our crate name, which names `openapi-specs/<crate>.json`.
    pub crate_name: &'static str,
}

impl Product {
    /// A product read from `<folder>/<version>/` and written as `<crate_name>.json`.
    pub const fn new(
        folder: &'static str,
        version: &'static str,
        crate_name: &'static str,
    ) -> Self {
        Self {
            folder,
            version,
            crate_name,
        }
    }
}

/// The products the SDK covers.
pub const PRODUCTS: &[Product] = &[
    Product::new("ecs", "2014-05-26", "ecs"),
    Product::new("vpc", "2016-04-28", "vpc"),
    Product::new("fc", "2023-03-30", "fc"),
    Product::new("cs", "2015-12-15", "ack"),
    Product::new("pai-dlc", "2020-12-03", "pai-dlc"),
    Product::new("eas", "2021-07-01", "eas"),
    Product::new("aiworkspace", "2021-02-04", "aiworkspace"),
    Product::new("sysom", "2023-12-30", "sysom"),
    Product::new("bssopenapi", "2017-12-14", "bss"),
];

/// Snapshot with the responses, operation types and endpoints.
pub const OLD_SNAPSHOT: &str = "api-docs.2024-06.json";
/// Snapshot with the current operations and requests.
pub const NEW_SNAPSHOT: &str = "api-docs.2025-12.json";

/// An import failure, with enough context to find the cause.
#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A file's content is not what the importer accepts.
    Invalid {
        /// The file or product concerned.
        context: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid { context, message } => write!(f, "{context}: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Invalid { .. } => None,
        }
    }
}

fn invalid(context: impl fmt::Display) -> impl FnOnce(String) -> Error {
    let context = context.to_string();
    move |message| Error::Invalid { context, message }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in a subdirectory of the workspace")
        .to_path_buf()
}

/// Default location of the upstream metadata, next to the workspace.
pub fn default_metadata_dir() -> PathBuf {
    workspace_root().join("../shared/openapi-meta")
}

/// Where the normalized specs live.
pub fn specs_dir() -> PathBuf {
    workspace_root().join("openapi-specs")
}

/// One product's import result.
#[derive(Debug)]
pub struct Imported {
    /// The product.
    pub product: Product,
    /// The normalized spec.
    pub spec: Spec,
    /// `spec` rendered as written to disk.
    pub text: String,
    /// Counts for the summary.
    pub stats: Stats,
}

impl Imported {
    /// File name under the specs directory.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.product.crate_name)
    }
}

/// Counts for the import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Operations in the spec.
    pub operations: usize,
    /// Operations whose response came from the 2024-06 snapshot.
    pub responses_from_old: usize,
    /// Operations whose response an overlay supplied.
    pub responses_from_overlay: usize,
    /// Operations without a known response.
    pub without_response: usize,
    /// Named schemas kept.
    pub schemas: usize,
    /// Endpoints listed.
    pub endpoints: usize,
    /// Overlay entries applied.
    pub overlay_entries: usize,
}

/// Imports every product in [`PRODUCTS`].
pub fn import_all(metadata: &Path, overlays: &Path) -> Result<Vec<Imported>, Error> {
    check_overlay_names(overlays, PRODUCTS)?;
    PRODUCTS
        .iter()
        .map(|product| import_product(*product, metadata, overlays))
        .collect()
}

/// Imports one product from `metadata/<folder>/<version>/`, applying
/// `overlays/<crate>.json` when it exists.
pub fn import_product(
    product: Product,
    metadata: &Path,
    overlays: &Path,
) -> Result<Imported, Error> {
    let dir = metadata.join(product.folder).join(product.version);
    let old: upstream::Doc = read_json(&dir.join(OLD_SNAPSHOT))?;
    let new: upstream::Doc = read_json(&dir.join(NEW_SNAPSHOT))?;
    let context = format!("{}/{}", product.folder, product.version);
    if new.info.version != product.version {
        return Err(invalid(&context)(format!(
            "snapshot declares version {}",
            new.info.version
        )));
    }
    let merged = merge::merge(&old, &new).map_err(invalid(&context))?;

    let overlay_path = overlays.join(format!("{}.json", product.crate_name));
    let (spec, applied, overlay_entries) = if overlay_path.exists() {
        let file: overlay::OverlayFile = read_json(&overlay_path)?;
        let (spec, applied) =
            overlay::apply(&merged.spec, &file, &overlay_path.display().to_string())
                .map_err(invalid("overlay"))?;
        (spec, applied, file.entries.len())
    } else {
        (merged.spec, overlay::Applied::default(), 0)
    };

    let spec = finalize(spec).map_err(invalid(&context))?;
    let text = render(&spec).map_err(invalid(&context))?;

    let stats = Stats {
        operations: spec.operations.len(),
        responses_from_old: merged
            .responses_from_old
            .difference(&applied.responses)
            .filter(|op| spec.operations[*op].response.is_some())
            .count(),
        responses_from_overlay: applied.responses.len(),
        without_response: spec
            .operations
            .values()
            .filter(|o| o.response.is_none())
            .count(),
        schemas: spec.schemas.len(),
        endpoints: spec.endpoints.len(),
        overlay_entries,
    };
    Ok(Imported {
        product,
        spec,
        text,
        stats,
    })
}

/// Derives what the importer owns, drops unused schemas and checks the
/// invariants the code generator relies on.
pub fn finalize(mut spec: Spec) -> Result<Spec, String> {
    let style = spec.style;
    for (name, operation) in &mut spec.operations {
        operation.request_body =
            request_body(style, operation).map_err(|e| format!("operation {name}: {e}"))?;
    }
    prune_schemas(&mut spec);
    validate(&spec)?;
    Ok(spec)
}

fn request_body(
    style: ApiStyle,
    operation: &crate::spec::Operation,
) -> Result<RequestBody, String> {
    let bodies: Vec<_> = operation
        .parameters
        .iter()
        .filter(|p| p.location == Location::Body)
        .collect();
    let has_form = operation
        .parameters
        .iter()
        .any(|p| p.location == Location::FormData);
    Ok(match (style, bodies.as_slice()) {
        (ApiStyle::Rpc, []) if has_form => RequestBody::Form,
        (ApiStyle::Rpc, []) => RequestBody::None,
        (ApiStyle::Rpc, _) => return Err("body parameter in an RPC operation".to_owned()),
        (_, _) if has_form => {
            return Err("formData parameter in a resource-style operation".to_owned());
        }
        (_, []) => RequestBody::None,
        (_, [body]) if body.schema.is_binary() => RequestBody::Binary,
        (_, [body]) if body.schema.ty == Some(SchemaType::String) => RequestBody::Raw,
        (_, [_]) => RequestBody::Json,
        (_, _) => return Err("more than one body parameter".to_owned()),
    })
}

/// Keeps only the named schemas that operations reach, directly or through
/// other named schemas.
fn prune_schemas(spec: &mut Spec) {
    let mut reached = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    let collect = |schema: &Schema, pending: &mut Vec<String>| {
        schema.walk(&mut |s| pending.extend(s.reference.iter().cloned()));
    };
    for operation in spec.operations.values() {
        for parameter in &operation.parameters {
            collect(&parameter.schema, &mut pending);
        }
        if let Some(schema) = operation.response.as_ref().and_then(|r| r.schema.as_ref()) {
            collect(schema, &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = spec.schemas.get(&name) {
            collect(schema, &mut pending);
        }
    }
    spec.schemas.retain(|name, _| reached.contains(name));
}

fn validate(spec: &Spec) -> Result<(), String> {
    let check_refs = |schema: &Schema, at: &str| -> Result<(), String> {
        let mut missing = None;
        schema.walk(&mut |s| {
            if let Some(name) = s
                .reference
                .as_ref()
                .filter(|n| !spec.schemas.contains_key(*n))
            {
                missing.get_or_insert_with(|| name.clone());
            }
        });
        match missing {
            Some(name) => Err(format!("{at}: reference to unknown schema {name:?}")),
            None => Ok(()),
        }
    };
    for (name, schema) in &spec.schemas {
        check_refs(schema, &format!("schema {name}"))?;
        if schema.reference.is_some() {
            return Err(format!("schema {name} is only a reference"));
        }
    }
    for (name, operation) in &spec.operations {
        let at = format!("operation {name}");
        for parameter in &operation.parameters {
            check_refs(&parameter.schema, &at)?;
            let allowed = match spec.style {
                ApiStyle::Rpc => matches!(parameter.location, Location::Query | Location::FormData),
                ApiStyle::Roa | ApiStyle::Fc => parameter.location != Location::FormData,
            };
            if !allowed {
                return Err(format!(
                    "{at}: parameter {} is in {:?}, which {} does not use",
                    parameter.name, parameter.location, spec.style
                ));
            }
        }
        if let Some(schema) = operation.response.as_ref().and_then(|r| r.schema.as_ref()) {
            check_refs(schema, &at)?;
        }
        if spec.style.is_resource_style() {
            let placeholders =
                path_placeholders(&operation.path).map_err(|e| format!("{at}: {e}"))?;
            let path_params: BTreeSet<&str> = operation
                .parameters
                .iter()
                .filter(|p| p.location == Location::Path)
                .map(|p| p.name.as_str())
                .collect();
            if placeholders != path_params {
                return Err(format!(
                    "{at}: path {} does not match its path parameters {path_params:?}",
                    operation.path
                ));
            }
        } else if operation.path != "/" {
            return Err(format!("{at}: RPC operation with path {}", operation.path));
        }
    }
    Ok(())
}

fn path_placeholders(path: &str) -> Result<BTreeSet<&str>, String> {
    let mut out = BTreeSet::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("unclosed placeholder in {path}"))?;
        out.insert(&rest[start + 1..start + end]);
        rest = &rest[start + end + 1..];
    }
    Ok(out)
}

/// Renders a spec as written to disk: keys sorted at every level, two-space
/// indentation, trailing newline. Fails if any CJK text slipped through.
pub fn render(spec: &Spec) -> Result<String, String> {
    let value = serde_json::to_value(spec).map_err(|e| e.to_string())?;
    let mut text = serde_json::to_string_pretty(&sorted(value)).map_err(|e| e.to_string())?;
    text.push('\n');
    if let Some(line) = text.lines().find(|line| line.chars().any(is_cjk)) {
        return Err(format!("CJK text in the output: {}", line.trim()));
    }
    Ok(text)
}

/// Rebuilds objects with their keys in sorted order, whatever map type
/// `serde_json` was compiled with.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// CJK ideographs, their punctuation and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}')
}

/// Every overlay file must belong to a product: a stray one is a mistake.
fn check_overlay_names(overlays: &Path, products: &[Product]) -> Result<(), Error> {
    let entries = match fs::read_dir(overlays) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Io {
                path: overlays.to_path_buf(),
                source,
            });
        }
    };
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: overlays.to_path_buf(),
                source,
            })?
            .path();
        let known = path.extension().is_some_and(|e| e == "json")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|stem| products.iter().any(|p| p.crate_name == stem));
        if !known {
            return Err(invalid(path.display())(
                "not an overlay of any product (expected <crate>.json)".to_owned(),
            ));
        }
    }
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Invalid {
        context: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes every spec into `dir` (created if needed), leaving files whose
/// content is unchanged untouched.
pub fn write(imported: &[Imported], dir: &Path) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for item in imported {
        let path = dir.join(item.file_name());
        if fs::read_to_string(&path).is_ok_and(|current| current == item.text) {
            continue;
        }
        fs::write(&path, &item.text).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}

/// Compares what an import would write with what is in `dir`. Returns one
/// line per problem: a stale or missing spec, or a spec file no product
/// produces. Empty means up to date.
pub fn check(imported: &[Imported], dir: &Path) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    let expected: BTreeSet<String> = imported.iter().map(Imported::file_name).collect();
    for item in imported {
        let path = dir.join(item.file_name());
        match fs::read_to_string(&path) {
            Ok(current) if current == item.text => {}
            Ok(_) => problems.push(format!("{} is out of date", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("{} is missing", path.display()));
            }
            Err(source) => return Err(Error::Io { path, source }),
        }
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !expected.contains(&name) {
                problems.push(format!(
                    "{} is not produced by any product",
                    entry.path().display()
                ));
            }
        }
    }
    problems.sort();
    Ok(problems)
}

/// A short table: per product, operations and where their responses came from.
pub fn summary(imported: &[Imported]) -> String {
    let mut out = String::new();
    let header = [
        "product",
        "crate",
        "style",
        "ops",
        "resp:2024",
        "resp:overlay",
        "resp:none",
        "schemas",
        "endpoints",
    ];
    let _ = writeln!(
        out,
        "{:<12} {:<12} {:<5} {:>5} {:>9} {:>12} {:>9} {:>7} {:>9}",
        header[0],
        header[1],
        header[2],
        header[3],
        header[4],
        header[5],
        header[6],
        header[7],
        header[8]
    );
    let mut total = Stats::default();
    for item in imported {
        let s = &item.stats;
        let _ = writeln!(
            out,
            "{:<12} {:<12} {:<5} {:>5} {:>9} {:>12} {:>9} {:>7} {:>9}",
            item.spec.product,
            item.product.crate_name,
            item.spec.style.to_string(),
            s.operations,
            s.responses_from_old,
            s.responses_from_overlay,
            s.without_response,
            s.schemas,
            s.endpoints
        );
        total.operations += s.operations;
        total.responses_from_old += s.responses_from_old;
        total.responses_from_overlay += s.responses_from_overlay;
        total.without_response += s.without_response;
        total.overlay_entries += s.overlay_entries;
    }
    let _ = writeln!(
        out,
        "{:<12} {:<12} {:<5} {:>5} {:>9} {:>12} {:>9}",
        "total",
        "",
        "",
        total.operations,
        total.responses_from_old,
        total.responses_from_overlay,
        total.without_response
    );
    let _ = writeln!(out, "overlay entries applied: {}", total.overlay_entries);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: Product = Product::new("demo", "2020-01-01", "demo");

    fn write_file(path: &Path, value: &serde_json::Value) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    }

    /// A tiny two-snapshot product in the upstream layout.
    fn fixture(root: &Path) -> (PathBuf, PathBuf) {
        let meta = root.join("meta");
        let overlays = root.join("specs/overlays");
        let dir = meta.join("demo/2020-01-01");
        write_file(
            &dir.join(OLD_SNAPSHOT),
            &serde_json::json!({
                "version": "1.0",
                "info": {"style": "ROA", "product": "Demo", "version": "2020-01-01"},
                "directories": [{"title": "\u{76ee}\u{5f55}", "children": ["GetThing"]}],
                "components": {"schemas": {
                    "Thing": {"title": "\u{4e1c}\u{897f}", "type": "object", "properties": {
                        "Zeta": {"type": "string", "description": "\u{6700}\u{540e}"},
                        "Alpha": {"type": "integer", "format": "int64"}}},
                    "Unused": {"type": "object"}
                }},
                "apis": {"GetThing": {
                    "summary": "\u{67e5}\u{8be2}", "path": "/things/{Id}", "methods": ["get"],
                    "systemTags": {"operationType": "get"},
                    "parameters": [{"name": "Id", "in": "path",
                                    "schema": {"type": "string", "required": true}}],
                    "responses": {"200": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    "responseDemo": "[{\"example\":\"{}\"}]"
                }},
                "endpoints": [{"regionId": "cn-hangzhou", "endpoint": "demo.cn-hangzhou.example.com"}]
            }),
        );
        write_file(
            &dir.join(NEW_SNAPSHOT),
            &serde_json::json!({
                "version": "1.0",
                "info": {"style": "ROA", "product": "Demo", "version": "2020-01-01"},
                "components": {"schemas": []},
                "apis": {
                    "GetThing": {"path": "/things/{Id}", "methods": ["get"],
                        "parameters": [{"name": "Id", "in": "path",
                                        "schema": {"type": "string", "required": true}}]},
                    "PutThing": {"path": "/things/{Id}", "methods": ["put"],
                        "parameters": [
                            {"name": "Id", "in": "path", "schema": {"type": "string", "required": true}},
                            {"name": "body", "in": "body", "style": "json",
                             "schema": {"type": "object", "properties": []}}]}
                },
                "endpoints": []
            }),
        );
        (meta, overlays)
    }

    #[test]
    fn output_is_sorted_stable_and_prose_free() {
        let tmp = tempfile::tempdir().unwrap();
        let (meta, overlays) = fixture(tmp.path());
        let first = import_product(DEMO, &meta, &overlays).unwrap();
        let second = import_product(DEMO, &meta, &overlays).unwrap();
        assert_eq!(first.text, second.text);
        assert!(first.text.ends_with("}\n"));
        assert!(!first.text.chars().any(is_cjk));
        // Keys sorted at every level, two-space indentation.
        let alpha = first.text.find("\"Alpha\"").unwrap();
        let zeta = first.text.find("\"Zeta\"").unwrap();
        assert!(alpha < zeta);
        assert!(
            first.text.starts_with("{\n  \"endpoints\""),
            "{}",
            first.text
        );
        // Unused named schemas are dropped; the referenced one is kept.
        assert_eq!(first.spec.schemas.keys().collect::<Vec<_>>(), ["Thing"]);
        assert_eq!(
            first.spec.operations["PutThing"].request_body,
            RequestBody::Json
        );
        // Round trip: the file parses back into the same spec.
        let parsed: Spec = serde_json::from_str(&first.text).unwrap();
        assert_eq!(parsed, first.spec);

        // Writing twice leaves nothing to change; check agrees.
        let out = tmp.path().join("specs");
        write(std::slice::from_ref(&first), &out).unwrap();
        assert!(
            check(std::slice::from_ref(&second), &out)
                .unwrap()
                .is_empty()
        );
        fs::write(out.join("demo.json"), "{}\n").unwrap();
        let problems = check(std::slice::from_ref(&second), &out).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("out of date"));
        fs::write(out.join("demo.json"), &first.text).unwrap();
        fs::write(out.join("stray.json"), "{}\n").unwrap();
        let problems = check(std::slice::from_ref(&second), &out).unwrap();
        assert!(problems[0].contains("stray.json"), "{problems:?}");
    }

    #[test]
    fn overlays_are_applied_and_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let (meta, overlays) = fixture(tmp.path());
        write_file(
            &overlays.join("demo.json"),
            &serde_json::json!({"entries": [
                {"reason": "no response upstream", "op": "add",
                 "path": "/operations/PutThing/response",
                 "value": {"status": 200, "schema": {"ref": "Thing"}}}
            ]}),
        );
        let imported = import_product(DEMO, &meta, &overlays).unwrap();
        assert_eq!(
            imported.stats,
            Stats {
                operations: 2,
                responses_from_old: 1,
                responses_from_overlay: 1,
                without_response: 0,
                schemas: 1,
                endpoints: 1,
                overlay_entries: 1,
            }
        );
    }

    #[test]
    fn an_overlay_on_a_missing_operation_fails_the_import() {
        let tmp = tempfile::tempdir().unwrap();
        let (meta, overlays) = fixture(tmp.path());
        write_file(
            &overlays.join("demo.json"),
            &serde_json::json!({"entries": [
                {"reason": "typo in the name", "op": "add",
                 "path": "/operations/PutThnig/response", "value": {"status": 200}}
            ]}),
        );
        let err = import_product(DEMO, &meta, &overlays)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/operations/PutThnig does not exist"), "{err}");
    }

    #[test]
    fn stray_overlay_files_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        write_file(
            &tmp.path().join("nope.json"),
            &serde_json::json!({"entries": []}),
        );
        assert!(check_overlay_names(tmp.path(), &[DEMO]).is_err());
        assert!(check_overlay_names(&tmp.path().join("absent"), &[DEMO]).is_ok());
    }

    #[test]
    fn cjk_in_the_output_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (meta, overlays) = fixture(tmp.path());
        let mut spec = import_product(DEMO, &meta, &overlays).unwrap().spec;
        spec.schemas.get_mut("Thing").unwrap().enum_values =
            vec!["\u{8fd0}\u{884c}\u{4e2d}".into()];
        assert!(render(&spec).unwrap_err().contains("CJK"));
    }

    #[test]
    fn request_bodies_are_derived_from_the_parameters() {
        use crate::spec::{HttpMethod, Operation, Parameter};
        let op = |location, schema| Operation {
            method: HttpMethod::Post,
            path: "/".into(),
            operation_type: None,
            deprecated: false,
            request_body: RequestBody::None,
            parameters: vec![Parameter {
                name: "body".into(),
                location,
                style: None,
                required: false,
                schema,
            }],
            response: None,
        };
        let string = Schema::of(SchemaType::String);
        let mut binary = Schema::of(SchemaType::String);
        binary.format = Some("binary".into());
        let object = Schema::of(SchemaType::Object);
        let cases = [
            (
                ApiStyle::Roa,
                op(Location::Body, string.clone()),
                Ok(RequestBody::Raw),
            ),
            (
                ApiStyle::Fc,
                op(Location::Body, binary),
                Ok(RequestBody::Binary),
            ),
            (
                ApiStyle::Roa,
                op(Location::Body, object),
                Ok(RequestBody::Json),
            ),
            (
                ApiStyle::Roa,
                op(Location::Body, Schema::to_ref("X")),
                Ok(RequestBody::Json),
            ),
            (
                ApiStyle::Roa,
                op(Location::Query, string.clone()),
                Ok(RequestBody::None),
            ),
            (
                ApiStyle::Rpc,
                op(Location::FormData, string.clone()),
                Ok(RequestBody::Form),
            ),
            (
                ApiStyle::Rpc,
                op(Location::Query, string.clone()),
                Ok(RequestBody::None),
            ),
        ];
        for (style, operation, expected) in cases {
            assert_eq!(request_body(style, &operation), expected, "{operation:?}");
        }
        assert!(request_body(ApiStyle::Rpc, &op(Location::Body, string.clone())).is_err());
        assert!(request_body(ApiStyle::Roa, &op(Location::FormData, string)).is_err());
    }
}
