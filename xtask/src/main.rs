//! Project automation: `cargo xtask <command>`.

fn main() {
    eprintln!("usage: cargo xtask <import|codegen>");
    std::process::exit(2);
}
