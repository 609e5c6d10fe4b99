//! Opening through the facade: envelopes in memory, streams and seekable files, and `inspect` (metadata without a
//! key). The policy gate decides before any key is touched; the data key is unwrapped only after; every open or
//! refusal is recorded, and no plaintext is returned when its audit event could not be written.

use std::io::{Read, Seek, Write};
use std::sync::atomic::Ordering;

use super::grants::GrantView;
use super::transfer::TransferRecord;
use super::{Custodian, hex, verifying_key};
use crate::audit::{AuditEvent, EventKind, Outcome};
use crate::error::{Error, Result};
use crate::exchange::Grant;
use crate::format::{self, PayloadType};
use crate::keys::keyring::KeyringBody;
use crate::keys::provider::{StanzaKeys, StanzaUnwrap};
use crate::keys::{DataKey, VerifyingKey};
use crate::policy::{self, Basis, Decision, OpenRequest};
use crate::vocabulary::CaseRef;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::purpose::PurposeSet;
use crate::vocabulary::sensitive::{Category, Classification, Sensitive};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{KeyId, KeyKind};

/// The bound metadata of an envelope, readable without a key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct EnvelopeInfo {
    /// Object id, lowercase hex.
    pub object_id: String,
    /// Category.
    pub category: Category,
    /// Classification.
    pub classification: Classification,
    /// Permitted purposes.
    pub purposes: PurposeSet,
    /// Case reference.
    pub case_ref: Option<CaseRef>,
    /// Origin jurisdiction.
    pub origin: Option<Jurisdiction>,
    /// Destination jurisdictions.
    pub destinations: Vec<Jurisdiction>,
    /// When it was sealed.
    pub created: Timestamp,
    /// When it expires.
    pub not_after: Option<Timestamp>,
    /// The key ids of its recipient stanzas.
    pub recipients: Vec<KeyId>,
    /// The kind of each recipient stanza, in the order of [`EnvelopeInfo::recipients`].
    #[serde(default)]
    pub recipient_kinds: Vec<format::StanzaKind>,
    /// The key id of its signer, if signed.
    pub signer: Option<KeyId>,
    /// The legal instrument the transfer is made under (kind, reference, transfer basis), if the sealer named one.
    pub instrument: Option<format::LegalInstrument>,
    /// The originator's grants the header carries (onward transfers and purpose extensions, rule of speciality), as
    /// read, not yet checked: whether each holds (this envelope, its signer, unexpired, signature) is decided when the
    /// envelope is opened or re-wrapped. A grant whose bytes do not parse is not listed here (opening the envelope
    /// then fails with [`Error::GrantInvalid`]).
    pub grants: Vec<Grant>,
    /// What the payload holds: bytes ([`Custodian::open`]) or a record of fields ([`Custodian::open_record`]).
    #[serde(default)]
    pub payload_type: PayloadType,
}

impl EnvelopeInfo {
    /// The bound metadata of a parsed header ([`format::parse_header`], [`format::read_header`]): what
    /// [`Custodian::inspect`] returns, without a custodian, so a reader that holds no keyring (an operator's
    /// `custodia inspect`, a case database indexing envelopes) needs no passphrase. Touches no key.
    #[must_use]
    pub fn from_header(h: &format::Header) -> Self {
        let m = h.metadata();
        Self {
            object_id: hex(h.object_id()),
            category: m.category,
            classification: m.classification,
            purposes: m.purposes.clone(),
            case_ref: m.case_ref.clone(),
            origin: m.origin,
            destinations: m.destinations.clone(),
            created: m.created,
            not_after: m.not_after,
            recipients: h.stanzas().iter().map(format::Stanza::key_id).collect(),
            recipient_kinds: h.stanzas().iter().map(format::Stanza::kind).collect(),
            signer: h.signer_id(),
            instrument: m.instrument.clone(),
            grants: h.grants().iter().filter_map(|g| Grant::from_bytes(g).ok()).collect(),
            payload_type: m.payload_type,
        }
    }
}

/// What every open verb returns: what the open yields, and what is known about the envelope.
///
/// `data` is the plaintext for [`Custodian::open`] (still a [`Sensitive`]: the default), a reader over it for
/// [`Custodian::open_seekable`], and `()` for [`Custodian::open_stream`] and [`Custodian::open_file`], whose
/// plaintext went to the destination.
#[derive(Debug)]
#[non_exhaustive]
pub struct Opened<T = Sensitive<Vec<u8>>> {
    /// What the open yields; for [`Custodian::open`], the plaintext, tagged with the envelope's category and
    /// classification.
    pub data: T,
    /// The envelope's bound metadata.
    pub info: EnvelopeInfo,
    /// The policy decision that allowed the open (and any exception used).
    pub decision: Decision,
    /// The key whose stanza opened it.
    pub recipient: KeyId,
    /// Who signed it (verified), if signed.
    pub signer: Option<KeyId>,
    /// Who sealed it (authenticated by HPKE auth mode), if known.
    pub sender: Option<KeyId>,
}

/// When an open is recorded relative to decryption.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Record {
    /// Before plaintext starts flowing to the caller (streams).
    BeforeFinish,
    /// After decryption, before the held-back plaintext is returned.
    AfterFinish,
}

impl Custodian {
    /// Open an envelope (binary or armored) for the purpose stated in `request`.
    ///
    /// The policy gate runs on the header before any key is touched; then the data key is unwrapped with whichever
    /// of this keyring's keys has a stanza; then commitment, header MAC, the required signer
    /// ([`OpenRequest::require_signer`]) and every chunk are checked. The open (and any exception used) is recorded before the plaintext is returned; if it cannot be
    /// recorded, the plaintext is wiped and [`Error::AuditWrite`] returned.
    ///
    /// # Errors
    /// Refusals ([`Error::PurposeNotPermitted`], [`Error::Expired`], [`Error::JurisdictionNotPermitted`],
    /// [`Error::ClearanceInsufficient`], [`Error::NotOnCase`], [`Error::RoleNotPermitted`] and
    /// [`Error::ApprovalRequired`] under an access policy, [`Error::KeyDestroyed`], [`Error::SignerMismatch`]), format and
    /// authentication errors ([`Error::OpenFailed`], [`Error::NoMatchingRecipient`], ...), [`Error::AuditWrite`].
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
    /// let request = OpenRequest::new(jan.clone(), Purpose::parse("investigation")?);
    /// let opened = custodian.open(&request, &envelope)?;
    /// assert_eq!(opened.data.expose_secret().as_slice(), b"IBAN NL91ABNA0417164300");
    /// // A purpose the envelope was not sealed for is a typed refusal, recorded in the audit log.
    /// let other = OpenRequest::new(jan.clone(), Purpose::parse("asset_recovery")?);
    /// assert_eq!(custodian.open(&other, &envelope).unwrap_err().kind(), ErrorKind::PurposeNotPermitted);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn open(&self, request: &OpenRequest, envelope: &[u8]) -> Result<Opened> {
        self.open_with(request, format::parse_header(envelope), Record::AfterFinish, |h, dk, s| {
            Ok(format::open_payload(h, dk, envelope, s)?.plaintext)
        })
    }

    /// [`Custodian::open`] with the plaintext decrypted straight into the caller's `out` (no allocation, no copy):
    /// `data` is the plaintext length. `out` must hold [`format::plaintext_len`] bytes: a smaller one is refused with
    /// [`Error::BufferTooSmall`] before the policy gate (no key touched, nothing recorded, nothing written). The
    /// plaintext in `out` is the caller's to wipe; on any error no plaintext is left there (bytes written are
    /// zeroized, also when the open could not be recorded).
    ///
    /// # Errors
    /// As [`Custodian::open`], and [`Error::BufferTooSmall`].
    pub fn open_to_slice(&self, request: &OpenRequest, envelope: &[u8], out: &mut [u8]) -> Result<Opened<usize>> {
        let needed = format::plaintext_len(envelope)?;
        let given = out.len();
        let dst = usize::try_from(needed)
            .ok()
            .and_then(|n| out.get_mut(..n))
            .ok_or(Error::BufferTooSmall { needed, given: given as u64 })?;
        let n = dst.len();
        let r = self.open_with(request, format::parse_header(envelope), Record::AfterFinish, |h, dk, s| {
            format::open_payload_to_slice(h, dk, envelope, s, dst)?;
            Ok(n)
        });
        if r.is_err() {
            // Whatever was decrypted before the failure (say, the open could not be recorded) is taken back.
            zeroize::Zeroize::zeroize(&mut out[..n]);
        }
        r
    }

    /// Open the envelope that `src` yields, writing plaintext to `dst` chunk by chunk in constant memory.
    ///
    /// Each chunk is written only after it authenticates. A signature (if any) covers the whole payload and is
    /// checked at the end: on any error, discard what `dst` received.
    ///
    /// # Errors
    /// As [`Custodian::open`], and [`Error::Io`].
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
    /// let request = OpenRequest::new(jan.clone(), Purpose::parse("investigation")?);
    /// let mut plaintext = Vec::new();
    /// custodian.open_stream(&request, &mut envelope.as_slice(), &mut plaintext)?;
    /// assert_eq!(plaintext, b"IBAN NL91ABNA0417164300");
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn open_stream(&self, request: &OpenRequest, src: &mut dyn Read, dst: &mut dyn Write) -> Result<Opened<()>> {
        let header = format::read_header(src);
        // Plaintext reaches `dst` during the call, so the open is recorded before the first chunk is written.
        self.open_with(request, header, Record::BeforeFinish, |h, dk, s| {
            format::open_stream(h, dk, src, dst, s).map(drop)
        })
    }

    /// Open a seekable envelope for random access: the returned reader decrypts only the chunks a read touches,
    /// each after it authenticates. `src` must be positioned at the start of the envelope. The open is recorded
    /// before the reader is returned.
    ///
    /// The reader reads `src` again on every seek, so a source changed while open (by a co-recipient, who knows the
    /// data key) is caught: each re-read chunk must match a fingerprint kept when it was verified, or the read fails
    /// with an [`std::io::Error`] wrapping [`Error::EnvelopeChanged`] (see [`format::Reader`]; 16 bytes of memory
    /// per chunk).
    ///
    /// # Errors
    /// As [`Custodian::open`], and [`Error::Io`].
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
    /// use std::io::{Read, Seek, SeekFrom};
    /// let request = OpenRequest::new(jan.clone(), Purpose::parse("investigation")?);
    /// let mut reader = custodian.open_seekable(&request, std::io::Cursor::new(&envelope))?.data;
    /// reader.seek(SeekFrom::Start(5))?;
    /// let mut iban = String::new();
    /// reader.read_to_string(&mut iban)?;
    /// assert_eq!(iban, "NL91ABNA0417164300");
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn open_seekable<R: Read + Seek>(
        &self,
        request: &OpenRequest,
        mut src: R,
    ) -> Result<Opened<format::Reader<R>>> {
        let header = format::read_header(&mut src);
        self.open_with(request, header, Record::AfterFinish, |h, dk, s| format::Reader::new(h, dk, src, s))
    }

    /// The one open path: header parsed -> policy gate (refusals recorded) -> unwrap with this keyring's keys ->
    /// `finish` (authenticate and decrypt). The open is recorded durably before the caller can see plaintext:
    /// after `finish` when it holds the plaintext back (dropped, and so wiped, if the record fails), before it when
    /// it hands plaintext out as it goes. Any failure after the gate is recorded too. A `finish` that succeeds has
    /// verified the header's signature (if any), so the result names its signer.
    fn open_with<T>(
        &self,
        request: &OpenRequest,
        header: Result<format::Header>,
        when: Record,
        finish: impl FnOnce(&format::Header, &DataKey, Option<&VerifyingKey>) -> Result<T>,
    ) -> Result<Opened<T>> {
        self.open_as(request, header, when, PayloadType::Bytes, finish, |_| Vec::new())
    }

    /// [`Custodian::open_with`] for an envelope whose payload must be `expected` (another is the caller's mistake:
    /// [`Error::InvalidArgument`] before the gate, not recorded), recording `details` of what `finish` returned with
    /// the open (only when the open is recorded after `finish`).
    pub(super) fn open_as<T>(
        &self,
        request: &OpenRequest,
        header: Result<format::Header>,
        when: Record,
        expected: PayloadType,
        finish: impl FnOnce(&format::Header, &DataKey, Option<&VerifyingKey>) -> Result<T>,
        details: impl FnOnce(&T) -> Vec<(&'static str, String)>,
    ) -> Result<Opened<T>> {
        let _op = self.operation();
        let header = header.map_err(|e| self.record_failure(request, None, e))?;
        match (header.metadata().payload_type, expected) {
            (PayloadType::Record, PayloadType::Bytes) => {
                return Err(Error::InvalidArgument("a record envelope opens field by field: use open_record".into()));
            }
            (found, wanted) if found != wanted => {
                return Err(Error::InvalidArgument("not a record envelope: use open".into()));
            }
            _ => {}
        }
        let decision = self.decide(request, &header)?;
        let result = (|| {
            let ring = self.read()?;
            let signer = request.required_signer.as_ref().map(|id| verifying_key(ring.body(), id)).transpose()?;
            let dk = self.unwrap(ring.body(), &header)?;
            drop(ring);
            if when == Record::BeforeFinish {
                self.record_open(request, &header, &decision, Vec::new())?;
            }
            let value = finish(&header, &dk, signer.as_ref())?;
            Ok((value, dk.recipient(), dk.sender().map(|s| s.id())))
        })();
        let (data, recipient, sender) = result.map_err(|e| match e {
            Error::AuditWrite(_) => e,
            e => self.record_failure(request, Some(&header), e),
        })?;
        if when == Record::AfterFinish {
            self.record_open(request, &header, &decision, details(&data))?;
        }
        Ok(Opened {
            data,
            info: EnvelopeInfo::from_header(&header),
            decision,
            recipient,
            signer: header.signer().map(|v| v.id()),
            sender,
        })
    }

    /// Read an envelope's bound metadata without opening it (no key, no policy decision, not audited).
    ///
    /// # Errors
    /// Format errors.
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
    /// // Reads the bound metadata only: no key is touched, nothing is decrypted.
    /// let info = custodian.inspect(&envelope)?;
    /// assert_eq!(info.purposes.to_string(), "investigation");
    /// assert_eq!(info.recipients, vec![team_key]);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn inspect(&self, envelope: &[u8]) -> Result<EnvelopeInfo> {
        Ok(EnvelopeInfo::from_header(&format::parse_header(envelope)?))
    }

    /// How many times this custodian has tried to unwrap a data key. Lets a host (and the tests) confirm that a
    /// refused open never touched a key.
    #[must_use]
    pub fn unwrap_attempts(&self) -> u64 {
        self.unwraps.load(Ordering::Relaxed)
    }

    /// The gate under the access policy in force, on the envelope's terms as its embedded grants extend them (each
    /// verified first: a grant that does not verify fails the open, typed; an expired one adds nothing), then four
    /// eyes (all before any key is touched); a refusal is recorded before it is returned.
    fn decide(&self, request: &OpenRequest, header: &format::Header) -> Result<Decision> {
        let view = GrantView::check(header, &[], self.clock.now())
            .map_err(|e| self.record_failure(request, Some(header), e))?;
        let access = self.access_policy();
        let terms = view.terms(header);
        let decided = self
            .gate
            .decide_under(&terms, &view.extensions, request, access.as_deref())
            .and_then(|d| {
                policy::check_four_eyes(access.as_deref(), &terms, header.object_id(), request, &d, d.at)?;
                Ok(d)
            })
            .map_err(|refusal| view.explain(refusal, Some(&request.purpose), &request.actor));
        match decided {
            Ok(d) => Ok(d),
            Err(refusal) => {
                let ev = self.audited_open(AuditEvent::refused(&refusal), request, header);
                self.record(ev)?;
                Err(refusal)
            }
        }
    }

    fn record_open(
        &self,
        request: &OpenRequest,
        header: &format::Header,
        decision: &Decision,
        details: Vec<(&'static str, String)>,
    ) -> Result<()> {
        if let Some(ex) = decision.used_exception() {
            let mut ev = self.audited_open(AuditEvent::new(EventKind::ExceptionUsed).exception(ex), request, header);
            // An approval is recorded only where four eyes required it: then `decide` has verified it.
            let required = self.access_policy().is_some_and(|a| a.requires_approval(header.metadata().category));
            if let (true, Some(approval)) = (required, &request.approval) {
                ev = ev.detail("approver", approval.approver()).detail("approval", &approval.hash_hex()?);
            }
            self.record(ev)?;
        }
        let mut ev = self.audited_open(AuditEvent::new(EventKind::Opened), request, header);
        match &decision.basis {
            Basis::Purpose(p) => ev = ev.detail("granted_by", p.as_str()),
            Basis::Extended { purpose, grant } => {
                ev = ev.detail("granted_by", purpose.as_str()).detail("grant", &grant.to_string());
            }
            _ => {}
        }
        for (k, v) in details {
            ev = ev.detail(k, &v);
        }
        self.record(ev)
    }

    /// Record a failed open (bad input, wrong key, tampering) and hand back the error, or the audit failure.
    fn record_failure(&self, request: &OpenRequest, header: Option<&format::Header>, e: Error) -> Error {
        let base = if e.is_refusal() {
            AuditEvent::refused(&e)
        } else {
            AuditEvent::new(EventKind::Opened).outcome(Outcome::from_error(&e))
        };
        let ev = match header {
            Some(h) => self.audited_open(base, request, h),
            None => base.actor(&request.actor).purpose(&request.purpose),
        };
        match self.record(ev) {
            Ok(()) => e,
            Err(audit) => audit,
        }
    }

    /// Unwrap the data key with the first key that has a stanza in `header`: `keys` (this custodian's keyring)
    /// first, then, for a stanza the keyring does not hold, the extra providers ([`CustodianOptions::providers`]).
    /// Counts every attempt that reached a held, live key. Called only after the policy gate allowed the operation.
    ///
    /// [`CustodianOptions::providers`]: super::CustodianOptions::providers
    /// A per-case key wrapped by a provider ([`CustodianOptions::case_keys`]) is taken from the case-key cache, whose
    /// every use is checked against the record as `keys` holds it now.
    ///
    /// [`CustodianOptions::case_keys`]: super::CustodianOptions::case_keys
    pub(super) fn unwrap(&self, keys: &KeyringBody, header: &format::Header) -> Result<DataKey> {
        let mut destroyed: Option<Error> = None;
        let mut failure: Option<Error> = None;
        for stanza in header.stanzas() {
            let mut answer = match keys.get(&stanza.key_id()) {
                Some(rec)
                    if rec.wrapped_by.is_some()
                        && rec.kind == KeyKind::Kek
                        && stanza.kind() == format::StanzaKind::Kek =>
                {
                    match self.case_keys.kek(rec, self.clock.now()) {
                        Err(e @ Error::KeyDestroyed { .. }) => StanzaUnwrap::Destroyed(e),
                        Err(e) => StanzaUnwrap::Tried(Err(e)),
                        Ok(kek) => StanzaUnwrap::Tried(format::unwrap_with_kek(header, &kek)),
                    }
                }
                _ => keys.unwrap_stanza(header, stanza),
            };
            if matches!(answer, StanzaUnwrap::NotMine) && !self.providers.is_empty() {
                answer = self.providers.unwrap_stanza(header, stanza);
            }
            match answer {
                StanzaUnwrap::NotMine => {}
                StanzaUnwrap::Destroyed(e) => {
                    destroyed.get_or_insert(e);
                }
                StanzaUnwrap::WrongKind => {
                    self.unwraps.fetch_add(1, Ordering::Relaxed);
                }
                StanzaUnwrap::Tried(attempt) => {
                    self.unwraps.fetch_add(1, Ordering::Relaxed);
                    match attempt {
                        Ok(dk) => return Ok(dk),
                        Err(e) => failure = Some(e),
                    }
                }
            }
        }
        Err(failure.or(destroyed).unwrap_or(Error::NoMatchingRecipient))
    }
}

impl Custodian {
    /// [`open_event`] with the transfer record: the envelope's origin, destinations and instrument, and the
    /// authorities and jurisdictions of its recipients as this keyring knows them. A closed custodian records
    /// nothing anyway, so the record is then left without them.
    fn audited_open(&self, base: AuditEvent, request: &OpenRequest, header: &format::Header) -> AuditEvent {
        let ev = open_event(base, request, header);
        let m = header.metadata();
        let recipients: Vec<KeyId> = header.stanzas().iter().map(format::Stanza::key_id).collect();
        let record = TransferRecord {
            origin: m.origin,
            destinations: &m.destinations,
            instrument: m.instrument.as_ref(),
            recipients: &recipients,
        };
        match self.read() {
            Ok(ring) => record.add_to(ring.body(), ev),
            Err(_) => ev,
        }
    }
}

fn open_event(base: AuditEvent, request: &OpenRequest, header: &format::Header) -> AuditEvent {
    let m = header.metadata();
    let mut ev = base
        .actor(&request.actor)
        .object(header.object_id())
        .category(m.category)
        .classification(m.classification)
        .purposes(&m.purposes)
        .purpose(&request.purpose)
        .keys(header.stanzas().iter().map(format::Stanza::key_id));
    if let Some(c) = header.case_ref() {
        ev = ev.case(c);
    }
    if let Some(ex) = &request.exception {
        ev = ev.exception(ex);
    }
    ev
}
