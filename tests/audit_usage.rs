//! Concurrent appends, erasure certificates, queries and CSV export.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use custodia::audit::{
    AuditEvent, AuditLog, AuditSink, Durability, ErasureCertificate, EventKind, FanOut, MemorySink, Query, entries,
    query, verify, write_csv,
};
use custodia::{Error, KeyId, Timestamp};

fn concurrent_appends(durability: Durability) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = options(clock()).durability(durability).checkpoint_every(10);
    let (log, _) = AuditLog::open(dir.path(), key(), opts).expect("opens");
    let log = Arc::new(log);
    let threads = 8;
    let per_thread = 40;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|i| {
                        let e = AuditEvent::new(EventKind::Opened)
                            .detail("thread", &t.to_string())
                            .detail("i", &i.to_string());
                        log.append(&e).expect("appends")
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut seqs: Vec<u64> = handles.into_iter().flat_map(|h| h.join().expect("joins")).collect();
    log.close().expect("closes");
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), threads * per_thread);
    let r = verify(log.path(), &key().verifying_key(), &[]).expect("verifies");
    assert!(r.checkpoints >= (threads * per_thread / 10) as u64);
    let opened: Vec<u64> = entries(log.path())
        .expect("reads")
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind() == EventKind::Opened)
        .map(|e| e.seq)
        .collect();
    assert_eq!(opened, seqs);
}

#[test]
fn many_threads_fsync_each_produce_a_valid_chain() {
    concurrent_appends(Durability::FsyncEach);
}

#[test]
fn many_threads_group_commit_produce_a_valid_chain() {
    concurrent_appends(Durability::GroupCommit { max_batch: 4, max_delay: Duration::from_millis(1) });
    concurrent_appends(Durability::GroupCommit { max_batch: 64, max_delay: Duration::ZERO });
}

#[test]
fn erasure_certificate_verifies_with_the_public_key_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log, _) = AuditLog::open(dir.path(), key(), options(clock())).expect("opens");
    let keys = [KeyId::from_bytes([9; 16]), KeyId::from_bytes([10; 16])];
    let cert = log.certify_erasure(&keys, Some(&case()), "retention period ended", Some(1204)).expect("certifies");
    log.close().expect("closes");
    let text = cert.to_json();
    drop(log);
    // Later, elsewhere, with nothing but the certificate text and the audit public key:
    let public = key().verifying_key();
    let parsed = ErasureCertificate::from_json(&text).expect("parses");
    parsed.verify(&public).expect("verifies");
    assert_eq!(parsed.keys(), &keys);
    assert_eq!(parsed.case(), Some(&case()));
    assert_eq!(parsed.envelopes(), Some(1204));
    assert_eq!(parsed.time(), Timestamp::from_unix(T0));
    assert_eq!(parsed.reason(), "retention period ended");
    assert!(!text.contains("anna"), "no actor, no personal data");

    let forged = ErasureCertificate::from_json(&text.replace("1204", "1205")).expect("parses");
    assert!(matches!(forged.verify(&public), Err(Error::AuditTampered { .. })));
    assert!(matches!(parsed.verify(&other_key().verifying_key()), Err(Error::AuditWrongKey { .. })));
    assert!(ErasureCertificate::from_json(&text.replace("{\"type\"", "{ \"type\"")).is_err());

    // The same record is in the log, signature included.
    let r = verify(&log_path(dir.path()), &public, &[]).expect("log verifies");
    assert_eq!(r.erasures, 1);
    let e = entries(&log_path(dir.path())).expect("reads").map(|e| e.expect("entry")).nth(2).expect("entry 2");
    assert_eq!((e.kind(), e.seq), (EventKind::Erasure, parsed.seq()));
}

#[test]
fn queries_filter_and_csv_export_quotes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sample_log(dir.path());
    let path = log_path(dir.path());

    let by_case: Vec<_> = query(&path, &Query::new().case(&case())).expect("query").map(|e| e.expect("e")).collect();
    assert_eq!(by_case.len(), 4);
    let by_actor = query(&path, &Query::new().actor("anna")).expect("query").count();
    assert_eq!(by_actor, 4);
    let by_object = query(&path, &Query::new().object_hex(&"CD".repeat(16))).expect("query").count();
    assert_eq!(by_object, 1);
    let kinds = Query::new().kind(EventKind::Refused).kind(EventKind::ExceptionUsed);
    assert_eq!(query(&path, &kinds).expect("query").count(), 2);
    let window = Query::new().from(Timestamp::from_unix(T0 + 60)).until(Timestamp::from_unix(T0 + 180));
    let seqs: Vec<u64> = query(&path, &window).expect("query").map(|e| e.expect("e").seq).collect();
    assert_eq!(seqs, vec![3, 4]);

    let mut csv = Vec::new();
    let rows = write_csv(&mut csv, query(&path, &kinds).expect("query")).expect("csv");
    assert_eq!(rows, 2);
    let csv = String::from_utf8(csv).expect("utf8");
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "seq,time,kind,actor,role,jurisdiction,case,object,category,purpose_requested,purposes_granted,\
         exception_kind,exception_reference,justification,outcome,keys,details"
    );
    assert_eq!(
        lines[1],
        "4,2026-11-23T12:02:00Z,refused,anna,prosecutor,DE,MLA-2026-0042,abababababababababababababababab,,\
         asset_recovery,,,,,refused:purpose_not_permitted,,"
    );
    assert_eq!(
        lines[2],
        "5,2026-11-23T12:03:00Z,exception_used,anna,prosecutor,DE,MLA-2026-0042,abababababababababababababababab,,\
         asset_recovery,,court_order,LG Berlin 2026/17,\"Court ordered disclosure for the confiscation hearing, \
         see order, \"\"urgent\"\", today\",ok,,"
    );
    assert_eq!(lines[3], "");
}

#[test]
fn fan_out_with_the_file_log_as_primary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log, _) = AuditLog::open(dir.path(), key(), options(clock())).expect("opens");
    let log = Arc::new(log);
    let siem = Arc::new(MemorySink::new());
    let fan = FanOut::new(log.clone()).with_secondary(siem.clone());
    for e in sample_events() {
        fan.record(&e).expect("records");
    }
    assert_eq!(siem.events().len(), 6);
    log.close().expect("closes");
    // A closed (or failed) primary fails the fan-out: the caller refuses the operation.
    assert!(matches!(fan.record(&sample_events()[0]), Err(Error::AuditWrite(_))));
    assert_eq!(siem.events().len(), 6);
}
