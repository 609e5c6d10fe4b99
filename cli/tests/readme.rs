//! The README's "Operator CLI" commands, run as written: the ```sh block under that heading is executed by bash
//! (`set -euo pipefail`) in a temporary directory, with the built `custodia` first on `PATH` and the passphrase in
//! `$CUSTODIA_PASSPHRASE` (the README's `custodia init` would otherwise prompt). A command renamed or an option
//! changed breaks this test.

use std::process::Command;

/// The first ```sh block after the heading `## Operator CLI`.
fn readme_block(readme: &str) -> &str {
    let section = &readme[readme.find("## Operator CLI").expect("README has an Operator CLI section")..];
    let start = section.find("```sh\n").expect("the section has a ```sh block") + "```sh\n".len();
    let len = section[start..].find("```\n").expect("the ```sh block is closed");
    &section[start..start + len]
}

#[test]
fn the_readme_cli_commands_run_as_written() {
    let readme = include_str!("../../README.md");
    let block = readme_block(readme);
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("statement.csv"), "date,amount\n2026-11-02,1204331.17\n").expect("write");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_custodia")).parent().expect("bin dir").to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut c = Command::new("bash");
    c.arg("-c").arg(format!("set -euo pipefail\n{block}")).current_dir(tmp.path());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CUSTODIA_") {
            c.env_remove(k);
        }
    }
    let out = c.env("PATH", path).env("CUSTODIA_PASSPHRASE", "correct horse battery staple").output().expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "README commands failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // What the block claims: the envelope inspected without a passphrase, the data back, the log verified.
    assert!(stdout.contains("case: MLA-2026-0042"), "{stdout}");
    assert!(stdout.contains("OK: audit log"), "{stdout}");
    assert_eq!(
        std::fs::read(tmp.path().join("statement.opened.csv")).expect("opened"),
        std::fs::read(tmp.path().join("statement.csv")).expect("original")
    );
}

#[test]
fn the_block_is_found_and_drift_is_caught() {
    let readme = "# x\n## Operator CLI\ntext\n```sh\ncustodia init\n```\n## Next\n```sh\nother\n```\n";
    assert_eq!(readme_block(readme), "custodia init\n");
}
