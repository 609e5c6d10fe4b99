//! Sealing through the facade: a value or a stream into an envelope for the recipients of [`SealOptions`], after the
//! policy gate has cleared the actor for the data, recorded as `sealed`. A seal whose audit event cannot be written
//! fails, and an in-memory envelope is then discarded.

use std::io::{self, Read, Write};
use zeroize::Zeroize;

use super::transfer::{TransferRecord, check_seal_recipients};
use super::{Custodian, ResolvedRecipients, hex, signer_for, x25519_identity};
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::format::{self, LegalInstrument, Metadata};
use crate::vocabulary::KeyId;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::purpose::PurposeSet;
use crate::vocabulary::sensitive::{Classification, DataTag, Sensitive};
use crate::vocabulary::time::{Clock, Timestamp};
use crate::vocabulary::{Actor, CaseRef};

/// What to seal for whom, beyond the data itself.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SealOptions {
    /// Purposes the data may be opened for (at least one).
    pub purposes: PurposeSet,
    /// Raise the classification above the data's own ([`Sensitive::tag`] or the given [`DataTag`]; never lower it).
    pub classification: Option<Classification>,
    /// The case the data belongs to.
    pub case_ref: Option<CaseRef>,
    /// The legal instrument of the transfer (treaty, European Investigation Order, ...).
    pub instrument: Option<LegalInstrument>,
    /// Where the data comes from; defaults to the sealing actor's jurisdiction.
    pub origin: Option<Jurisdiction>,
    /// Where it may be opened (with the origin).
    pub destinations: Vec<Jurisdiction>,
    /// When it expires.
    pub not_after: Option<Timestamp>,
    /// Who can open it: ids of keys in the keyring (own KEKs and key pairs, imported public keys).
    pub recipients: Vec<KeyId>,
    /// An own X25519 identity: X25519 recipients then learn and authenticate the sender (HPKE auth mode).
    pub sender: Option<KeyId>,
    /// An own Ed25519 key to sign the envelope with.
    pub signer: Option<KeyId>,
    /// Payload chunk size (default 64 KiB).
    pub chunk_size: Option<u32>,
    /// Return the envelope in its armored text form.
    pub armor: bool,
}

impl SealOptions {
    /// Options for `purposes` and `recipients`, everything else default.
    #[must_use]
    pub fn new(purposes: PurposeSet, recipients: Vec<KeyId>) -> Self {
        Self { purposes, recipients, ..Self::default() }
    }
}

/// What every seal verb returns: the envelope's summary, and the envelope itself where the verb returns it.
///
/// `envelope` holds the envelope's bytes for [`Custodian::seal`] (armored text if [`SealOptions::armor`]), and is
/// `()` (the default) for [`Custodian::seal_stream`] and [`Custodian::seal_file`], which write it to their
/// destination.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sealed<E = ()> {
    /// The envelope, for [`Custodian::seal`].
    pub envelope: E,
    /// The envelope's object id, lowercase hex.
    pub object_id: String,
    /// Plaintext bytes sealed.
    pub plaintext_len: u64,
    /// Its recipients.
    pub recipients: Vec<KeyId>,
}

impl Custodian {
    /// Seal a sensitive value into an envelope for the recipients in `options`, and record it.
    ///
    /// The envelope carries the value's category and classification (raised by `options.classification` if given)
    /// and every bound field of `options`. The origin defaults to the actor's jurisdiction.
    ///
    /// # Errors
    /// [`Error::NoPurpose`]; [`Error::ClearanceInsufficient`] when the actor is not cleared for the data;
    /// [`Error::TransferRefused`], [`Error::LegalBasisRequired`] when the access policy's transfer rules refuse a
    /// destination (recorded as `refused`, operation `seal`);
    /// [`Error::KeyNotFound`], [`Error::KeyState`] (a decrypt-only key cannot seal), [`Error::KeyDestroyed`] for a
    /// recipient, sender or signer; before any key is read, each recorded as a `refused` seal:
    /// [`Error::KeyCompromised`] (a recipient, sender or signer marked compromised), [`Error::KeyRevoked`],
    /// [`Error::KeyNotValid`] (outside the key's validity period), and for another authority's key
    /// [`Error::RecipientJurisdictionUnknown`], [`Error::DestinationRequired`] (no destinations) or
    /// [`Error::RecipientNotPermitted`] (its jurisdiction is not among the destinations); [`Error::AuditWrite`] (the
    /// envelope is then discarded).
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
    /// let records = Sensitive::new(b"IBAN NL91ABNA0417164300".to_vec(), Category::FinancialRecords);
    /// let mut options = SealOptions::new(PurposeSet::parse(&["investigation", "prosecution"])?, vec![team_key]);
    /// options.case_ref = Some("MLA-2026-0042".parse()?);
    /// let sealed = custodian.seal(&jan, &records, &options)?;
    /// assert_eq!(custodian.inspect(&sealed.envelope)?.category, Category::FinancialRecords);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn seal<T: AsRef<[u8]> + Zeroize>(
        &self,
        actor: &Actor,
        data: &Sensitive<T>,
        options: &SealOptions,
    ) -> Result<Sealed<Vec<u8>>> {
        let plaintext = data.expose_secret().as_ref();
        // In memory: one allocation of the envelope's exact size, chunks sealed in parallel when large.
        let mut sealed = self.seal_with(actor, data.tag(), options, |fopts| {
            let out = format::seal(plaintext, fopts)?;
            let id = format::sealed_object_id(&out)?;
            Ok((out, id, plaintext.len() as u64))
        })?;
        if options.armor {
            sealed.envelope = format::armor(&sealed.envelope).into_bytes();
        }
        Ok(sealed)
    }

    /// Seal everything `src` yields into `dst` as one envelope, in constant memory, and record it. Returns the
    /// envelope's summary. `tag` is the data's category and classification, as [`Sensitive::tag`] gives them for
    /// [`Custodian::seal`]. `options.armor` is ignored (streams are binary).
    ///
    /// # Errors
    /// As [`Custodian::seal`], and [`Error::Io`].
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
    /// let tag = DataTag::new(Category::Evidence, Classification::Confidential);
    /// let options = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![team_key]);
    /// let (mut src, mut dst) = (&b"a large evidence file, read in chunks"[..], Vec::new());
    /// let sealed = custodian.seal_stream(&jan, tag, &options, &mut src, &mut dst)?;
    /// assert_eq!(sealed.object_id, custodian.inspect(&dst)?.object_id);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn seal_stream(
        &self,
        actor: &Actor,
        tag: DataTag,
        options: &SealOptions,
        src: &mut dyn Read,
        dst: &mut dyn Write,
    ) -> Result<Sealed> {
        self.seal_with(actor, tag, options, |fopts| {
            // Seal into the destination through a capturing writer, so the summary knows the object id.
            let mut head = HeaderCapture::new(dst);
            let len = format::seal_stream(src, &mut head, fopts)?;
            Ok(((), format::sealed_object_id(head.captured())?, len))
        })
    }

    /// The checks, key resolution and audit record around a seal; `run` seals with the format options and returns
    /// its output, the envelope's object id and the plaintext length.
    fn seal_with<T>(
        &self,
        actor: &Actor,
        tag: DataTag,
        options: &SealOptions,
        run: impl FnOnce(&format::EnvelopeOptions<'_>) -> Result<(T, [u8; format::OBJECT_ID_LEN], u64)>,
    ) -> Result<Sealed<T>> {
        self.seal_with_details(actor, tag, options, &[], run)
    }

    /// [`Custodian::seal_with`], recording `extra` details with the seal.
    pub(super) fn seal_with_details<T>(
        &self,
        actor: &Actor,
        tag: DataTag,
        options: &SealOptions,
        extra: &[(&'static str, String)],
        run: impl FnOnce(&format::EnvelopeOptions<'_>) -> Result<(T, [u8; format::OBJECT_ID_LEN], u64)>,
    ) -> Result<Sealed<T>> {
        let _op = self.operation();
        let DataTag { category, classification } = tag;
        let classification = options.classification.map_or(classification, |c| c.max(classification));
        category.check(classification)?;
        if actor.clearance() < classification {
            return Err(Error::ClearanceInsufficient { required: classification, held: actor.clearance() });
        }
        if options.purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        if options.recipients.is_empty() {
            return Err(Error::InvalidArgument("at least one recipient is required".into()));
        }
        let now = self.clock.now();
        let mut meta = Metadata::new(category, options.purposes.clone(), now);
        meta.classification = classification;
        meta.case_ref = options.case_ref.clone();
        meta.instrument = options.instrument.clone();
        meta.origin = Some(options.origin.unwrap_or_else(|| actor.jurisdiction()));
        meta.destinations = options.destinations.clone();
        meta.not_after = options.not_after;
        if let Some(cs) = options.chunk_size {
            meta.chunk_size = cs;
        }

        self.check_transfer_rules(actor, &meta, options)?;

        let ring = self.read()?;
        let record = TransferRecord {
            origin: meta.origin,
            destinations: &meta.destinations,
            instrument: meta.instrument.as_ref(),
            recipients: &options.recipients,
        };
        // The transfer is checked before any key is read: who may receive it, and where it may go. Sender and signer
        // are checked (compromised, decrypt-only, destroyed) before their secrets are read.
        let checked = (|| {
            check_seal_recipients(ring.body(), &options.recipients, &meta.destinations, now)?;
            let sender = options.sender.map(|id| x25519_identity(ring.body(), &id)).transpose()?;
            let signer = options.signer.map(|id| signer_for(ring.body(), &id, &self.signers)).transpose()?;
            Ok((sender, signer))
        })();
        let (sender, signer) = match checked {
            Ok(v) => v,
            Err(e) => {
                let mut ev = record
                    .add_to(ring.body(), AuditEvent::refused(&e))
                    .actor(actor)
                    .category(category)
                    .classification(classification)
                    .purposes(&options.purposes)
                    .keys(options.recipients.iter().copied())
                    .detail("operation", "seal");
                if let Some(c) = &options.case_ref {
                    ev = ev.case(c);
                }
                drop(ring);
                // Only the refusals of this step are recorded; a mistyped key id is the caller's error.
                if e.is_refusal() || matches!(e, Error::KeyNotValid { .. }) {
                    self.record(ev)?;
                }
                return Err(e);
            }
        };
        let keys = ResolvedRecipients::resolve(
            ring.body(),
            &self.providers,
            &self.case_keys,
            self.clock.now(),
            &options.recipients,
        )?;
        let details = record.add_to(ring.body(), AuditEvent::new(EventKind::Sealed));
        drop(ring);

        let mut fopts = format::EnvelopeOptions::new(meta.clone(), keys.recipients());
        if let Some(s) = &sender {
            fopts = fopts.with_sender(s);
        }
        if let Some(s) = &signer {
            fopts = fopts.with_signer(s);
        }
        let (output, object_id, len) = run(&fopts)?;
        let mut ev = details
            .actor(actor)
            .object(&object_id)
            .category(category)
            .classification(classification)
            .purposes(&options.purposes)
            .keys(options.recipients.iter().copied())
            .detail("bytes", &len.to_string());
        if let Some(c) = &options.case_ref {
            ev = ev.case(c);
        }
        if let Some(s) = options.signer {
            ev = ev.detail("signer", &s.to_string());
        }
        for (k, v) in extra {
            ev = ev.detail(k, v);
        }
        self.record(ev)?;
        Ok(Sealed {
            envelope: output,
            object_id: hex(&object_id),
            plaintext_len: len,
            recipients: options.recipients.clone(),
        })
    }
}

impl Custodian {
    /// The access policy's transfer rules for each destination of a new envelope (other than its origin), before any
    /// key is resolved; a refusal is recorded (`refused`, operation `seal`).
    fn check_transfer_rules(&self, actor: &Actor, meta: &Metadata, options: &SealOptions) -> Result<()> {
        let Some(access) = self.access_policy() else { return Ok(()) };
        let basis = meta.instrument.as_ref().and_then(LegalInstrument::transfer_basis);
        let checked =
            meta.destinations.iter().try_for_each(|d| access.check_transfer(meta.category, meta.origin, *d, basis));
        if let Err(e) = checked {
            let mut ev = AuditEvent::refused(&e)
                .actor(actor)
                .category(meta.category)
                .classification(meta.classification)
                .purposes(&options.purposes)
                .keys(options.recipients.iter().copied())
                .detail("operation", "seal")
                .detail(
                    "destinations",
                    &meta.destinations.iter().map(Jurisdiction::as_str).collect::<Vec<_>>().join(" "),
                );
            if let Some(c) = &options.case_ref {
                ev = ev.case(c);
            }
            self.record(ev)?;
            return Err(e);
        }
        Ok(())
    }
}

/// A writer that passes everything through and keeps the first bytes (the header) for the summary.
struct HeaderCapture<'a> {
    inner: &'a mut dyn Write,
    head: Vec<u8>,
}

impl<'a> HeaderCapture<'a> {
    fn new(inner: &'a mut dyn Write) -> Self {
        Self { inner, head: Vec::new() }
    }

    fn captured(&self) -> &[u8] {
        &self.head
    }
}

impl Write for HeaderCapture<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        // The header is written first and is at most MAX_HEADER_LEN bytes; keep that much (no plaintext is ever
        // written in the clear, so nothing secret is kept).
        let room = format::MAX_HEADER_LEN.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
