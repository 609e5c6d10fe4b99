//! The audit log through the C API: verification against anchors, checkpoints, counter-signing another custodian's
//! anchor, and checking anchors and erasure certificates with nothing but public keys.
//!
//! Anchors and erasure certificates cross the boundary in their JSON text forms (`docs/AUDIT.md` §4.1 and §5), which
//! are what a host stores, sends to another authority and hands back. Nothing here decides or logs by itself: the
//! facade records every counter-signature, and the checks are the Rust types' own.

use core::ffi::c_char;

use super::args::{Out, opt_str_arg, str_arg, str_array_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor};
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Error as CoreError;
use custodia_core::audit::{Anchor, ErasureCertificate, InclusionBundle, parse_audit_key};

/// What the audit log verification found; see `custodia_audit_verify`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_audit_report {
    /// Entries checked (hash, chain link, sequence number).
    pub entries: u64,
    /// Checkpoint signatures checked.
    pub checkpoints: u64,
    /// Erasure-certificate signatures checked.
    pub erasures: u64,
    /// Recovery entries seen (each marks a crash in the middle of an append).
    pub recoveries: u64,
    /// Entries after the last checkpoint: nothing signed covers them yet. 0 for a cleanly closed log.
    pub unsealed_tail: u64,
    /// Whether the log has a checkpoint; `last_checkpoint` is meaningful only then.
    pub has_last_checkpoint: bool,
    /// Sequence number of the last checkpoint.
    pub last_checkpoint: u64,
    /// Hash of the last entry: lowercase hex, NUL-terminated.
    pub head: [c_char; CUSTODIA_AUDIT_HEAD_SIZE],
    /// Anchors checked against the log (all of those given, on success).
    pub anchors: u64,
}

/// Size of `custodia_audit_report.head`, including the terminating NUL (64 hex digits + NUL).
pub const CUSTODIA_AUDIT_HEAD_SIZE: usize = 65;

/// Parse the anchors given as JSON texts; a malformed one is refused naming its index.
fn anchors_arg(texts: &[&str]) -> Result<Vec<Anchor>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Anchor::from_json(t).map_err(|e| match e {
                CoreError::InvalidArgument(m) => CoreError::InvalidArgument(format!("anchors[{i}]: {m}")),
                other => other,
            })
        })
        .collect::<Result<_, CoreError>>()
        .map_err(Into::into)
}

/// Verify the custodian's whole audit log: hash chain, sequence, checkpoint and erasure-certificate signatures, and
/// that the log still holds exactly the prefix each anchor pins.
///
/// `anchors` is an array of `anchor_count` anchors in their JSON form (from `custodia_audit_checkpoint` or
/// `custodia_custodian_close`, usually counter-signed and kept by another authority); NULL with 0 checks none. Pass
/// them: without anchors a writer holding the audit key, or one who can write the file and cuts its unsealed tail,
/// goes undetected (`docs/AUDIT.md` §8). The first bad entry is reported as `CUSTODIA_ERR_AUDIT_TAMPERED` (also for
/// a log rewritten or truncated below an anchor) or `CUSTODIA_ERR_AUDIT_MALFORMED`, naming it; an anchor that does
/// not verify with this custodian's audit key, or belongs to another log, is `CUSTODIA_ERR_ANCHOR_INVALID`; a
/// malformed anchor text `CUSTODIA_ERR_INVALID_ARGUMENT`. Works on a closed custodian too.
///
/// On success `*out_report` is filled in.
///
/// # Safety
///
/// `anchors` is NULL (only with `anchor_count` 0) or points to `anchor_count` pointers to NUL-terminated strings,
/// borrowed for the call. `out_report` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_verify(
    custodian_handle: custodia_custodian,
    anchors: *const *const c_char,
    anchor_count: usize,
    out_report: *mut custodia_audit_report,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (texts, out) =
            unsafe { (str_array_arg(anchors, anchor_count, "anchors")?, Out::new(out_report, "out_report")?) };
        let anchors = anchors_arg(&texts)?;
        let r = custodian(custodian_handle)?.verify_audit(&anchors)?;
        let mut head = [0 as c_char; CUSTODIA_AUDIT_HEAD_SIZE];
        if r.head.len() >= head.len() {
            return Err(CoreError::Internal("audit head hash longer than expected".into()).into());
        }
        for (d, s) in head.iter_mut().zip(r.head.bytes()) {
            *d = c_char::from_ne_bytes([s]);
        }
        out.write(custodia_audit_report {
            entries: r.entries,
            checkpoints: r.checkpoints,
            erasures: r.erasures,
            recoveries: r.recoveries,
            unsealed_tail: r.unsealed_tail,
            has_last_checkpoint: r.last_checkpoint.is_some(),
            last_checkpoint: r.last_checkpoint.unwrap_or(0),
            head,
            anchors: r.anchors,
        });
        Ok(())
    })
}

/// The custodian's audit public key in text form (`custodia-ed25519-public:...`), for auditors who verify a copy of
/// the log independently (e.g. `cargo run --example audit_verify -- <dir>/audit.log <key>`), for the authorities that
/// check and counter-sign its anchors, and for checking its erasure certificates. Works on a closed custodian too.
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_public_key(
    custodian_handle: custodia_custodian,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        out.write(text_to_c(custodian(custodian_handle)?.audit_public_key()?));
        Ok(())
    })
}

/// Write a signed checkpoint now, make it durable, and return it as an anchor in its JSON form (`docs/AUDIT.md`
/// §4.1), to hand to another authority, which checks it against `custodia_audit_public_key`, counter-signs it and
/// keeps it. If the last entry is already a checkpoint, that one is returned.
///
/// On success `*out_anchor` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
/// `CUSTODIA_ERR_CUSTODIAN_CLOSED` after `custodia_custodian_close`.
///
/// # Safety
///
/// `out_anchor` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_checkpoint(
    custodian_handle: custodia_custodian,
    out_anchor: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_anchor, "out_anchor") }?;
        let anchor = custodian(custodian_handle)?.checkpoint()?;
        out.write(text_to_c(anchor.to_json()));
        Ok(())
    })
}

/// Counter-sign another custodian's anchor as a witness, with the Ed25519 key `witness_key_id` of this keyring
/// (made with `custodia_key_generate` and `CUSTODIA_KEY_KIND_ED25519`; its public text, from
/// `custodia_key_export_public`, is what the other side checks with `custodia_anchor_verify`).
///
/// `their_audit_key` is the other custodian's audit public key text (its `custodia_audit_public_key`, obtained out of
/// band). The anchor's checkpoint signature and every counter-signature already on it must verify with it;
/// otherwise the call fails with `CUSTODIA_ERR_ANCHOR_INVALID` and the refusal is recorded. This custodian's own
/// audit key is refused as the witness and as `their_audit_key` (`CUSTODIA_ERR_INVALID_ARGUMENT`): the audit key
/// signs only its own checkpoints, and witnessing one's own log pins nothing. The counter-signature is recorded as
/// an `anchor_witnessed` event.
///
/// On success `*out_anchor` receives the counter-signed anchor's JSON text, owned by the caller
/// (`custodia_buffer_free`).
///
/// # Safety
///
/// `anchor_json` and `their_audit_key` are NULL (refused) or NUL-terminated strings, borrowed for the call;
/// `witness_key_id` is NULL (refused) or readable; `out_anchor` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_anchor_countersign(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    anchor_json: *const c_char,
    their_audit_key: *const c_char,
    witness_key_id: *const custodia_key_id,
    out_anchor: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, key, witness, out) = unsafe {
            (
                str_arg(anchor_json, "anchor_json")?,
                str_arg(their_audit_key, "their_audit_key")?,
                key_id_arg(witness_key_id, "witness_key_id")?,
                Out::new(out_anchor, "out_anchor")?,
            )
        };
        let anchor = Anchor::from_json(text)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(text_to_c(c.countersign_anchor(&a, &anchor, key, &witness)?.to_json()));
        Ok(())
    })
}

/// Check an anchor with public keys alone: its checkpoint signature with `audit_key` (the text of the custodian's
/// audit public key) and every counter-signature on it; and, when `witness_key` (the public text of a witness's
/// Ed25519 key) is not NULL, that this witness counter-signed it. This says the anchor is genuine; whether the log
/// still holds what it pins is `custodia_audit_verify`'s job.
///
/// `CUSTODIA_OK` when everything checks; `CUSTODIA_ERR_ANCHOR_INVALID` naming the signature that does not verify (or
/// the witness that did not sign); `CUSTODIA_ERR_INVALID_KEY_TEXT` for a mistyped key; `CUSTODIA_ERR_INVALID_ARGUMENT`
/// for text that is not an anchor.
///
/// # Safety
///
/// `anchor_json` and `audit_key` are NULL (refused) or NUL-terminated strings; `witness_key` is NULL or one; all
/// borrowed for the call. Any thread; needs no custodian.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_anchor_verify(
    anchor_json: *const c_char,
    audit_key: *const c_char,
    witness_key: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, key, witness) = unsafe {
            (
                str_arg(anchor_json, "anchor_json")?,
                str_arg(audit_key, "audit_key")?,
                opt_str_arg(witness_key, "witness_key")?,
            )
        };
        let anchor = Anchor::from_json(text)?;
        anchor.verify(&parse_audit_key(key)?)?;
        if let Some(w) = witness {
            let w = parse_audit_key(w)?;
            if !anchor.is_witnessed_by(&w) {
                return Err(CoreError::AnchorInvalid(
                    "the anchor is not counter-signed by the witness key given".into(),
                )
                .into());
            }
        }
        Ok(())
    })
}

/// Prove one entry of this custodian's audit log to someone who holds only its audit public key: an inclusion bundle
/// (`docs/AUDIT.md` §12.3: the entry `seq`, its RFC 6962 audit path in the tree of every entry written so far, and a
/// checkpoint of that tree signed with the audit key), which `custodia_audit_merkle_verify_inclusion` checks. Writes
/// nothing to the log.
///
/// On success `*out_bundle` receives the bundle's text, owned by the caller (`custodia_buffer_free`).
/// `CUSTODIA_ERR_INVALID_ARGUMENT` when `seq` is beyond the log; a verification error when the log does not verify;
/// `CUSTODIA_ERR_CUSTODIAN_CLOSED` after `custodia_custodian_close`.
///
/// # Safety
///
/// `out_bundle` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_merkle_prove(
    custodian_handle: custodia_custodian,
    seq: u64,
    out_bundle: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_bundle, "out_bundle") }?;
        let bundle = custodian(custodian_handle)?.audit_inclusion_bundle(seq, None)?;
        out.write(text_to_c(bundle.to_text()));
        Ok(())
    })
}

/// Check a Merkle inclusion bundle (`docs/AUDIT.md` §12.3: one audit-log entry, its audit path and a signed
/// checkpoint) with the audit public key text alone: what an authority calls on an entry of another authority's log
/// that was proved to it. No custodian, keyring or log needed.
///
/// `CUSTODIA_OK` when the checkpoint is signed by `audit_key`, the entry is at its index in that tree and is a valid
/// entry of that log; then, when `out_entry` is not NULL, `*out_entry` receives the entry's line (its JSON, as in the
/// log), owned by the caller (`custodia_buffer_free`). `CUSTODIA_ERR_CHECKPOINT_INVALID` for a checkpoint not signed
/// by `audit_key` or a malformed bundle; `CUSTODIA_ERR_MERKLE_PROOF_INVALID` when the entry is not the one at that
/// index of that tree (edited, moved, a path for another tree size); `CUSTODIA_ERR_AUDIT_TAMPERED` /
/// `CUSTODIA_ERR_AUDIT_MALFORMED` for an entry line that is not a valid entry; `CUSTODIA_ERR_INVALID_KEY_TEXT` for a
/// mistyped key.
///
/// # Safety
///
/// `bundle` and `audit_key` are NULL (refused) or NUL-terminated strings, borrowed for the call; `out_entry` is
/// NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_merkle_verify_inclusion(
    bundle: *const c_char,
    audit_key: *const c_char,
    out_entry: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, key, out) =
            unsafe { (str_arg(bundle, "bundle")?, str_arg(audit_key, "audit_key")?, Out::optional(out_entry)) };
        let parsed = InclusionBundle::parse(text)?;
        parsed.verify(&parse_audit_key(key)?)?;
        if let Some(out) = out {
            out.write(text_to_c(parsed.entry_line().to_owned()));
        }
        Ok(())
    })
}

/// Check an erasure certificate (the JSON text `custodia_key_destroy` or `custodia_key_shred_expired` returned) with
/// the audit public key text alone: no custodian, keyring or log needed, long after the destroyed key is gone.
///
/// `CUSTODIA_OK` when it verifies; `CUSTODIA_ERR_AUDIT_TAMPERED` when its signature does not (any member altered);
/// `CUSTODIA_ERR_AUDIT_WRONG_KEY` when it names another audit key; `CUSTODIA_ERR_INVALID_KEY_TEXT` for a mistyped key;
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for text that is not a certificate in canonical form.
///
/// # Safety
///
/// `certificate_json` and `audit_key` are NULL (refused) or NUL-terminated strings, borrowed for the call. Any
/// thread; needs no custodian.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_erasure_certificate_verify(
    certificate_json: *const c_char,
    audit_key: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, key) = unsafe { (str_arg(certificate_json, "certificate_json")?, str_arg(audit_key, "audit_key")?) };
        let key = parse_audit_key(key)?;
        Ok(ErasureCertificate::from_json(text)?.verify(&key)?)
    })
}

/// The certificates of a shredding run as one text: each certificate's JSON on its own line, each line ending in
/// `\n` (JSON text never holds a raw newline).
pub(crate) fn certificate_lines(certificates: &[ErasureCertificate]) -> String {
    let mut s = String::new();
    for c in certificates {
        s.push_str(&c.to_json());
        s.push('\n');
    }
    s
}
