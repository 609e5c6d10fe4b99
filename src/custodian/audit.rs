//! The facade's own audit acts: its audit public key, verifying the log against anchors and the keyring's pin,
//! checkpoints, close, and counter-signing another custodian's anchor. It reads the log; it never rewrites it.

use std::sync::atomic::Ordering;

use super::{Custodian, hex, signer_for};
use crate::audit::{Anchor, AuditEvent, AuditLog, ConsistencyProof, EventKind, InclusionBundle, Outcome, VerifyReport};
use crate::error::{Error, Result};
use crate::vocabulary::Actor;
use crate::vocabulary::KeyId;

impl Custodian {
    /// The custodian's audit public key in text form (`custodia-ed25519-public:…`), for auditors, for the
    /// authorities that counter-sign its anchors, and for checking its erasure certificates
    /// ([`crate::audit::parse_audit_key`] reads it back). Still available after [`Custodian::close`].
    ///
    /// # Errors
    /// None in practice; the `Result` is kept for compatibility.
    pub fn audit_public_key(&self) -> Result<String> {
        Ok(self.audit.verifying_key().to_string())
    }

    /// The custodian's audit public key as a key: what [`crate::audit::verify`], [`crate::audit::Anchor::verify`]
    /// and [`crate::audit::ErasureCertificate::verify`] take. Its [`Display`](core::fmt::Display) form is
    /// [`Custodian::audit_public_key`]'s text, and [`str::parse`] reads that text back.
    #[must_use]
    pub fn audit_verifying_key(&self) -> crate::keys::VerifyingKey {
        self.audit.verifying_key()
    }

    /// The audit log.
    #[must_use]
    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// How many times forwarding an event to a secondary sink has failed (when they are not required).
    #[must_use]
    pub fn secondary_audit_failures(&self) -> u64 {
        self.sink.secondary_failures()
    }

    /// Verify the whole audit log against the custodian's audit key, and check that it still holds exactly the
    /// prefix each anchor pins.
    ///
    /// Pass the anchors other authorities hold (parsed with [`Anchor::from_json`]): they are the defence
    /// `docs/AUDIT.md` calls mandatory. Without them this only proves the log is consistent with the audit key,
    /// and whoever holds that key (or, for the tail after the last checkpoint, whoever can write the file) can
    /// rewrite or cut it without detection; with them, a log that differs from, or is shorter than, an anchored
    /// prefix is refused. The latest checkpoint this custodian wrote or verified on open is always checked as one
    /// more anchor (not counted in [`VerifyReport::anchors`]), so a log cut or rewritten behind a running
    /// custodian's back is refused here too. Works after [`Custodian::close`] too.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] or [`Error::AuditMalformed`] at the first bad entry (including a log rewritten or
    /// truncated below an anchor); [`Error::AnchorInvalid`] for an anchor whose signatures do not verify with this
    /// custodian's audit key or that belongs to another log; I/O errors.
    ///
    /// # Example
    ///
    /// ```
    /// # use custodia::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    /// # let custodian = Custodian::load(dir.path(), Unlock::master_key([7; 32]), options)?;
    /// # let nl = Jurisdiction::parse("NL")?;
    /// # let jan = Actor::new("jan.devries", "prosecutor", nl, Classification::Secret)?;
    /// # let team_key = custodian.generate_key(&jan, KeyKind::Kek, "case team key")?;
    /// # let records = Sensitive::new(b"IBAN NL91ABNA0417164300".to_vec(), Category::FinancialRecords);
    /// # let envelope = custodian
    /// #     .seal(&jan, &records, &SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![team_key]))?
    /// #     .envelope;
    /// let report = custodian.verify_audit(&[])?;
    /// assert!(report.entries >= 3); // genesis, key_generated, sealed
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn verify_audit(&self, anchors: &[Anchor]) -> Result<VerifyReport> {
        // The latest checkpoint this custodian wrote (or verified on open) is an anchor too: a file cut or rewritten
        // behind the running custodian's back is refused here, not only at the next open.
        let own = self.audit.latest_anchor();
        let mut all = anchors.to_vec();
        all.extend(own.iter().cloned());
        let mut report = self.audit.verify(&all)?;
        report.anchors = report.anchors.saturating_sub(u64::from(own.is_some()));
        Ok(report)
    }

    /// Write a signed checkpoint now, make it durable, and return it as an [`Anchor`] to hand to another authority
    /// (its JSON form is [`Anchor::to_json`]), which checks it against [`Custodian::audit_public_key`],
    /// counter-signs it ([`Custodian::countersign_anchor`] on its side) and keeps it. If the last entry is already
    /// a checkpoint, that one is returned. Export one regularly: only anchors held elsewhere pin the log's past.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] when the checkpoint cannot be made durable; [`Error::CustodianClosed`].
    ///
    /// # Example
    ///
    /// ```
    /// # use custodia::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    /// # let custodian = Custodian::load(dir.path(), Unlock::master_key([7; 32]), options)?;
    /// # let nl = Jurisdiction::parse("NL")?;
    /// # let jan = Actor::new("jan.devries", "prosecutor", nl, Classification::Secret)?;
    /// // An anchor is what another authority keeps (and may counter-sign) to pin the log's prefix.
    /// let anchor = custodian.checkpoint()?;
    /// let kept = audit::Anchor::from_json(&anchor.to_json())?;
    /// custodian.verify_audit(&[kept])?;
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn checkpoint(&self) -> Result<Anchor> {
        self.check_open()?;
        self.audit.checkpoint()
    }

    /// Close the custodian: write the closing checkpoint, sync it, and return it as an [`Anchor`].
    ///
    /// From then on every operation that would touch a key or record an event (seal, open, re-wrap, key
    /// management, [`Custodian::checkpoint`], [`Custodian::countersign_anchor`]) fails with
    /// [`Error::CustodianClosed`] before doing anything; [`Custodian::audit_public_key`],
    /// [`Custodian::verify_audit`] and [`Custodian::inspect`] still work. Closing again returns the same anchor.
    /// Keys are zeroized when the `Custodian` is dropped. Dropping a custodian that was never closed still writes
    /// the closing checkpoint, ignoring errors: call `close` to see them and to get the anchor.
    ///
    /// Close once the other threads are done with the custodian: an operation in flight on another thread either
    /// completes first or fails with [`Error::CustodianClosed`]; one that has already changed the keyring when the
    /// log closes (a key generated, a hold placed) then lacks its audit event, as it would after a disk failure.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] when the closing checkpoint cannot be made durable (the custodian stays closed; the
    /// next open recovers the log and seals its tail).
    pub fn close(&self) -> Result<Anchor> {
        // Serialises concurrent closes; the guarded value is only ever replaced whole, so a poisoned lock is fine.
        let mut closing = self.closing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(anchor) = closing.as_ref() {
            return Ok(anchor.clone());
        }
        self.closed.store(true, Ordering::Release);
        let anchor = self.audit.close()?;
        *closing = Some(anchor.clone());
        Ok(anchor)
    }

    /// Whether [`Custodian::close`] was called.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Counter-sign another custodian's anchor as a witness, with an Ed25519 key of this keyring.
    ///
    /// `their_audit_key` is the other custodian's audit public key in text form, as its
    /// [`Custodian::audit_public_key`] exports it (obtained out of band, e.g. at the start of the case). The
    /// anchor's checkpoint signature and every counter-signature it already carries must verify; otherwise it is
    /// refused with [`Error::AnchorInvalid`] and the refusal is recorded (`anchor_witnessed`, outcome
    /// `failed:anchor_invalid`): someone handed over a forged or altered checkpoint. On success the counter-signed
    /// anchor is returned (keep it: it is what pins the other log) and an `anchor_witnessed` event records the
    /// log id, count, head and audit key witnessed.
    ///
    /// `witness` must be an active Ed25519 key of this keyring (from [`Custodian::generate_key`] with
    /// [`KeyKind::Ed25519`](crate::KeyKind::Ed25519)); its public half, from [`Custodian::export_public`], is what the other side checks
    /// with [`Anchor::is_witnessed_by`]. The custodian's own audit key is refused as a witness: it signs this
    /// custodian's checkpoints and nothing else, so that a witness key can be rotated or destroyed without
    /// touching the log, and a signature by the audit key always means "this log's checkpoint". An anchor of this
    /// custodian's own log is refused too: witnessing oneself pins nothing.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for `their_audit_key`; [`Error::InvalidArgument`] for this custodian's own audit
    /// key as `witness` or as `their_audit_key`; [`Error::KeyNotFound`], [`Error::KeyState`],
    /// [`Error::KeyDestroyed`] for the witness key; [`Error::AnchorInvalid`]; [`Error::AuditWrite`];
    /// [`Error::CustodianClosed`].
    pub fn countersign_anchor(
        &self,
        actor: &Actor,
        anchor: &Anchor,
        their_audit_key: &str,
        witness: &KeyId,
    ) -> Result<Anchor> {
        self.countersign(actor, anchor, their_audit_key, witness, None)
    }

    /// [`Custodian::countersign_anchor`], after checking that the other custodian's log only grew since `last`,
    /// the anchor this custodian counter-signed for it before: both anchors must carry Merkle checkpoints
    /// ([`Custodian::audit_checkpoint_merkle`] on the other side), and `proof` (which the other custodian sends with
    /// the request: its [`Custodian::audit_consistency_proof`] from `last`'s count to the new one) must lead from the
    /// one to the other (`docs/AUDIT.md` §12.5). The witness key signs the anchor and its Merkle checkpoint. A
    /// refusal is recorded as for `countersign_anchor`, with the error's kind (`merkle_proof_invalid` when the log
    /// shrank or was rewritten); the `anchor_witnessed` entry also names `merkle_root` and `consistent_from` (the
    /// size of `last`).
    ///
    /// # Errors
    /// As [`Custodian::countersign_anchor`]; [`Error::AnchorInvalid`] also when either anchor lacks a Merkle
    /// checkpoint or `last` is of another log; [`Error::MerkleProofInvalid`] when the proof does not show that the log
    /// only grew; [`Error::CheckpointInvalid`] for a proof whose checkpoint is not signed by their audit key.
    pub fn countersign_anchor_extending(
        &self,
        actor: &Actor,
        anchor: &Anchor,
        their_audit_key: &str,
        witness: &KeyId,
        last: &Anchor,
        proof: &ConsistencyProof,
    ) -> Result<Anchor> {
        self.countersign(actor, anchor, their_audit_key, witness, Some((last, proof)))
    }

    fn countersign(
        &self,
        actor: &Actor,
        anchor: &Anchor,
        their_audit_key: &str,
        witness: &KeyId,
        extending: Option<(&Anchor, &ConsistencyProof)>,
    ) -> Result<Anchor> {
        self.check_open()?;
        let theirs = crate::audit::parse_audit_key(their_audit_key)?;
        if theirs == self.audit.verifying_key() {
            return Err(Error::InvalidArgument(
                "this is the custodian's own audit key: an anchor of its own log must be witnessed by another \
                 authority"
                    .into(),
            ));
        }
        if *witness == self.audit_key_id {
            return Err(Error::InvalidArgument(
                "the custodian's audit key signs only its own checkpoints; witness with another Ed25519 key of the \
                 keyring"
                    .into(),
            ));
        }
        let signer = signer_for(self.read()?.body(), witness, &self.signers)?;
        let event = AuditEvent::new(EventKind::AnchorWitnessed)
            .actor(actor)
            .key(*witness)
            .detail("anchor_log", &hex(&anchor.log_id()))
            .detail("anchor_count", &anchor.count().to_string())
            .detail("anchor_head", &hex(&anchor.head()))
            .detail("anchor_audit_key", &hex(&theirs.to_bytes()));
        let event = match anchor.merkle() {
            Some(m) => event.detail("merkle_root", &hex(&m.root())),
            None => event,
        };
        let event = match extending {
            Some((last, _)) => event.detail("consistent_from", &last.count().to_string()),
            None => event,
        };
        let checked = match extending {
            Some((last, proof)) => anchor.check_extends(&theirs, last, proof),
            None => anchor.verify(&theirs),
        };
        if let Err(e) = checked {
            self.record(event.outcome(Outcome::from_error(&e)))?;
            return Err(e);
        }
        let mut witnessed = anchor.clone();
        witnessed.countersign(&signer)?;
        self.record(event)?;
        Ok(witnessed)
    }

    /// Write a checkpoint (as [`Custodian::checkpoint`]) and return it as an [`Anchor`] that also carries the
    /// signed Merkle checkpoint of the same entries ([`Anchor::merkle`]: an RFC 6962 tree over entries
    /// `0 … count − 1`, in the C2SP checkpoint format, `docs/AUDIT.md` §12). Reads and verifies the whole log, so it
    /// costs about as much as [`Custodian::verify_audit`]; export one e.g. daily.
    ///
    /// # Errors
    /// As [`Custodian::checkpoint`]; [`Error::AuditTampered`] (or another verification error) when the log does not
    /// verify: nothing is signed over a log that does not.
    ///
    /// # Example
    ///
    /// ```
    /// # use custodia::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    /// # let custodian = Custodian::load(dir.path(), Unlock::master_key([7; 32]), options)?;
    /// let anchor = custodian.audit_checkpoint_merkle()?;
    /// let checkpoint = anchor.merkle().expect("a Merkle checkpoint");
    /// assert_eq!(checkpoint.size(), anchor.count());
    /// // What an outside verifier receives: the signed note, and the audit key's text.
    /// let note = checkpoint.to_note();
    /// audit::MerkleCheckpoint::open(&note, &custodian.audit_public_key()?.parse()?)?;
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn audit_checkpoint_merkle(&self) -> Result<Anchor> {
        self.check_open()?;
        self.audit.checkpoint_merkle()
    }

    /// An inclusion bundle for entry `seq` (`docs/AUDIT.md` §12.3): the entry, its RFC 6962 audit path and a
    /// checkpoint signed with the audit key, of the tree over the first `size` entries (all entries written so far
    /// when `None`). Whoever holds the audit public key can check it
    /// ([`crate::audit::verify_inclusion_bundle`]) and sees no other entry. Nothing is written to the log.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `seq` is not below the size or the log is shorter than `size`; a
    /// verification error when the log does not verify; [`Error::CustodianClosed`].
    pub fn audit_inclusion_bundle(&self, seq: u64, size: Option<u64>) -> Result<InclusionBundle> {
        self.check_open()?;
        self.audit.inclusion_bundle(seq, size)
    }

    /// A consistency proof from the tree of the first `old_size` entries to the tree of the first `new_size`
    /// entries (all entries written so far when `None`), with the newer checkpoint signed with the audit key
    /// (`docs/AUDIT.md` §12.4): what a counter-signing authority checks against the last checkpoint it signed.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `1 ≤ old_size ≤ new_size ≤` the entries in the log; a verification error
    /// when the log does not verify; [`Error::CustodianClosed`].
    pub fn audit_consistency_proof(&self, old_size: u64, new_size: Option<u64>) -> Result<ConsistencyProof> {
        self.check_open()?;
        self.audit.consistency_proof(old_size, new_size)
    }
}
