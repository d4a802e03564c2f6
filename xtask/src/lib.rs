//! Project automation behind `cargo xtask`.
//!
//! * [`spec`]: the normalized API description format (`openapi-specs/*.json`),
//!   shared by every command that reads or writes those files.
//! * [`import`]: `cargo xtask import`, which builds those files from the
//!   upstream metadata and the project's overlays.
//! * [`codegen`]: `cargo xtask codegen`, which writes the product crates'
//!   `src/generated/` code and core's endpoint tables from those files.

pub mod codegen;
pub mod import;
pub mod spec;
