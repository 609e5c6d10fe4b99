//! Key management through the facade: list, generate, case keys, export and import public keys, rotate, retention,
//! destroy, shred what is due, legal holds. Every change is recorded in the audit log; key material never leaves
//! the keyring except through the `danger-test-hooks` feature, which no release artefact enables.

use zeroize::Zeroizing;

use super::{Custodian, new_record};
use crate::audit::{AuditEvent, ErasureCertificate, EventKind};
use crate::error::{ConflictReason, Error, Result};
use crate::keys::keyring::{KeyMark, KeyRecord, KeyState, SecretBytes};
use crate::keys::{Kek, LegalHold, SigningKey, VerifyingKey, X25519Identity, X25519Recipient, text};
#[cfg(feature = "xwing")]
use crate::keys::{XWingIdentity, XWingRecipient};
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::time::{Clock, Timestamp};
use crate::vocabulary::{Actor, CaseRef};
use crate::vocabulary::{KeyId, KeyKind};

/// What a host may know about a key: everything but its secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct KeyInfo {
    /// Fingerprint.
    pub id: KeyId,
    /// Kind.
    pub kind: KeyKind,
    /// Label.
    pub label: String,
    /// State (with the tombstone's time and reason when destroyed).
    pub state: KeyState,
    /// When it was generated or imported.
    pub created: Timestamp,
    /// The case of a per-case key.
    pub case_ref: Option<CaseRef>,
    /// Retention deadline.
    pub destroy_after: Option<Timestamp>,
    /// The key this one replaced.
    pub rotated_from: Option<KeyId>,
    /// The key that replaced this one.
    pub rotated_to: Option<KeyId>,
    /// Whether this keyring holds the secret (false for imported public keys and destroyed keys).
    pub has_secret: bool,
    /// For another authority's key: the jurisdiction it was imported with (see [`Custodian::import_public`]).
    pub jurisdiction: Option<Jurisdiction>,
    /// For another authority's key: the authority's name (see [`Custodian::import_authority_key`]).
    pub authority: Option<String>,
    /// For another authority's key: nothing is sealed or shared to it before this time.
    pub not_before: Option<Timestamp>,
    /// For another authority's key: nothing is sealed or shared to it at or after this time.
    pub not_after: Option<Timestamp>,
    /// Revoked (another authority's key; see [`Custodian::revoke_key`]): who, when, why.
    pub revoked: Option<KeyMark>,
    /// Marked compromised (see [`Custodian::mark_compromised`]): who, when, why.
    pub compromised: Option<KeyMark>,
}

impl From<&KeyRecord> for KeyInfo {
    fn from(r: &KeyRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            label: r.label.clone(),
            state: r.state.clone(),
            created: r.created,
            case_ref: r.case_ref.clone(),
            destroy_after: r.destroy_after,
            rotated_from: r.rotated_from,
            rotated_to: r.rotated_to,
            has_secret: r.has_secret(),
            jurisdiction: r.jurisdiction,
            authority: r.authority.clone(),
            not_before: r.not_before,
            not_after: r.not_after,
            revoked: r.revoked.clone(),
            compromised: r.compromised.clone(),
        }
    }
}

/// Who holds another authority's key: the authority's name and jurisdiction, and optionally the period in which
/// data may be sealed or shared to the key. Built with [`KeyAuthority::new`] and the `valid_*` setters; given to
/// [`Custodian::import_authority_key`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyAuthority {
    /// The authority's name (`Bundesamt fuer Justiz`): 1 to 128 bytes of printable text, no `|`.
    pub name: String,
    /// Where it acts (ISO 3166-1 alpha-2).
    pub jurisdiction: Jurisdiction,
    /// Nothing is sealed or shared to the key before this time.
    pub not_before: Option<Timestamp>,
    /// Nothing is sealed or shared to the key at or after this time.
    pub not_after: Option<Timestamp>,
}

impl KeyAuthority {
    /// An authority by name and jurisdiction, with no validity period.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable name, or one containing `|` (the
    /// separator of names in the audit log's `recipient_authorities` detail).
    pub fn new(name: &str, jurisdiction: Jurisdiction) -> Result<Self> {
        crate::keys::keyring::check_authority(name)?;
        Ok(Self { name: name.to_owned(), jurisdiction, not_before: None, not_after: None })
    }

    /// Seal and share to the key only from `t` on.
    #[must_use]
    pub fn valid_from(mut self, t: Timestamp) -> Self {
        self.not_before = Some(t);
        self
    }

    /// Seal and share to the key only before `t`.
    #[must_use]
    pub fn valid_until(mut self, t: Timestamp) -> Self {
        self.not_after = Some(t);
        self
    }
}

/// What `shred_expired` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ShredReport {
    /// When the run happened.
    pub at: Timestamp,
    /// Keys destroyed by this run.
    pub destroyed: Vec<KeyId>,
    /// Keys due but kept because their case is under legal hold, with the hold's reference.
    pub held: Vec<(KeyId, String)>,
    /// The erasure certificate of each destroyed key, in the order of `destroyed`.
    pub certificates: Vec<ErasureCertificate>,
}

impl Custodian {
    /// Every key in the keyring, tombstones included.
    ///
    /// # Errors
    /// [`Error::CustodianClosed`] after [`Custodian::close`]; otherwise only if the keyring lock is poisoned.
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        Ok(self.read()?.body().keys.iter().map(KeyInfo::from).collect())
    }

    /// One key's public information.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`].
    pub fn key(&self, id: &KeyId) -> Result<KeyInfo> {
        let ring = self.read()?;
        ring.body().get(id).map(KeyInfo::from).ok_or(Error::KeyNotFound(*id))
    }

    /// Generate a new key of `kind` with a human `label`, and record it.
    ///
    /// # Errors
    /// Keyring write errors; [`Error::AuditWrite`].
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
    /// let kek = custodian.generate_key(&jan, KeyKind::Kek, "case team key")?;
    /// let exchange = custodian.generate_key(&jan, KeyKind::X25519, "NL central authority")?;
    /// // The public half of an exchange key is what another authority imports.
    /// assert!(custodian.export_public(&exchange)?.starts_with("custodia-x25519-public"));
    /// assert!(custodian.export_public(&kek).is_err());
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn generate_key(&self, actor: &Actor, kind: KeyKind, label: &str) -> Result<KeyId> {
        self.add_generated(actor, kind, label, None, None, None)
    }

    fn add_generated(
        &self,
        actor: &Actor,
        kind: KeyKind,
        label: &str,
        case_ref: Option<&CaseRef>,
        destroy_after: Option<Timestamp>,
        rotated_from: Option<KeyId>,
    ) -> Result<KeyId> {
        check_label(label)?;
        let mut record = generate_record(kind, label, self.clock.now())?;
        record.case_ref = case_ref.cloned();
        record.destroy_after = destroy_after;
        record.rotated_from = rotated_from;
        let id = record.id;
        // A per-case KEK under a configured wrapping: the keyring (the shared store) gets the provider's wrapping of
        // it, never the key in clear; the clear key is kept in the case-key cache only.
        let mut wrapped_by = None;
        if kind == KeyKind::Kek && case_ref.is_some() && self.case_keys.wrapping().is_some() {
            let clear = super::secret32(&record)?;
            let (kek, wrapped) = self.case_keys.wrap_new(id, &clear, self.clock.now())?;
            record.secret = Some(SecretBytes::new(Zeroizing::new(wrapped)));
            record.wrapped_by = Some(kek);
            wrapped_by = Some(kek);
        }
        // Decided again on the keyring as re-read under its file lock: another process may have rotated, destroyed
        // or retired the key, or made the case's key, since this one last read it.
        let existing = self.write()?.update(|b| {
            if let Some(old) = rotated_from {
                let prev = b.get_mut(&old).ok_or(Error::KeyNotFound(old))?;
                if prev.state != KeyState::Active || !prev.has_secret() {
                    return Err(Error::KeyState { key_id: old, operation: "rotate", state: state_name(prev) });
                }
                prev.state = KeyState::DecryptOnly;
                prev.rotated_to = Some(id);
            } else if kind == KeyKind::Kek
                && let Some(case) = case_ref
                && let Some(k) = b.keys.iter().find(|k| {
                    k.kind == KeyKind::Kek && k.case_ref.as_ref() == Some(case) && k.state == KeyState::Active
                })
            {
                return Ok(Some(k.id));
            }
            b.add(record).map(|()| None)
        })?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let mut ev =
            AuditEvent::new(if rotated_from.is_some() { EventKind::KeyRotated } else { EventKind::KeyGenerated })
                .actor(actor)
                .key(id)
                .detail("kind", kind.name())
                .detail("label", label);
        if let Some(c) = case_ref {
            ev = ev.case(c);
        }
        if let Some(old) = rotated_from {
            ev = ev.detail("rotated_from", &old.to_string());
        }
        if let Some(kek) = wrapped_by {
            ev = ev.detail("wrapped_by", &kek.to_string());
        }
        self.record(ev)?;
        Ok(id)
    }

    /// The active key-encryption key of `case`, generated on first use with the given retention deadline.
    ///
    /// # Errors
    /// [`Error::LegalHold`] never; keyring write errors; [`Error::AuditWrite`].
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
    /// let case = CaseRef::parse("MLA-2026-0042")?;
    /// let retention_end = custodian.now().plus_days(5 * 365);
    /// let key = custodian.case_key(&jan, &case, Some(retention_end))?;
    /// // The same case gives the same key until it is rotated or destroyed.
    /// assert_eq!(custodian.case_key(&jan, &case, Some(retention_end))?, key);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn case_key(&self, actor: &Actor, case: &CaseRef, destroy_after: Option<Timestamp>) -> Result<KeyId> {
        let _op = self.operation();
        {
            let ring = self.read()?;
            if let Some(k) =
                ring.body().keys.iter().find(|k| {
                    k.kind == KeyKind::Kek && k.case_ref.as_ref() == Some(case) && k.state == KeyState::Active
                })
            {
                return Ok(k.id);
            }
        }
        self.add_generated(actor, KeyKind::Kek, &format!("case {case}"), Some(case), destroy_after, None)
    }

    /// The text form of a key's public part (X25519, X-Wing, Ed25519), to hand to another authority.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::InvalidArgument`] for a symmetric key, which has no public part.
    pub fn export_public(&self, id: &KeyId) -> Result<String> {
        let ring = self.read()?;
        let r = ring.body().get(id).ok_or(Error::KeyNotFound(*id))?;
        let public = r
            .public
            .as_deref()
            .ok_or_else(|| Error::InvalidArgument(format!("key {id} is a symmetric key and has no public part")))?;
        Ok(text::encode_public(r.kind, public))
    }

    /// Import another authority's public key from its text form, under a label, with the `jurisdiction` that
    /// authority acts in. Sharing an envelope with the key is refused unless the envelope permits that jurisdiction
    /// (see [`Custodian::rewrap`]), and sealing for it unless the envelope's destinations name it; the jurisdiction
    /// is the importing actor's statement, recorded in the audit log. [`Custodian::import_authority_key`] also
    /// records the authority's name and a validity period.
    ///
    /// Importing a key already in the keyring changes nothing, except that a key imported without a jurisdiction
    /// (by an older version) gets this one.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for a mistyped or malformed key; [`Error::Conflict`]
    /// ([`crate::ConflictReason::KeyJurisdictionDiffers`]) when the key is already recorded with another jurisdiction; keyring write errors; [`Error::AuditWrite`].
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
    /// # let other_dir = tempfile::tempdir()?;
    /// # let de_custodian = Custodian::load(other_dir.path(), Unlock::master_key([8; 32]),
    /// #     CustodianOptions { create: true, ..CustodianOptions::default() })?;
    /// let de = Jurisdiction::parse("DE")?;
    /// // DE exports its public key as text; NL imports it, bound to DE's jurisdiction.
    /// let de_key = de_custodian.generate_key(&jan, KeyKind::X25519, "DE Federal Office of Justice")?;
    /// let text = de_custodian.export_public(&de_key)?;
    /// let imported = custodian.import_public(&jan, &text, "DE Federal Office of Justice", de)?;
    /// assert_eq!(imported, de_key);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn import_public(
        &self,
        actor: &Actor,
        key_text: &str,
        label: &str,
        jurisdiction: Jurisdiction,
    ) -> Result<KeyId> {
        self.import_with(actor, key_text, label, jurisdiction, None)
    }

    /// Import another authority's public key as [`Custodian::import_public`] does, recording the authority's name,
    /// jurisdiction and optional validity period ([`KeyAuthority`]); [`KeyInfo`] shows them. Sealing or sharing to
    /// the key outside the period is refused ([`Error::KeyNotValid`]), and so is sealing for it unless the
    /// envelope's destinations name its jurisdiction ([`Error::DestinationRequired`],
    /// [`Error::RecipientNotPermitted`]).
    ///
    /// Importing a key already in the keyring again records the name and period now given (a renewed key), but
    /// never moves it to another jurisdiction and never lifts a revocation or a compromise mark.
    ///
    /// # Errors
    /// As [`Custodian::import_public`]; [`Error::InvalidArgument`] for a period that ends before it begins;
    /// [`Error::Conflict`] ([`crate::ConflictReason::OwnKey`]) for the public part of one of this custodian's own keys.
    pub fn import_authority_key(
        &self,
        actor: &Actor,
        key_text: &str,
        label: &str,
        authority: &KeyAuthority,
    ) -> Result<KeyId> {
        crate::keys::keyring::check_authority(&authority.name)?;
        if let (Some(a), Some(b)) = (authority.not_before, authority.not_after)
            && a >= b
        {
            return Err(Error::InvalidArgument(format!("a validity period from {a} until {b} ends before it begins")));
        }
        self.import_with(actor, key_text, label, authority.jurisdiction, Some(authority))
    }

    fn import_with(
        &self,
        actor: &Actor,
        key_text: &str,
        label: &str,
        jurisdiction: Jurisdiction,
        authority: Option<&KeyAuthority>,
    ) -> Result<KeyId> {
        check_label(label)?;
        let (kind, public) = text::decode_public(key_text)?;
        let id = match kind {
            KeyKind::X25519 => {
                let bytes: [u8; 32] =
                    public.as_slice().try_into().map_err(|_| Error::InvalidKeyText("length".into()))?;
                X25519Recipient::from_bytes(bytes)?.id()
            }
            #[cfg(feature = "xwing")]
            KeyKind::XWing => XWingRecipient::from_bytes(&public)?.id(),
            #[cfg(not(feature = "xwing"))]
            KeyKind::XWing => return Err(crate::keys::xwing_unavailable()),
            KeyKind::Ed25519 => {
                let bytes: [u8; 32] =
                    public.as_slice().try_into().map_err(|_| Error::InvalidKeyText("length".into()))?;
                VerifyingKey::from_bytes(bytes)?.id()
            }
            _ => return Err(Error::InvalidKeyText("not a public key kind".into())),
        };
        let mut record = new_record(id, kind, label, self.clock.now(), Some(public), None);
        record.jurisdiction = Some(jurisdiction);
        let apply = |r: &mut KeyRecord| {
            if let Some(a) = authority {
                r.authority = Some(a.name.clone());
                r.not_before = a.not_before;
                r.not_after = a.not_after;
            }
        };
        apply(&mut record);
        self.write()?.update(|b| match b.get_mut(&id) {
            // An own key's public part coming back: it is ours, not another authority's.
            Some(existing) if existing.has_secret() => {
                if authority.is_some() {
                    return Err(Error::Conflict { what: ConflictReason::OwnKey, key_id: Some(id), case_ref: None });
                }
                Ok(())
            }
            Some(existing) => match existing.jurisdiction {
                Some(j) if j != jurisdiction => Err(Error::Conflict {
                    what: ConflictReason::KeyJurisdictionDiffers { recorded: j, given: jurisdiction },
                    key_id: Some(id),
                    case_ref: None,
                }),
                _ => {
                    existing.jurisdiction = Some(jurisdiction);
                    apply(existing);
                    Ok(())
                }
            },
            None => b.add(record),
        })?;
        let mut ev = AuditEvent::new(EventKind::KeyGenerated)
            .actor(actor)
            .key(id)
            .detail("kind", kind.name())
            .detail("label", label)
            .detail("imported", "true")
            .detail("jurisdiction", jurisdiction.as_str());
        if let Some(a) = authority {
            ev = ev.detail("authority", &a.name);
            if let Some(t) = a.not_before {
                ev = ev.detail("not_before", &t.to_string());
            }
            if let Some(t) = a.not_after {
                ev = ev.detail("not_after", &t.to_string());
            }
        }
        self.record(ev)?;
        Ok(id)
    }

    /// Revoke another authority's key (end of cooperation, a compromise its holder reported): from now on nothing
    /// new is sealed or shared to it ([`Error::KeyRevoked`]); envelopes already sealed for it are unchanged.
    /// Recorded as `key_revoked` with the reason. A revocation is never lifted (import a new key instead).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable reason; [`Error::Conflict`] for a key this
    /// custodian holds the secret of ([`crate::ConflictReason::OwnKey`]: mark it compromised, or rotate it) or a key
    /// already revoked ([`crate::ConflictReason::KeyAlreadyRevoked`]); [`Error::KeyNotFound`];
    /// [`Error::KeyDestroyed`]; keyring write errors; [`Error::AuditWrite`].
    pub fn revoke_key(&self, actor: &Actor, id: &KeyId, reason: &str) -> Result<()> {
        let mark = KeyMark::new(self.clock.now(), actor.id(), reason)?;
        let mut who = (None, None);
        self.write()?.update(|b| {
            let r = b.get_mut(id).ok_or(Error::KeyNotFound(*id))?;
            if let KeyState::Destroyed { at, .. } = r.state {
                return Err(Error::KeyDestroyed { key_id: *id, destroyed_at: at });
            }
            if r.has_secret() {
                return Err(Error::Conflict { what: ConflictReason::OwnKey, key_id: Some(*id), case_ref: None });
            }
            if r.revoked.is_some() {
                return Err(Error::Conflict {
                    what: ConflictReason::KeyAlreadyRevoked,
                    key_id: Some(*id),
                    case_ref: None,
                });
            }
            who = (r.authority.clone(), r.jurisdiction);
            r.revoked = Some(mark);
            Ok(())
        })?;
        let mut ev = AuditEvent::new(EventKind::KeyRevoked).actor(actor).key(*id).detail("reason", reason);
        if let Some(a) = &who.0 {
            ev = ev.detail("authority", a);
        }
        if let Some(j) = who.1 {
            ev = ev.detail("jurisdiction", j.as_str());
        }
        self.record(ev)
    }

    /// Mark a key compromised, an own key or another authority's: from now on it seals, signs, acts as sender and
    /// receives nothing new ([`Error::KeyCompromised`]). An own key still opens (so that what it protected can be
    /// moved off it): rotate it and follow [`Custodian::compromise_report`]'s plan. Recorded as `key_compromised`
    /// with the reason. The mark is never lifted.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable reason, or for the custodian's audit key;
    /// [`Error::Conflict`] ([`crate::ConflictReason::KeyAlreadyCompromised`]) for a key already marked;
    /// [`Error::KeyNotFound`]; [`Error::KeyDestroyed`]; keyring write errors;
    /// [`Error::AuditWrite`].
    pub fn mark_compromised(&self, actor: &Actor, id: &KeyId, reason: &str) -> Result<()> {
        let mark = KeyMark::new(self.clock.now(), actor.id(), reason)?;
        if *id == self.audit_key_id {
            return Err(Error::InvalidArgument(
                "the custodian's audit key cannot be marked here: start a new custodian and anchor the old log".into(),
            ));
        }
        let mut case = None;
        self.write()?.update(|b| {
            let r = b.get_mut(id).ok_or(Error::KeyNotFound(*id))?;
            if let KeyState::Destroyed { at, .. } = r.state {
                return Err(Error::KeyDestroyed { key_id: *id, destroyed_at: at });
            }
            if r.compromised.is_some() {
                return Err(Error::Conflict {
                    what: ConflictReason::KeyAlreadyCompromised,
                    key_id: Some(*id),
                    case_ref: None,
                });
            }
            case = r.case_ref.clone();
            r.compromised = Some(mark);
            Ok(())
        })?;
        let mut ev = AuditEvent::new(EventKind::KeyCompromised).actor(actor).key(*id).detail("reason", reason);
        if let Some(c) = &case {
            ev = ev.case(c);
        }
        self.record(ev)
    }

    /// Rotate a key: generate a new active key of the same kind (and case), and make the old one decrypt-only. Seal
    /// with the new key; re-wrap old envelopes with [`Custodian::rewrap`].
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::KeyState`] unless the key is active and held with its secret.
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
    /// let successor = custodian.rotate(&jan, &team_key)?;
    /// assert_ne!(successor, team_key);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn rotate(&self, actor: &Actor, id: &KeyId) -> Result<KeyId> {
        let _op = self.operation();
        let (kind, label, case, destroy_after) = {
            let ring = self.read()?;
            let r = ring.body().get(id).ok_or(Error::KeyNotFound(*id))?;
            if r.state != KeyState::Active || !r.has_secret() {
                return Err(Error::KeyState { key_id: *id, operation: "rotate", state: state_name(r) });
            }
            (r.kind, r.label.clone(), r.case_ref.clone(), r.destroy_after)
        };
        self.add_generated(actor, kind, &label, case.as_ref(), destroy_after, Some(*id))
    }

    /// Set or clear a key's retention deadline.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; keyring write errors; [`Error::AuditWrite`].
    pub fn set_retention(&self, actor: &Actor, id: &KeyId, destroy_after: Option<Timestamp>) -> Result<()> {
        self.write()?.update(|b| {
            let r = b.get_mut(id).ok_or(Error::KeyNotFound(*id))?;
            r.destroy_after = destroy_after;
            Ok(())
        })?;
        let until = destroy_after.map_or_else(|| "none".to_owned(), |t| t.to_string());
        self.record(AuditEvent::new(EventKind::RetentionChanged).actor(actor).key(*id).detail("retention_set", &until))
    }

    /// Crypto-shred a key: its secret is wiped from memory and from the keyring file, a tombstone remains, and
    /// everything sealed only under it can no longer be opened by anyone holding only this keyring.
    ///
    /// Returns the signed erasure certificate written to the audit log (its JSON form is
    /// [`ErasureCertificate::to_json`]): it names the key, the case and the reason, holds no personal data, and
    /// verifies with the audit public key alone ([`ErasureCertificate::verify`] with
    /// [`crate::audit::parse_audit_key`] of [`Custodian::audit_public_key`]), so it can be handed to the
    /// authority that asked for the erasure.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::LegalHold`] when its case is under hold; [`Error::KeyDestroyed`] if it is
    /// already destroyed; keyring write errors; [`Error::AuditWrite`]; [`Error::CustodianClosed`].
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
    /// let certificate = custodian.destroy_key(&jan, &team_key, "retention period ended")?;
    /// certificate.verify(&audit::parse_audit_key(&custodian.audit_public_key()?)?)?;
    /// // Crypto-shredded: everything sealed under the key is unrecoverable.
    /// let request = OpenRequest::new(jan.clone(), Purpose::parse("investigation")?);
    /// assert_eq!(custodian.open(&request, &envelope).unwrap_err().kind(), ErrorKind::KeyDestroyed);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn destroy_key(&self, actor: &Actor, id: &KeyId, reason: &str) -> Result<ErasureCertificate> {
        let _op = self.operation();
        // Checked before the key is touched: the erasure certificate refuses what this refuses.
        crate::keys::keyring::check_destroy_reason(reason)?;
        if *id == self.audit_key_id {
            return Err(Error::InvalidArgument("the custodian's audit key cannot be destroyed".into()));
        }
        let now = self.clock.now();
        let case = self.read()?.body().get(id).and_then(|r| r.case_ref.clone());
        let result = self.write()?.update(|b| b.destroy(id, now, reason));
        if let Err(e) = result {
            let mut ev = AuditEvent::refused(&e).actor(actor).key(*id).detail("operation", "destroy_key");
            if let Some(c) = &case {
                ev = ev.case(c);
            }
            self.record(ev)?;
            return Err(e);
        }
        self.case_keys.forget(id);
        let certificate = self
            .audit
            .certify_erasure(&[*id], case.as_ref(), reason, None)
            .map_err(|e| Error::AuditWrite(e.to_string()))?;
        let mut ev = AuditEvent::new(EventKind::KeyDestroyed).actor(actor).key(*id).detail("reason", reason);
        if let Some(c) = &case {
            ev = ev.case(c);
        }
        self.record(ev)?;
        Ok(certificate)
    }

    /// Destroy every key whose retention deadline has passed, except keys of cases under legal hold. The report
    /// carries the erasure certificate of every key destroyed.
    ///
    /// # Errors
    /// Keyring write errors; [`Error::AuditWrite`]; [`Error::CustodianClosed`].
    ///
    /// # Example
    ///
    /// ```
    /// # use custodia::*;
    /// # use std::sync::Arc;
    /// # let dir = tempfile::tempdir()?;
    /// let clock = Arc::new(FixedClock::new(SystemClock.now()));
    /// let options = CustodianOptions { create: true, ..CustodianOptions::with_clock(clock.clone()) };
    /// let custodian = Custodian::load(dir.path(), Unlock::master_key([7; 32]), options)?;
    /// # let jan = Actor::new("jan.devries", "prosecutor", Jurisdiction::parse("NL")?, Classification::Secret)?;
    /// let case = CaseRef::parse("MLA-2026-0042")?;
    /// let key = custodian.case_key(&jan, &case, Some(clock.now().plus_days(30)))?;
    /// assert!(custodian.shred_expired(&jan)?.destroyed.is_empty());
    /// clock.advance(31 * 86_400);
    /// assert_eq!(custodian.shred_expired(&jan)?.destroyed, vec![key]);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn shred_expired(&self, actor: &Actor) -> Result<ShredReport> {
        let _op = self.operation();
        let now = self.clock.now();
        let mut report = ShredReport { at: now, ..ShredReport::default() };
        let due: Vec<(KeyId, Option<CaseRef>)> = {
            let ring = self.read()?;
            ring.body()
                .keys
                .iter()
                .filter(|k| !matches!(k.state, KeyState::Destroyed { .. }) && k.destroy_after.is_some_and(|t| t <= now))
                .map(|k| (k.id, k.case_ref.clone()))
                .collect()
        };
        for (id, case) in due {
            match self.destroy_key(actor, &id, "retention period ended") {
                Ok(certificate) => {
                    report.destroyed.push(id);
                    report.certificates.push(certificate);
                }
                Err(Error::LegalHold { reference, .. }) => report.held.push((id, reference)),
                Err(e) => return Err(e),
            }
            let _ = case;
        }
        self.record(
            AuditEvent::new(EventKind::ShredRun)
                .actor(actor)
                .keys(report.destroyed.iter().copied())
                .detail("destroyed", &report.destroyed.len().to_string())
                .detail("held", &report.held.len().to_string()),
        )?;
        Ok(report)
    }

    /// Place a legal hold on a case: none of its keys can be destroyed until the hold is released.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable reference or reason; [`Error::Conflict`]
    /// ([`crate::ConflictReason::CaseAlreadyHeld`]) for a case already held; [`Error::AuditWrite`].
    ///
    /// # Example
    ///
    /// ```
    /// # use custodia::*;
    /// # use std::sync::Arc;
    /// # let dir = tempfile::tempdir()?;
    /// # let clock = Arc::new(FixedClock::new(SystemClock.now()));
    /// # let options = CustodianOptions { create: true, ..CustodianOptions::with_clock(clock.clone()) };
    /// # let custodian = Custodian::load(dir.path(), Unlock::master_key([7; 32]), options)?;
    /// # let jan = Actor::new("jan.devries", "prosecutor", Jurisdiction::parse("NL")?, Classification::Secret)?;
    /// let case = CaseRef::parse("MLA-2026-0042")?;
    /// let key = custodian.case_key(&jan, &case, Some(clock.now().plus_days(30)))?;
    /// custodian.place_legal_hold(&jan, &case, "Rb. Amsterdam 13/123456", "appeal pending")?;
    /// clock.advance(31 * 86_400);
    /// // Held: retention has ended, but the case key survives until the hold is released.
    /// assert!(custodian.shred_expired(&jan)?.destroyed.is_empty());
    /// custodian.release_legal_hold(&jan, &case)?;
    /// assert_eq!(custodian.shred_expired(&jan)?.destroyed, vec![key]);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn place_legal_hold(&self, actor: &Actor, case: &CaseRef, reference: &str, reason: &str) -> Result<()> {
        let hold = LegalHold {
            case_ref: case.clone(),
            reference: reference.to_owned(),
            reason: reason.to_owned(),
            set_at: self.clock.now(),
            set_by: actor.id().to_owned(),
        };
        hold.check()?;
        self.write()?.update(|b| {
            if b.hold_on(case).is_some() {
                return Err(Error::Conflict {
                    what: ConflictReason::CaseAlreadyHeld,
                    key_id: None,
                    case_ref: Some(case.clone()),
                });
            }
            b.holds.push(hold);
            Ok(())
        })?;
        self.record(
            AuditEvent::new(EventKind::LegalHoldSet)
                .actor(actor)
                .case(case)
                .detail("reference", reference)
                .detail("reason", reason),
        )
    }

    /// Release the legal hold on a case.
    ///
    /// # Errors
    /// [`Error::Conflict`] ([`crate::ConflictReason::CaseNotHeld`]) when the case is not held; [`Error::AuditWrite`].
    pub fn release_legal_hold(&self, actor: &Actor, case: &CaseRef) -> Result<()> {
        self.write()?.update(|b| {
            let before = b.holds.len();
            b.holds.retain(|h| h.case_ref != *case);
            if b.holds.len() == before {
                return Err(Error::Conflict {
                    what: ConflictReason::CaseNotHeld,
                    key_id: None,
                    case_ref: Some(case.clone()),
                });
            }
            Ok(())
        })?;
        self.record(AuditEvent::new(EventKind::LegalHoldReleased).actor(actor).case(case))
    }

    /// The legal holds in force.
    ///
    /// # Errors
    /// [`Error::CustodianClosed`] after [`Custodian::close`]; otherwise only if the keyring lock is poisoned.
    pub fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        Ok(self.read()?.body().holds.clone())
    }

    /// Danger: a copy of a key's secret bytes, unaudited. Exists so tests can prove that a destroyed key left no
    /// trace; only with the `danger-test-hooks` feature, which no release artefact enables.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`], [`Error::KeyDestroyed`], [`Error::KeyState`] for a public-only key.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_export_secret_for_tests(&self, id: &KeyId) -> Result<Zeroizing<[u8; 32]>> {
        let ring = self.read()?;
        super::secret32(ring.body().get(id).ok_or(Error::KeyNotFound(*id))?)
    }

    /// Danger: the clear bytes of a case key wrapped by a provider ([`crate::CustodianOptions::case_keys`]), through
    /// the cache (or one provider call), unaudited. Exists so tests can prove the clear key is stored nowhere; only
    /// with the `danger-test-hooks` feature, which no release artefact enables.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::InvalidArgument`] for a key that is not a wrapped case key; as an open for
    /// the cache and the provider.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_export_case_key_for_tests(&self, id: &KeyId) -> Result<Zeroizing<[u8; 32]>> {
        let ring = self.read()?;
        let rec = ring.body().get(id).ok_or(Error::KeyNotFound(*id))?;
        if rec.wrapped_by.is_none() {
            return Err(Error::InvalidArgument(format!("key {id} is not a case key wrapped by a provider")));
        }
        Ok(Zeroizing::new(*self.case_keys.kek(rec, self.clock.now())?.expose_bytes()))
    }

    /// Danger: how many unwrapped case keys this custodian holds in memory. For tests of the case-key cache; only
    /// with the `danger-test-hooks` feature, which no release artefact enables.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    #[must_use]
    pub fn danger_cached_case_keys(&self) -> usize {
        self.case_keys.len()
    }

    /// Danger: how many staleness checks of the keyring this custodian has made since it was loaded (on PostgreSQL,
    /// each is one `SELECT version`). For tests that a public operation checks once; only with the
    /// `danger-test-hooks` feature, which no release artefact enables.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    #[must_use]
    pub fn danger_staleness_checks(&self) -> u64 {
        self.ring.read().map_or(0, |r| r.staleness_checks())
    }

    /// Danger: whether the decrypted keyring file contains `needle` (raw or base64). For tests of crypto-shredding;
    /// only with the `danger-test-hooks` feature, which no release artefact enables.
    ///
    /// # Errors
    /// Only if the keyring lock is poisoned.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_keyring_contains(&self, needle: &[u8]) -> Result<bool> {
        Ok(self.read()?.danger_body_contains(needle))
    }
}

/// The state a refusal names: a destroyed key has no secret either, but "destroyed" is what the caller must hear.
fn state_name(r: &KeyRecord) -> &'static str {
    match r.state {
        KeyState::Active if !r.has_secret() => "public only",
        _ => r.state.name(),
    }
}

fn check_label(label: &str) -> Result<()> {
    crate::keys::keyring::check_label(label)
}

fn generate_record(kind: KeyKind, label: &str, now: Timestamp) -> Result<KeyRecord> {
    Ok(match kind {
        KeyKind::Kek => {
            let k = Kek::generate()?;
            new_record(k.id(), kind, label, now, None, Some(k.expose_bytes()))
        }
        KeyKind::X25519 => {
            let k = X25519Identity::generate()?;
            new_record(k.id(), kind, label, now, Some(k.recipient().to_bytes().to_vec()), Some(k.expose_bytes()))
        }
        #[cfg(not(feature = "xwing"))]
        KeyKind::XWing => return Err(crate::keys::xwing_unavailable()),
        #[cfg(feature = "xwing")]
        KeyKind::XWing => {
            let k = XWingIdentity::generate()?;
            new_record(k.id(), kind, label, now, Some(k.recipient().as_bytes().to_vec()), Some(k.expose_seed()))
        }
        KeyKind::Ed25519 => {
            let k = SigningKey::generate()?;
            new_record(k.id(), kind, label, now, Some(k.verifying_key().to_bytes().to_vec()), k.expose_bytes())
        }
    })
}
