//! The README's Rust quick start is `examples/readme.rs`, which `cargo test --all-targets` and clippy compile: this
//! test fails when the README's ```rust block under "Rust quick start" and that file (below its opening comment)
//! differ, so the README cannot show code that no longer builds.

/// The first ```rust block after the heading `## Rust quick start`.
fn readme_block(readme: &str) -> &str {
    let section = &readme[readme.find("## Rust quick start").expect("README has a Rust quick start")..];
    let start = section.find("```rust\n").expect("the section has a ```rust block") + "```rust\n".len();
    let len = section[start..].find("```\n").expect("the ```rust block is closed");
    &section[start..start + len]
}

/// `examples/readme.rs` without its opening `//!` comment and the blank line after it.
fn example_body(example: &str) -> &str {
    let mut rest = example;
    while let Some(line_end) = rest.find('\n').filter(|_| rest.starts_with("//!")) {
        rest = &rest[line_end + 1..];
    }
    rest.strip_prefix('\n').unwrap_or(rest)
}

#[test]
fn readme_rust_example_is_the_compiled_example() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/readme.rs");
    assert_eq!(
        readme_block(readme),
        example_body(example),
        "README.md's Rust quick start and examples/readme.rs differ: edit both together"
    );
}

#[test]
fn drift_is_caught() {
    let readme = "# x\n## Rust quick start\n\n```rust\nfn main() {}\n```\n";
    assert_eq!(readme_block(readme), "fn main() {}\n");
    assert_eq!(example_body("//! header\n//! more\n\nfn main() {}\n"), "fn main() {}\n");
    assert_ne!(readme_block(readme), example_body("//! header\n\nfn main() { let _ = 1; }\n"));
}
