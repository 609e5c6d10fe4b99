//! The process harness the multi-process audit benchmarks share (`audit_multiproc_bench`, `pg_audit_bench`): start
//! writer processes (this executable again, with `--child` and the caller's arguments), wait until each has opened
//! its log and said `ready`, release them all at once, and time them to the last exit.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// In a child: say ready, and wait for the start line.
pub(crate) fn child_ready() {
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("stdin");
}

/// Run `procs` children (`<this executable> --child <args>`), released together; the time from release to the
/// last exit.
pub(crate) fn timed_children(procs: usize, args: &[String]) -> Duration {
    let exe = std::env::current_exe().expect("exe");
    let mut children: Vec<_> = (0..procs)
        .map(|_| {
            Command::new(&exe)
                .arg("--child")
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for c in &mut children {
        let mut line = String::new();
        BufReader::new(c.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("ready");
        assert_eq!(line.trim(), "ready");
    }
    let start = Instant::now();
    for c in &mut children {
        c.stdin.as_mut().expect("stdin").write_all(b"go\n").expect("go");
    }
    for mut c in children {
        assert!(c.wait().expect("waits").success());
    }
    start.elapsed()
}

/// The median of `rounds` runs of `f`.
pub(crate) fn median(rounds: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut r: Vec<f64> = (0..rounds).map(|_| f()).collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}
