//! Where the system refuses to lock memory (no `CAP_IPC_LOCK`, `RLIMIT_MEMLOCK` of 0), secrets still work, and the
//! refusal is reported, never silent. Runs in a child process (this test binary re-executed), because the limit and
//! the dropped privileges stay with the process; as root (which may always lock) the child first becomes `nobody`.

use std::process::Command;

const CHILD: &str = "CUSTODIA_MEM_FALLBACK_CHILD";

#[test]
fn refused_locking_keeps_working_and_is_reported() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "refused_locking_keeps_working_and_is_reported", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("runs the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("child: refused and reported"), "the child did not run its checks: {stdout}");
}

fn child() {
    drop_lock_privilege();
    let before = custodia_mem::status();
    assert_eq!(before.locked_bytes, 0, "nothing was locked before: {before:?}");
    let key = custodia_mem::LockedBox::new([0x42u8; 32]);
    let long = custodia_mem::LockedBytes::from_slice(&[7u8; 9000]);
    assert_eq!(*key, [0x42; 32], "the secret works unlocked");
    assert_eq!(long.len(), 9000);
    let s = custodia_mem::status();
    assert_eq!(s.locked_bytes, 0, "{s:?}");
    assert!(s.lock_failures >= 2, "both refusals counted: {s:?}");
    assert!(s.unlocked_bytes >= 9000 + 32, "{s:?}");
    assert!(!s.fully_protected());
    drop((key, long));
    let after = custodia_mem::status();
    assert!(after.unlocked_bytes < s.unlocked_bytes, "released pages leave the count: {after:?}");
    println!("child: refused and reported");
}

/// Lower RLIMIT_MEMLOCK to 0 and, as root, become `nobody` (which drops CAP_IPC_LOCK).
fn drop_lock_privilege() {
    // Using the libc crate directly in a test keeps this out of the library's API.
    let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit reads the struct we pass and nothing else.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &zero) }, 0, "setrlimit");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // SAFETY: setresgid/setresuid change credentials only; this child process does nothing privileged after.
        let ok = unsafe { libc::setresgid(65534, 65534, 65534) == 0 && libc::setresuid(65534, 65534, 65534) == 0 };
        assert!(ok, "root could not become nobody to drop CAP_IPC_LOCK");
    }
}
