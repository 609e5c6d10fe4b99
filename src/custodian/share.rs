//! Re-wrapping and sharing through the facade: change an envelope's recipients without touching its payload (for a
//! stated purpose, through the policy gate), move stanzas off rotated keys, and do either over a batch of files or
//! buffers. Every re-wrap and refusal is recorded.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;

use super::grants::{GrantView, grant_details, is_originator};
use super::transfer::{TransferRecord, check_usable_at};
use super::{Custodian, ResolvedRecipients, replace_file};
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::exchange::{Grant, GrantScope};
use crate::format;
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody};
use crate::policy::{self, Basis, Decision, NewRecipient, RewrapRequest, Speciality};
use crate::vocabulary::Actor;
use crate::vocabulary::KeyId;
use crate::vocabulary::purpose::Purpose;

/// One envelope of a batch re-wrap.
#[derive(Debug)]
#[non_exhaustive]
pub enum RewrapItem {
    /// An envelope file, rewritten in place atomically.
    File(PathBuf),
    /// An envelope in memory.
    Bytes(Vec<u8>),
}

/// What a batch re-wrap does to each envelope.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "plan", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RewrapPlan {
    /// Replace every stanza for a rotated key by one for its newest successor.
    Rotated,
    /// Remove these recipients and add those, for a stated purpose (see [`Custodian::rewrap`]).
    Change {
        /// The purpose the re-wrap is done for.
        purpose: Purpose,
        /// Key ids whose stanzas are removed.
        remove: Vec<KeyId>,
        /// Key ids for which stanzas are added.
        add: Vec<KeyId>,
    },
}

/// What [`Custodian::rewrap_with`] does: the stated purpose, the recipients removed and added, and the originator's
/// grants applied with it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RewrapOptions {
    /// The purpose the re-wrap is done for.
    pub purpose: Purpose,
    /// Key ids whose stanzas are removed.
    pub remove: Vec<KeyId>,
    /// Key ids for which stanzas are added.
    pub add: Vec<KeyId>,
    /// Grants of the envelope's originator to apply: each must verify for this envelope (its object id, its
    /// signer, unexpired), and all are written into the re-issued envelope's header. An onward transfer grant
    /// naming an added key of another authority is what lets a custodian that is not the originator share.
    pub grants: Vec<Grant>,
}

impl RewrapOptions {
    /// A re-wrap for `purpose` that adds `add`, removes nothing and applies no grant.
    #[must_use]
    pub fn new(purpose: Purpose, add: Vec<KeyId>) -> Self {
        Self { purpose, remove: Vec::new(), add, grants: Vec::new() }
    }

    /// The same, removing `remove`.
    #[must_use]
    pub fn remove(mut self, remove: Vec<KeyId>) -> Self {
        self.remove = remove;
        self
    }

    /// The same, applying `grant` too.
    #[must_use]
    pub fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }
}

/// The result of re-wrapping one batch item.
#[derive(Debug)]
#[non_exhaustive]
pub enum RewrapOutput {
    /// The file was rewritten (or needed no change).
    File(PathBuf),
    /// The re-wrapped envelope.
    Bytes(Vec<u8>),
}

/// The audit names of the re-wrap operations (detail `operation`).
const REWRAP: &str = "rewrap";
const SHARE: &str = "share";
const REWRAP_ROTATED: &str = "rewrap_rotated";

/// What one re-wrap does: move stanzas off rotated keys (clearance only), or a change for a stated purpose.
#[derive(Clone, Copy)]
enum RewrapAct<'a> {
    Rotated { remove: &'a [KeyId], add: &'a [KeyId] },
    Change { purpose: &'a Purpose, remove: &'a [KeyId], add: &'a [KeyId], grants: &'a [Grant] },
}

impl<'a> RewrapAct<'a> {
    fn remove(self) -> &'a [KeyId] {
        match self {
            Self::Rotated { remove, .. } | Self::Change { remove, .. } => remove,
        }
    }

    fn add(self) -> &'a [KeyId] {
        match self {
            Self::Rotated { add, .. } | Self::Change { add, .. } => add,
        }
    }

    fn purpose(self) -> Option<&'a Purpose> {
        match self {
            Self::Rotated { .. } => None,
            Self::Change { purpose, .. } => Some(purpose),
        }
    }

    fn grants(self) -> &'a [Grant] {
        match self {
            Self::Rotated { .. } => &[],
            Self::Change { grants, .. } => grants,
        }
    }
}

/// The added keys as the gate sees them, from their public records: own (secret held) or another authority's.
fn new_recipients(body: &KeyringBody, add: &[KeyId]) -> Result<Vec<NewRecipient>> {
    add.iter()
        .map(|id| {
            let r = body.get(id).ok_or(Error::KeyNotFound(*id))?;
            if let KeyState::Destroyed { at, .. } = r.state {
                // A destroyed key kept no secret; it is neither ours to use nor another authority's to share with.
                return Err(Error::KeyDestroyed { key_id: *id, destroyed_at: at });
            }
            Ok(if r.has_secret() {
                NewRecipient::Own(*id)
            } else {
                NewRecipient::Authority { key_id: *id, jurisdiction: r.jurisdiction }
            })
        })
        .collect()
}

/// The rule of speciality for a custodian that is not the originator: which added keys of other authorities a
/// valid grant names (with the jurisdiction the key was imported with), and why the others have none.
fn speciality(header: &format::Header, view: &GrantView, add: &[NewRecipient]) -> Speciality {
    let mut granted = Vec::new();
    let mut refusals = Vec::new();
    for r in add {
        let NewRecipient::Authority { key_id, jurisdiction } = r else { continue };
        let named = view.onward.iter().filter(|(k, _, _)| k == key_id);
        let mut mismatch = None;
        for (_, j, grant) in named {
            if Some(*j) == *jurisdiction {
                granted.push((*key_id, *grant));
            } else {
                mismatch.get_or_insert_with(|| {
                    format!(
                        "grant {grant} names jurisdiction {j}, but the key was imported for {}",
                        jurisdiction.map_or_else(|| "no jurisdiction".to_owned(), |k| k.to_string())
                    )
                });
            }
        }
        if granted.iter().any(|(k, _)| k == key_id) {
            continue;
        }
        let expired = view
            .expired
            .iter()
            .find(|g| matches!(g.scope(), GrantScope::OnwardTransfer { key_id: k, .. } if k == key_id));
        if let Some(why) = mismatch {
            refusals.push((*key_id, why));
        } else if let Some(g) = expired {
            refusals.push((*key_id, format!("grant {} expired at {}", g.id(), g.not_after())));
        }
    }
    let no_originator = header.signer().is_none().then(|| {
        let origin = header.metadata().origin.map_or_else(|| "none".to_owned(), |o| o.to_string());
        format!(
            "the envelope is unsigned, so it has no originator that could grant an onward transfer; only a custodian \
             acting in its origin ({origin}) may share it"
        )
    });
    Speciality::Recipient { granted, refusals, no_originator }
}

/// The audit event of a re-wrap (or of its refusal).
fn rewrap_event(
    base: AuditEvent,
    actor: &Actor,
    header: &format::Header,
    act: RewrapAct<'_>,
    operation: &str,
) -> AuditEvent {
    let m = header.metadata();
    let mut ev = base
        .actor(actor)
        .object(header.object_id())
        .category(m.category)
        .classification(m.classification)
        .purposes(&m.purposes)
        .keys(act.add().iter().copied())
        .detail("operation", operation);
    if !act.remove().is_empty() {
        ev = ev.detail("removed", &act.remove().iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
    }
    if let Some(p) = act.purpose() {
        ev = ev.purpose(p);
    }
    if let Some(c) = header.case_ref() {
        ev = ev.case(c);
    }
    if !act.grants().is_empty() {
        let ids: Vec<String> = act.grants().iter().map(|g| g.id().to_string()).collect();
        let refs: Vec<&str> = act.grants().iter().map(Grant::reference).collect();
        ev = ev.detail("grant", &ids.join(" ")).detail("grant_reference", &refs.join("; "));
    }
    ev
}

impl Custodian {
    /// [`rewrap_event`] with the transfer record: the envelope's origin, destinations and instrument, and the
    /// authorities and jurisdictions of the keys added.
    fn rewrap_record(
        &self,
        base: AuditEvent,
        actor: &Actor,
        header: &format::Header,
        act: RewrapAct<'_>,
        operation: &str,
    ) -> Result<AuditEvent> {
        let m = header.metadata();
        let record = TransferRecord {
            origin: m.origin,
            destinations: &m.destinations,
            instrument: m.instrument.as_ref(),
            recipients: act.add(),
        };
        let ring = self.read()?;
        Ok(record.add_to(ring.body(), rewrap_event(base, actor, header, act, operation)))
    }
}

impl Custodian {
    /// Re-wrap an envelope for the stated `purpose`: remove the stanzas of `remove`, add stanzas for `add` (keys of
    /// this keyring, or imported public keys of other authorities: sharing). The payload bytes, the bound context
    /// and any signature are carried over unchanged. The result is binary.
    ///
    /// Re-wrapping unwraps the data key, so the policy gate runs on the header first, before any key is touched
    /// ([`PolicyGate::decide_rewrap`](crate::PolicyGate::decide_rewrap)): the actor's clearance, jurisdiction, the expiry and the purpose, which
    /// the envelope must grant (no exception authorizes a re-wrap). Adding another authority's key is an onward
    /// transfer and needs more: `purpose` lies under `mla.execution`, and the key was imported with a jurisdiction
    /// the envelope permits. A refusal is recorded as a `refused` event (detail `operation` `rewrap` or `share`);
    /// a re-wrap as `rewrapped`, or `shared` when it added another authority's key, with the purpose.
    ///
    /// # Errors
    /// Refusals: [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`],
    /// [`Error::PurposeNotPermitted`], [`Error::TransferNotPermitted`], [`Error::RecipientJurisdictionUnknown`],
    /// [`Error::RecipientNotPermitted`], [`Error::KeyDestroyed`], [`Error::KeyRevoked`] and [`Error::KeyCompromised`]
    /// for a key added, and under an access policy [`Error::NotOnCase`], [`Error::RoleNotPermitted`],
    /// [`Error::TransferRefused`], [`Error::LegalBasisRequired`] (transfer rules for the added authority's
    /// jurisdiction); [`Error::KeyNotValid`] for a key added outside its validity period (recorded too);
    /// [`Error::NoMatchingRecipient`] when no key here
    /// can unwrap the envelope; [`Error::KeyNotFound`]; [`Error::KeyState`] for a decrypt-only key added;
    /// [`Error::Conflict`] for a key removed that has no stanza ([`crate::ConflictReason::StanzaNotFound`]) or a key
    /// added that already has one ([`crate::ConflictReason::RecipientExists`]);
    /// [`Error::AuditWrite`].
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
    /// let colleague_key = custodian.generate_key(&jan, KeyKind::Kek, "second team key")?;
    /// // Re-wrapping passes the policy gate for the stated purpose, then adds a recipient; the payload is untouched.
    /// let purpose = Purpose::parse("investigation")?;
    /// let shared = custodian.rewrap(&jan, &purpose, &envelope, &[], &[colleague_key])?;
    /// assert_eq!(custodian.inspect(&shared)?.recipients.len(), 2);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn rewrap(
        &self,
        actor: &Actor,
        purpose: &Purpose,
        envelope: &[u8],
        remove: &[KeyId],
        add: &[KeyId],
    ) -> Result<Vec<u8>> {
        let _op = self.operation();
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let (mut out, at) =
            self.rewrap_header(actor, &header, RewrapAct::Change { purpose, remove, add, grants: &[] })?;
        out.extend_from_slice(&bin[at..]);
        Ok(out)
    }

    /// [`Custodian::rewrap`] with options, and the originator's grants to apply (rule of speciality).
    ///
    /// Who is the originator: the custodian holding the secret of the envelope's signer key; for an unsigned
    /// envelope, the custodian whose actor acts in the envelope's origin. The originator shares with authorities of
    /// the envelope's jurisdictions as [`Custodian::rewrap`] always did. Any other custodian adding another
    /// authority's key makes an onward transfer: it needs a grant of the envelope's signer naming that exact key
    /// and the jurisdiction the key was imported with, for this envelope, unexpired (offered here in
    /// `options.grants`, or already in the envelope's header); an unsigned envelope has no originator that could
    /// grant, so a non-originator cannot share it onward at all. The grants are verified before any key is
    /// touched; an onward transfer grant's jurisdiction joins the envelope's destinations, so the recipient can
    /// open. Every offered grant is written into the new envelope's header (field `grants`, see `docs/FORMAT.md`),
    /// and recorded as `grant_applied`; the `shared` or `rewrapped` entry names them too (details `grant`,
    /// `grant_reference`).
    ///
    /// # Errors
    /// As [`Custodian::rewrap`]; [`Error::OnwardTransferNotGranted`] (no valid grant names an added key, or an
    /// offered onward-transfer grant does not verify: the message says which), [`Error::PurposeExtensionNotGranted`]
    /// for an offered purpose extension that does not verify, [`Error::GrantInvalid`] for a malformed grant in the
    /// header.
    pub fn rewrap_with(&self, actor: &Actor, envelope: &[u8], options: &RewrapOptions) -> Result<Vec<u8>> {
        let _op = self.operation();
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let act = RewrapAct::Change {
            purpose: &options.purpose,
            remove: &options.remove,
            add: &options.add,
            grants: &options.grants,
        };
        let (mut out, at) = self.rewrap_header(actor, &header, act)?;
        out.extend_from_slice(&bin[at..]);
        Ok(out)
    }

    /// Re-wrap an envelope whose stanzas name rotated keys: each stanza for a key that was rotated is replaced by
    /// one for its newest successor. An envelope with no rotated key is returned unchanged (as binary).
    ///
    /// This needs only clearance for the data, no purpose, and works on expired data and for an actor outside the
    /// envelope's jurisdictions: the successor is this custodian's own key, so nobody gains access who did not have
    /// it, and rotation must be able to move every retained envelope off an old key before that key is destroyed.
    /// A refusal is recorded as a `refused` event with detail `operation` `rewrap_rotated`.
    ///
    /// # Errors
    /// [`Error::ClearanceInsufficient`]; otherwise as [`Custodian::rewrap`].
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
    /// let successor = custodian.rotate(&jan, &team_key)?;
    /// let rewrapped = custodian.rewrap_rotated(&jan, &envelope)?;
    /// assert_eq!(custodian.inspect(&rewrapped)?.recipients, vec![successor]);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn rewrap_rotated(&self, actor: &Actor, envelope: &[u8]) -> Result<Vec<u8>> {
        let _op = self.operation();
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let (remove, add) = self.rotation_plan(&header)?;
        if remove.is_empty() {
            return Ok(bin.into_owned());
        }
        let (mut out, at) = self.rewrap_header(actor, &header, RewrapAct::Rotated { remove: &remove, add: &add })?;
        out.extend_from_slice(&bin[at..]);
        Ok(out)
    }

    /// Re-wrap many envelopes, files or buffers; one bad (or refused) item does not stop the batch. Each item passes
    /// the gate as [`Custodian::rewrap`] or [`Custodian::rewrap_rotated`] would, and sees the keyring as it is when
    /// the item begins (a key destroyed elsewhere during the batch is refused from the next item on). `progress` is
    /// called on the caller's thread after each item with its index and result.
    pub fn rewrap_batch<I>(
        &self,
        actor: &Actor,
        items: I,
        plan: &RewrapPlan,
        progress: &mut dyn FnMut(usize, &Result<RewrapOutput>),
    ) -> Vec<Result<RewrapOutput>>
    where
        I: IntoIterator<Item = RewrapItem>,
    {
        let mut results = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let r = self.rewrap_item(actor, item, plan);
            progress(i, &r);
            results.push(r);
        }
        results
    }

    fn rewrap_item(&self, actor: &Actor, item: RewrapItem, plan: &RewrapPlan) -> Result<RewrapOutput> {
        // Each item is an operation of its own (one keyring staleness check each), not the batch: a key destroyed
        // elsewhere while a long batch runs is refused from the next item on.
        let _op = self.operation();
        match item {
            RewrapItem::Bytes(b) => {
                let out = match plan {
                    RewrapPlan::Rotated => self.rewrap_rotated(actor, &b)?,
                    RewrapPlan::Change { purpose, remove, add } => self.rewrap(actor, purpose, &b, remove, add)?,
                };
                Ok(RewrapOutput::Bytes(out))
            }
            RewrapItem::File(path) => {
                let mut f = File::open(&path)?;
                let header = format::read_header(&mut f)?;
                let rotation;
                let act = match plan {
                    RewrapPlan::Rotated => {
                        rotation = self.rotation_plan(&header)?;
                        if rotation.0.is_empty() {
                            return Ok(RewrapOutput::File(path));
                        }
                        RewrapAct::Rotated { remove: &rotation.0, add: &rotation.1 }
                    }
                    RewrapPlan::Change { purpose, remove, add } => {
                        RewrapAct::Change { purpose, remove, add, grants: &[] }
                    }
                };
                let (new_header, at) = self.rewrap_header(actor, &header, act)?;
                f.seek(SeekFrom::Start(u64::try_from(at).map_err(|_| Error::Internal("offset".into()))?))?;
                replace_file(&path, &new_header, &mut f)?;
                Ok(RewrapOutput::File(path))
            }
        }
    }

    /// For each stanza of a rotated key, the newest successor. Successors are always own keys with their secret
    /// (only a key held with its secret can be rotated), so a rotation never adds another authority's key.
    fn rotation_plan(&self, header: &format::Header) -> Result<(Vec<KeyId>, Vec<KeyId>)> {
        let ring = self.read()?;
        let mut remove = Vec::new();
        let mut add = Vec::new();
        for s in header.stanzas() {
            let Some(mut rec) = ring.body().get(&s.key_id()) else { continue };
            if rec.rotated_to.is_none() {
                continue;
            }
            // Follow the rotation chain to its newest key (bounded: a chain cannot be longer than the keyring).
            for _ in 0..ring.body().keys.len() {
                match rec.rotated_to.and_then(|n| ring.body().get(&n)) {
                    Some(next) => rec = next,
                    None => break,
                }
            }
            if rec.id != s.key_id() && !header.stanzas().iter().any(|t| t.key_id() == rec.id) && !add.contains(&rec.id)
            {
                remove.push(s.key_id());
                add.push(rec.id);
            }
        }
        Ok((remove, add))
    }

    /// The one re-wrap path: gate (refusals recorded) -> unwrap -> new stanzas -> record. Returns the new header and
    /// the offset where the old one ended.
    fn rewrap_header(&self, actor: &Actor, header: &format::Header, act: RewrapAct<'_>) -> Result<(Vec<u8>, usize)> {
        let (operation, decision) = self.authorize_rewrap(actor, header, act)?;
        let result = (|| {
            let ring = self.read()?;
            let dk = self.unwrap(ring.body(), header)?;
            let keys = ResolvedRecipients::resolve(
                ring.body(),
                &self.providers,
                &self.case_keys,
                self.clock.now(),
                act.add(),
            )?;
            drop(ring);
            let grants: Vec<Vec<u8>> = act.grants().iter().map(Grant::to_bytes).collect();
            Ok((format::reissue_header(header, &dk, act.remove(), &keys.recipients(), &grants)?, dk.recipient()))
        })();
        // A refusal past the gate (a destroyed key) is recorded like the gate's own.
        let result = result.or_else(|e: Error| {
            if e.is_refusal() {
                self.record(self.rewrap_record(AuditEvent::refused(&e), actor, header, act, operation)?)?;
            }
            Err(e)
        })?;
        let kind = if operation == SHARE { EventKind::Shared } else { EventKind::Rewrapped };
        let (result, unwrapped_with) = result;
        for g in act.grants() {
            let ev = self.rewrap_record(AuditEvent::new(EventKind::GrantApplied), actor, header, act, operation)?;
            self.record(grant_details(ev, g))?;
        }
        // Which key opened the data key: the breach report needs it for envelopes sealed elsewhere.
        let mut ev = self
            .rewrap_record(AuditEvent::new(kind), actor, header, act, operation)?
            .detail("unwrapped_with", &unwrapped_with.to_string());
        match decision.as_ref().map(|d| &d.basis) {
            Some(Basis::Purpose(p)) => ev = ev.detail("granted_by", p.as_str()),
            Some(Basis::Extended { purpose, grant }) => {
                ev = ev.detail("granted_by", purpose.as_str()).detail("extended_by", &grant.to_string());
            }
            _ => {}
        }
        self.record(ev)?;
        Ok(result)
    }

    /// The gate for a re-wrap. It reads the header and the added keys' public records only (no secret, no unwrap);
    /// a refusal is recorded before it is returned. Gives the operation's audit name and, for a change, the decision.
    fn authorize_rewrap(
        &self,
        actor: &Actor,
        header: &format::Header,
        act: RewrapAct<'_>,
    ) -> Result<(&'static str, Option<Decision>)> {
        let (operation, decided) = match act {
            RewrapAct::Rotated { .. } => {
                (REWRAP_ROTATED, policy::decide_rotation(&header.terms(), actor).map(|()| None))
            }
            RewrapAct::Change { purpose, add, grants, .. } => {
                let ring = self.read()?;
                let body = ring.body();
                let foreign = |r: &KeyRecord| !r.has_secret() && !matches!(r.state, KeyState::Destroyed { .. });
                let operation = if add.iter().any(|id| body.get(id).is_some_and(foreign)) { SHARE } else { REWRAP };
                let originator = is_originator(body, header, actor, &self.signers);
                // Nothing new reaches a compromised or revoked key, or one outside its validity period.
                let now = self.clock.now();
                let add = add
                    .iter()
                    .filter_map(|id| body.get(id))
                    .try_for_each(|r| check_usable_at(r, now))
                    .and_then(|()| new_recipients(body, add));
                drop(ring);
                let access = self.access_policy();
                let basis = header.metadata().instrument.as_ref().and_then(|i| i.transfer_basis());
                let decided = GrantView::check(header, grants, now).and_then(|view| {
                    let add = add?;
                    let speciality = if originator { Speciality::Originator } else { speciality(header, &view, &add) };
                    let request = RewrapRequest::new(actor.clone(), purpose.clone(), add).with_speciality(speciality);
                    let terms = view.terms(header);
                    policy::decide_rewrap_access_at(&terms, &view.extensions, &request, access.as_deref(), basis, now)
                        .map(Some)
                        .map_err(|e| view.explain(e, Some(purpose), actor))
                });
                (operation, decided)
            }
        };
        match decided {
            Ok(decision) => Ok((operation, decision)),
            Err(e) if e.is_refusal() || matches!(e, Error::KeyNotValid { .. }) => {
                self.record(self.rewrap_record(AuditEvent::refused(&e), actor, header, act, operation)?)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}
