//! `cargo xtask codegen [--check]`: writes the product crates' generated code
//! from `openapi-specs/*.json`.
//!
//! Output, for each product `<p>` of [`model::PRODUCTS`]:
//!
//! ```text
//! crates/<p>/src/generated/mod.rs              module root (lints, re-exports)
//! crates/<p>/src/generated/client.rs           the `Client`
//! crates/<p>/src/generated/operations/mod.rs   one `pub mod` per operation
//! crates/<p>/src/generated/operations/<op>.rs  builder, input, output, local types, tests
//! crates/<p>/src/generated/types/*.rs          the spec's named schemas (if any)
//! crates/<p>/src/generated/tests.rs            the wire snapshot test
//! crates/core/src/generated/{mod,endpoints}.rs endpoint tables
//! ```
//!
//! Everything under those `generated/` directories belongs to the generator,
//! except `snapshots/` (insta snapshot files, reviewed and accepted by
//! people). `--check` regenerates in memory and lists missing, stale and
//! extra files. The pipeline: [`model`] turns a spec into Rust-level types
//! and operations, [`emit`] writes tokens formatted by prettyplease,
//! [`samples`] derives example requests and synthetic responses.

pub mod emit;
pub mod model;
pub mod names;
pub mod samples;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::spec::Spec;

/// Directory names under a `generated/` directory that the generator leaves
/// alone.
const KEEP_DIRS: &[&str] = &["snapshots"];

/// Generated files: path relative to the workspace root → contents.
pub type Files = BTreeMap<PathBuf, String>;

/// Reads the specs and models every product.
pub fn load(root: &Path) -> Result<Vec<model::Product>, String> {
    let mut products = Vec::new();
    for info in model::PRODUCTS {
        let path = root
            .join("openapi-specs")
            .join(format!("{}.json", info.dir));
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let spec: Spec =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        products.push(model::product(*info, spec)?);
    }
    Ok(products)
}

/// Generates every file in memory.
pub fn generate(root: &Path) -> Result<Files, String> {
    let products = load(root)?;
    let mut files = Files::new();
    for product in &products {
        let base = PathBuf::from("crates")
            .join(product.info.dir)
            .join("src/generated");
        files.insert(base.join("mod.rs"), emit::emit_generated_mod(product));
        files.insert(base.join("client.rs"), emit::emit_client(product));
        files.insert(base.join("tests.rs"), emit::emit_tests(product));
        files.insert(
            base.join("operations/mod.rs"),
            emit::emit_operations_mod(product),
        );
        for op in &product.ops {
            files.insert(
                base.join("operations").join(format!("{}.rs", op.snake)),
                emit::emit_op(product, op),
            );
        }
        if !product.shared.defs.is_empty() {
            for (stem, text) in emit::emit_types(product) {
                files.insert(base.join("types").join(format!("{stem}.rs")), text);
            }
        }
    }
    let core = PathBuf::from("crates/core/src/generated");
    files.insert(core.join("mod.rs"), emit::emit_core_generated_mod());
    files.insert(core.join("endpoints.rs"), emit::emit_endpoints(&products));
    Ok(files)
}

/// The directories the generator owns.
pub fn owned_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = model::PRODUCTS
        .iter()
        .map(|p| PathBuf::from("crates").join(p.dir).join("src/generated"))
        .collect();
    dirs.push(PathBuf::from("crates/core/src/generated"));
    dirs
}

/// Files currently in the owned directories (relative paths), except the
/// kept ones.
fn existing(root: &Path) -> Result<Vec<PathBuf>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
        let full = root.join(dir);
        if !full.exists() {
            return Ok(());
        }
        let entries = fs::read_dir(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name();
            let rel = dir.join(&name);
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_dir() {
                if KEEP_DIRS.iter().any(|k| name == *k) {
                    continue;
                }
                walk(root, &rel, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for dir in owned_dirs() {
        walk(root, &dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Differences between `files` and the tree: one line per missing, stale or
/// extra file.
pub fn check(root: &Path, files: &Files) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        match fs::read_to_string(root.join(path)) {
            Ok(current) if current == *text => {}
            Ok(_) => problems.push(format!("stale: {}", path.display())),
            Err(_) => problems.push(format!("missing: {}", path.display())),
        }
    }
    for path in existing(root)? {
        if !files.contains_key(&path) {
            problems.push(format!("extra: {}", path.display()));
        }
    }
    Ok(problems)
}

/// Writes `files` (only those that changed) and deletes extra files in the
/// owned directories. Returns (written, deleted).
pub fn write(root: &Path, files: &Files) -> Result<(usize, usize), String> {
    let mut written = 0;
    for (path, text) in files {
        let full = root.join(path);
        if fs::read_to_string(&full).is_ok_and(|current| current == *text) {
            continue;
        }
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&full, text).map_err(|e| format!("{}: {e}", full.display()))?;
        written += 1;
    }
    let mut deleted = 0;
    for path in existing(root)? {
        if !files.contains_key(&path) {
            let full = root.join(&path);
            fs::remove_file(&full).map_err(|e| format!("{}: {e}", full.display()))?;
            deleted += 1;
        }
    }
    Ok((written, deleted))
}

/// Lines and files generated per crate, for the summary.
pub fn summary(files: &Files) -> String {
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (path, text) in files {
        let krate = path
            .iter()
            .nth(1)
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default();
        let e = per.entry(krate).or_default();
        e.0 += 1;
        e.1 += text.lines().count();
    }
    let mut out = String::new();
    for (krate, (n, lines)) in per {
        out.push_str(&format!("{krate:>12}: {n:>5} files, {lines:>7} lines\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated code is what `cargo xtask codegen` writes
    /// (the same check as `cargo xtask codegen --check`).
    #[test]
    fn committed_generated_code_is_up_to_date() {
        let root = crate::import::workspace_root();
        let files = generate(&root).expect("the specs generate");
        let problems = check(&root, &files).expect("the tree is readable");
        assert!(
            problems.is_empty(),
            "run `cargo xtask codegen`:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn generation_is_deterministic() {
        let root = crate::import::workspace_root();
        let products = load(&root).expect("the specs load");
        let pai = products.iter().find(|p| p.info.dir == "pai-dlc").unwrap();
        let op = pai.ops.iter().find(|o| o.name == "CreateJob").unwrap();
        assert_eq!(emit::emit_op(pai, op), emit::emit_op(pai, op));
        let again = load(&root).expect("the specs load");
        let pai2 = again.iter().find(|p| p.info.dir == "pai-dlc").unwrap();
        for (a, b) in pai.ops.iter().zip(&pai2.ops) {
            assert_eq!(emit::emit_op(pai, a), emit::emit_op(pai2, b));
        }
    }
}
