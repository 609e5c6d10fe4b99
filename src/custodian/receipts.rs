//! Disclosure receipts through the facade. On the recipient's side: [`Custodian::receive`] records that an envelope
//! arrived, and [`Custodian::issue_receipt`] signs what this custodian's audit log says it did with it. On the
//! sender's side: [`Custodian::import_receipt`] verifies a receipt against an imported public signing key of the
//! recipient authority, checks that it is about an object this custodian sealed or shared, records it and keeps it,
//! and [`Custodian::receipts_for_object`] / [`Custodian::receipts_for_case`] answer "what did the other state do
//! with what we sent?".
//!
//! Receipts never touch a data key. Imported receipts are kept verbatim under `receipts/` in the custodian's
//! directory, named by the SHA-256 of their binary form, which the (signed, hash-chained) `receipt_imported` entry
//! records: a receipt file altered or swapped is refused when read back.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::{Custodian, hex, signer_for};
use crate::audit::{AuditEvent, CertBody, EventKind, LogEntry, Outcome, Query};
use crate::error::{Error, Result};
use crate::format::receipt::{Receipt, ReceiptField, ReceiptItem, ReceiptItemKind};
use crate::format::{self, Stanza};
use crate::keys::keyring::KeyState;
use crate::vocabulary::{Actor, CaseRef, KeyId, KeyKind};

/// The directory, inside the custodian's, where imported receipts are kept.
pub const RECEIPTS_DIR: &str = "receipts";

/// What [`Custodian::issue_receipt`] puts into a receipt beyond the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiptOptions {
    /// Name the acting persons (their actor ids). Default `false`: items carry the actor's role and jurisdiction
    /// only, as the practitioners' guides ask unless the receiving authority's rules say otherwise. An access policy
    /// that states `[receipts] name_actors` decides instead (`docs/POLICY.md`): `true` names them always, `false`
    /// never (asking is then refused).
    pub name_actors: bool,
    /// Include refusals by this custodian's policy gate (an open for a purpose not granted, a share refused).
    /// Default `true`: they show the sender that the rule of speciality was enforced.
    pub include_refusals: bool,
}

impl Default for ReceiptOptions {
    fn default() -> Self {
        Self { name_actors: false, include_refusals: true }
    }
}

impl ReceiptOptions {
    /// The defaults: roles without names, refusals included.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Set [`ReceiptOptions::name_actors`].
    #[must_use]
    pub fn name_actors(mut self, yes: bool) -> Self {
        self.name_actors = yes;
        self
    }

    /// Set [`ReceiptOptions::include_refusals`].
    #[must_use]
    pub fn include_refusals(mut self, yes: bool) -> Self {
        self.include_refusals = yes;
        self
    }
}

/// The operation of a `received` refusal/failure, and of a receipt import.
const RECEIVE: &str = "receive";
const IMPORT: &str = "import_receipt";
const ISSUE: &str = "issue_receipt";

impl Custodian {
    /// Record that an envelope (binary or armored) from another authority arrived: its header is parsed and one of
    /// this keyring's keys (held with its secret, not destroyed) must be among its recipients. No key is touched
    /// and no policy decision made (that happens when it is opened). Records a `received` event naming the object,
    /// case, category, purposes, the signer and origin, and the recipient keys of this keyring; a receipt for the
    /// envelope ([`Custodian::issue_receipt`]) starts from it.
    ///
    /// # Errors
    /// Format errors ([`Error::Malformed`], [`Error::Armor`], ...); [`Error::NoMatchingRecipient`] when no key of
    /// this keyring is a recipient (recorded as a failed `received` event); [`Error::AuditWrite`];
    /// [`Error::CustodianClosed`].
    pub fn receive(&self, actor: &Actor, envelope: &[u8]) -> Result<crate::EnvelopeInfo> {
        let _op = self.operation();
        self.check_open()?;
        let header = format::to_binary(envelope).and_then(|b| format::parse_header(&b));
        let header = match header {
            Ok(h) => h,
            Err(e) => {
                let ev = AuditEvent::new(EventKind::Received)
                    .actor(actor)
                    .detail("operation", RECEIVE)
                    .outcome(Outcome::from_error(&e));
                self.record(ev)?;
                return Err(e);
            }
        };
        let mine: Vec<KeyId> = {
            let ring = self.read()?;
            header
                .stanzas()
                .iter()
                .map(Stanza::key_id)
                .filter(|id| {
                    ring.body()
                        .get(id)
                        .is_some_and(|r| r.has_secret() && !matches!(r.state, KeyState::Destroyed { .. }))
                })
                .collect()
        };
        let m = header.metadata();
        let mut ev = AuditEvent::new(EventKind::Received)
            .actor(actor)
            .object(header.object_id())
            .category(m.category)
            .classification(m.classification)
            .purposes(&m.purposes)
            .keys(mine.iter().copied());
        if let Some(c) = header.case_ref() {
            ev = ev.case(c);
        }
        if let Some(s) = header.signer_id() {
            ev = ev.detail("signer", &s.to_string());
        }
        if let Some(o) = m.origin {
            ev = ev.detail("origin", o.as_str());
        }
        if mine.is_empty() {
            let e = Error::NoMatchingRecipient;
            self.record(ev.outcome(Outcome::from_error(&e)))?;
            return Err(e);
        }
        self.record(ev)?;
        Ok(crate::EnvelopeInfo::from_header(&header))
    }

    /// Sign a disclosure receipt for the envelope `object_id` (hex) with the Ed25519 key `signer` of this keyring,
    /// from this custodian's audit log: received, each open (purpose, time, actor role and jurisdiction; the actor's
    /// id only with [`ReceiptOptions::name_actors`]), each exception used (ground, reference), each onward share and
    /// re-wrap for a purpose (keys added, and the originator's grant when the entry records one), each refusal
    /// (with [`ReceiptOptions::include_refusals`]), and, when a key of this keyring that received it has been
    /// destroyed, the destruction with its erasure certificate's id and SHA-256. Records `receipt_issued`.
    ///
    /// The object must have been received here ([`Custodian::receive`]). The custodian's audit key is refused as
    /// `signer`: it signs only this log's checkpoints and erasure certificates; use a signing key whose public half
    /// the originating authority holds ([`Custodian::export_public`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an object id that is not 32 hex digits, the audit key as signer, or
    /// [`ReceiptOptions::name_actors`] under an access policy that forbids naming actors;
    /// [`Error::KeyNotFound`], [`Error::KeyState`], [`Error::KeyDestroyed`] for `signer`;
    /// [`Error::ReceiptNotApplicable`] when the object was never received here (recorded as a refusal);
    /// [`Error::LimitExceeded`] when the receipt would exceed its limits; audit read errors; [`Error::AuditWrite`];
    /// [`Error::CustodianClosed`].
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
    /// let info = custodian.receive(&jan, &envelope)?;
    /// let signer = custodian.generate_key(&jan, KeyKind::Ed25519, "receipt signing key")?;
    /// let receipt = custodian.issue_receipt(&jan, &info.object_id, &signer, &ReceiptOptions::default())?;
    /// assert!(receipt.to_armored().starts_with(RECEIPT_ARMOR_BEGIN));
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn issue_receipt(
        &self,
        actor: &Actor,
        object_id: &str,
        signer: &KeyId,
        options: &ReceiptOptions,
    ) -> Result<Receipt> {
        let _op = self.operation();
        self.check_open()?;
        let oid = parse_object_id(object_id)?;
        let object_hex = hex(&oid);
        if *signer == self.audit_key_id {
            return Err(Error::InvalidArgument(
                "the custodian's audit key signs only its own checkpoints and erasure certificates; sign receipts \
                 with another Ed25519 key of the keyring"
                    .into(),
            ));
        }
        // Actor ids appear in a receipt only if the access policy says so, or, where it says nothing, if asked.
        let options = match self.access_policy().and_then(|a| a.receipt_actor_names()) {
            None => *options,
            Some(false) if options.name_actors => {
                return Err(Error::InvalidArgument(
                    "the access policy forbids naming actors in receipts ([receipts] name_actors = false)".into(),
                ));
            }
            Some(name) => options.name_actors(name),
        };
        let options = &options;
        let key = signer_for(self.read()?.body(), signer, &self.signers)?;
        let entries: Vec<LogEntry> = self.audit.query(&Query::new().object_hex(&object_hex))?.collect::<Result<_>>()?;
        let received: Vec<&LogEntry> =
            entries.iter().filter(|e| e.event.kind == EventKind::Received && e.event.outcome == Outcome::Ok).collect();
        let Some(first) = received.first() else {
            let e = Error::ReceiptNotApplicable(format!("object {object_hex} was never received here"));
            self.record(AuditEvent::refused(&e).actor(actor).object(&oid).detail("operation", ISSUE))?;
            return Err(e);
        };
        let case = first.event.case.clone();
        let mut items: Vec<ReceiptItem> = entries.iter().filter_map(|e| receipt_item(e, options)).collect();
        items.extend(self.destroyed_items(&received)?);
        let now = self.clock.now();
        let receipt = Receipt::sign(oid, case.clone(), now, items, &key)?;
        let mut ev = AuditEvent::new(EventKind::ReceiptIssued)
            .actor(actor)
            .object(&oid)
            .key(*signer)
            .detail("items", &receipt.items().len().to_string())
            .detail("receipt_sha256", &hex(&Sha256::digest(receipt.to_bytes())));
        if let Some(c) = &case {
            ev = ev.case(c);
        }
        self.record(ev)?;
        Ok(receipt)
    }

    /// Import a disclosure receipt (armored text) from a recipient authority: its signature must verify with the key
    /// it names, that key must be a public Ed25519 key of another authority imported into this keyring
    /// ([`Custodian::import_public`]), and it must be about an object this custodian sealed or shared (and name the
    /// same case). It is then kept under `receipts/` and recorded as `receipt_imported` (object, case, issuer key
    /// and jurisdiction, the items in short, the receipt's SHA-256). Importing the same receipt again records it
    /// again and keeps one copy. Every rejection is recorded too (`receipt_imported` with a failed outcome, or a
    /// `refused` event for [`Error::ReceiptNotApplicable`]). No key is touched.
    ///
    /// # Errors
    /// [`Error::ReceiptInvalid`] (malformed, oversized, bad signature); [`Error::ReceiptIssuerUnknown`] when the
    /// signer is not an imported public key of another authority; [`Error::ReceiptNotApplicable`] for an object this
    /// custodian never sealed or shared, or another case; I/O errors; [`Error::AuditWrite`];
    /// [`Error::CustodianClosed`].
    pub fn import_receipt(&self, actor: &Actor, text: &str) -> Result<Receipt> {
        let _op = self.operation();
        self.check_open()?;
        let base = || AuditEvent::new(EventKind::ReceiptImported).actor(actor).detail("operation", IMPORT);
        let receipt = match Receipt::from_armored(text) {
            Ok(r) => r,
            Err(e) => {
                self.record(base().outcome(Outcome::from_error(&e)))?;
                return Err(e);
            }
        };
        let oid = receipt.object_id();
        let with_object = |ev: AuditEvent| {
            let ev = ev.object_hex(&oid).key(receipt.issuer());
            match receipt.case_ref() {
                Some(c) => ev.case(c),
                None => ev,
            }
        };
        let issuer_jurisdiction = {
            let ring = self.read()?;
            ring.body()
                .get(&receipt.issuer())
                .filter(|r| {
                    r.kind == KeyKind::Ed25519
                        && !r.has_secret()
                        && !matches!(r.state, KeyState::Destroyed { .. })
                        && r.public.as_deref() == Some(receipt.issuer_bytes().as_slice())
                })
                .map(|r| r.jurisdiction)
        };
        let Some(issuer_jurisdiction) = issuer_jurisdiction else {
            let e = Error::ReceiptIssuerUnknown(format!(
                "key {} is not an imported public signing key of another authority; import the recipient \
                 authority's signing key first",
                receipt.issuer()
            ));
            self.record(with_object(base()).outcome(Outcome::from_error(&e)))?;
            return Err(e);
        };
        let sent: Vec<LogEntry> = self
            .audit
            .query(&Query::new().object_hex(&oid).kind(EventKind::Sealed).kind(EventKind::Shared))?
            .filter(|r| r.as_ref().map_or(true, |e| e.event.outcome == Outcome::Ok))
            .collect::<Result<_>>()?;
        let refusal = match sent.first() {
            None => Some(format!("object {oid} was never sealed or shared by this custodian")),
            Some(e) if e.event.case.as_ref() != receipt.case_ref() => Some(format!(
                "the receipt names case {}, object {oid} was sent for case {}",
                receipt.case_ref().map_or("(none)", CaseRef::as_str),
                e.event.case.as_ref().map_or("(none)", CaseRef::as_str)
            )),
            Some(_) => None,
        };
        if let Some(m) = refusal {
            let e = Error::ReceiptNotApplicable(m);
            self.record(with_object(AuditEvent::refused(&e).actor(actor).detail("operation", IMPORT)))?;
            return Err(e);
        }
        let bytes = receipt.to_bytes();
        let digest = hex(&Sha256::digest(&bytes));
        self.store_receipt(&digest, &receipt)?;
        let mut ev = with_object(base())
            .detail("receipt_sha256", &digest)
            .detail("issued_at", &receipt.issued_at().to_string())
            .detail("items", &receipt.items().len().to_string())
            .detail("summary", &summary(&receipt));
        if let Some(j) = issuer_jurisdiction {
            ev = ev.detail("issuer_jurisdiction", j.as_str());
        }
        self.record(ev)?;
        Ok(receipt)
    }

    /// The receipts imported for an object (hex), in import order, each read back, checked against the SHA-256 the
    /// audit log recorded and its signature verified again. One per distinct receipt.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a malformed object id; [`Error::AuditTampered`] when a stored receipt differs
    /// from what the log recorded; [`Error::ReceiptInvalid`]; I/O and audit read errors.
    pub fn receipts_for_object(&self, object_id: &str) -> Result<Vec<Receipt>> {
        let _op = self.operation();
        let oid = hex(&parse_object_id(object_id)?);
        self.imported_receipts(Query::new().object_hex(&oid))
    }

    /// The receipts imported for every object of a case, in import order (as [`Custodian::receipts_for_object`]).
    ///
    /// # Errors
    /// As [`Custodian::receipts_for_object`].
    pub fn receipts_for_case(&self, case: &CaseRef) -> Result<Vec<Receipt>> {
        let _op = self.operation();
        self.imported_receipts(Query::new().case(case))
    }

    fn imported_receipts(&self, q: Query) -> Result<Vec<Receipt>> {
        let q = q.kind(EventKind::ReceiptImported);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for e in self.audit.query(&q)? {
            let e = e?;
            if e.event.outcome != Outcome::Ok {
                continue;
            }
            let Some(digest) = e.event.detail.get("receipt_sha256") else { continue };
            if !seen.insert(digest.clone()) {
                continue;
            }
            let text = fs::read_to_string(self.receipt_path(digest)?)?;
            let receipt = Receipt::from_armored(&text)?;
            if hex(&Sha256::digest(receipt.to_bytes())) != *digest {
                return Err(Error::AuditTampered {
                    entry: e.seq,
                    reason: format!("stored receipt {digest} does not match the receipt recorded"),
                });
            }
            out.push(receipt);
        }
        Ok(out)
    }

    fn receipt_path(&self, digest: &str) -> Result<PathBuf> {
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::AuditTampered { entry: 0, reason: "receipt digest is not 64 hex digits".into() });
        }
        Ok(self.dir.join(RECEIPTS_DIR).join(format!("{digest}.receipt")))
    }

    /// Keep a receipt's armored form under `receipts/<sha256>.receipt` (temp file, fsync, rename, fsync dir).
    fn store_receipt(&self, digest: &str, receipt: &Receipt) -> Result<()> {
        let dir = self.dir.join(RECEIPTS_DIR);
        super::create_final_dir(&dir)?;
        let path = self.receipt_path(digest)?;
        if path.exists() {
            return Ok(());
        }
        super::replace_file(&path, receipt.to_armored().as_bytes(), &mut std::io::empty())
    }

    /// The `destroyed` items: for each key of this keyring that an envelope arrived for and that is now destroyed,
    /// its erasure certificate (rebuilt from the signed `erasure` entry: id and SHA-256 of its JSON form).
    fn destroyed_items(&self, received: &[&LogEntry]) -> Result<Vec<ReceiptItem>> {
        let keys: Vec<KeyId> = {
            let ring = self.read()?;
            let mut ks: Vec<KeyId> = received
                .iter()
                .flat_map(|e| e.event.keys.iter().copied())
                .filter(|id| ring.body().get(id).is_some_and(|r| matches!(r.state, KeyState::Destroyed { .. })))
                .collect();
            ks.sort_unstable();
            ks.dedup();
            ks
        };
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let log_id = self.audit.log_id();
        let audit_key = self.audit.verifying_key();
        let mut items = Vec::new();
        for e in self.audit.query(&Query::new().kind(EventKind::Erasure))? {
            let e = e?;
            let Some(sig) = e.sig else { continue };
            for k in e.event.keys.iter().filter(|k| keys.contains(k)) {
                let envelopes = e.event.detail.get("envelopes").and_then(|n| n.parse().ok());
                let reason = e.event.detail.get("reason").cloned().unwrap_or_default();
                let body = CertBody::new(
                    &log_id,
                    e.seq,
                    e.time,
                    e.event.case.clone(),
                    e.event.keys.clone(),
                    reason,
                    envelopes,
                    &audit_key,
                );
                let cert = crate::audit::ErasureCertificate::new(body, sig);
                items.push(
                    ReceiptItem::new(ReceiptItemKind::Destroyed, e.time)
                        .with(ReceiptField::Key, &k.to_string())
                        .with(ReceiptField::ErasureCertificate, &format!("{}:{}", hex(&log_id), e.seq))
                        .with(ReceiptField::ErasureCertificateSha256, &hex(&Sha256::digest(cert.to_json()))),
                );
            }
        }
        Ok(items)
    }
}

/// The receipt item for one audit entry about the object, if it belongs in a receipt.
fn receipt_item(e: &LogEntry, options: &ReceiptOptions) -> Option<ReceiptItem> {
    let ev = &e.event;
    let ok = ev.outcome == Outcome::Ok;
    let operation = ev.detail.get("operation").map(String::as_str);
    let kind = match ev.kind {
        EventKind::Received if ok => ReceiptItemKind::Received,
        EventKind::Opened if ok => ReceiptItemKind::Opened,
        EventKind::ExceptionUsed if ok => ReceiptItemKind::ExceptionUsed,
        EventKind::Shared if ok => ReceiptItemKind::Shared,
        // A re-wrap for a purpose is a disclosure inside the recipient authority; moving off a rotated key is not.
        EventKind::Rewrapped if ok && operation != Some("rewrap_rotated") => ReceiptItemKind::Rewrapped,
        EventKind::Refused if options.include_refusals && !matches!(operation, Some(ISSUE | IMPORT)) => {
            ReceiptItemKind::Refused
        }
        _ => return None,
    };
    let mut item = ReceiptItem::new(kind, e.time);
    // A value a receipt cannot carry (an audit detail may be longer or hold characters a receipt refuses, e.g. a
    // bidirectional override) is left out rather than failing the whole receipt.
    let mut set = |f: ReceiptField, v: Option<&str>| {
        if let Some(v) = v.filter(|v| ReceiptItem::is_valid_value(v)) {
            item.insert(f, v);
        }
    };
    if let Some(a) = &ev.actor {
        set(ReceiptField::Role, Some(a.role()));
        set(ReceiptField::Jurisdiction, Some(a.jurisdiction().as_str()));
        if options.name_actors {
            set(ReceiptField::Actor, Some(a.id()));
        }
    }
    if kind != ReceiptItemKind::Received {
        set(ReceiptField::Purpose, ev.purpose.as_ref().map(|p| p.as_str()));
    }
    if let Some(x) = &ev.exception {
        set(ReceiptField::ExceptionKind, Some(&x.kind));
        set(ReceiptField::ExceptionReference, x.reference.as_deref());
    }
    set(ReceiptField::Grant, ev.detail.get("grant").map(String::as_str));
    set(ReceiptField::GrantReference, ev.detail.get("grant_reference").map(String::as_str));
    match kind {
        ReceiptItemKind::Shared | ReceiptItemKind::Rewrapped => {
            let keys: Vec<String> = ev.keys.iter().map(ToString::to_string).collect();
            set(ReceiptField::Recipients, Some(&keys.join(" ")));
        }
        ReceiptItemKind::Received => {
            set(ReceiptField::Key, ev.keys.first().map(ToString::to_string).as_deref());
        }
        ReceiptItemKind::Refused => {
            if let Outcome::Refused { kind, .. } = &ev.outcome {
                set(ReceiptField::Refusal, Some(kind));
            }
            set(ReceiptField::Operation, Some(operation.unwrap_or("open")));
        }
        _ => {}
    }
    Some(item)
}

/// The items in short, for the audit entry: `received opened:investigation exception_used:court_order ...`, cut to
/// fit a detail value.
fn summary(r: &Receipt) -> String {
    let mut s = String::new();
    for item in r.items() {
        let part = match item.get(ReceiptField::Purpose).or_else(|| item.get(ReceiptField::ExceptionKind)) {
            Some(p) if item.kind() != ReceiptItemKind::ExceptionUsed => format!("{}:{p}", item.kind()),
            _ => match item.get(ReceiptField::ExceptionKind) {
                Some(x) => format!("{}:{x}", item.kind()),
                None => item.kind().to_string(),
            },
        };
        if s.len() + part.len() + 5 > crate::audit::MAX_DETAIL_VALUE_LEN {
            s.push_str(" ...");
            break;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&part);
    }
    s
}

fn parse_object_id(s: &str) -> Result<[u8; 16]> {
    let s = s.trim();
    crate::audit::entry::from_hex::<16>(&s.to_ascii_lowercase())
        .ok_or_else(|| Error::InvalidArgument(format!("object id must be 32 hex digits, got {:?}", s)))
}
