//! The rule of speciality through the facade: the originator issues grants for its envelopes; a recipient applies
//! them (purpose extension here, onward transfer through [`Custodian::rewrap_with`]); every reader checks the grants
//! an envelope carries and opens under the terms they add.
//!
//! Who is the originator: the custodian holding the secret of the envelope's signer key. An unsigned envelope has
//! no key whose grant could be checked; its originator is the custodian whose actor acts in the envelope's origin
//! jurisdiction, and nobody can grant anything for it. Grants are verified before any key is touched.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Custodian, signer_for};
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::exchange::{Grant, GrantScope};
use crate::format::{self, OBJECT_ID_LEN};
use crate::keys::Signer;
use crate::keys::keyring::KeyringBody;
use crate::policy::{self, Extension, Terms};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{Actor, GrantId, Jurisdiction, KeyId, KeyKind};

/// The grants of one envelope (embedded, and any offered with the act), verified, as the gate uses them.
#[derive(Default)]
pub(super) struct GrantView {
    /// Unexpired purpose extensions.
    pub(super) extensions: Vec<Extension>,
    /// Unexpired onward transfers: key, jurisdiction, grant.
    pub(super) onward: Vec<(KeyId, Jurisdiction, GrantId)>,
    /// Grants that verified but have expired (they add nothing; kept to say so in a refusal).
    pub(super) expired: Vec<Grant>,
}

impl GrantView {
    /// Verify `embedded` (the header's own: expired ones add nothing) and `offered` (with the act: expired is a
    /// refusal) against the envelope of `header` at `now`.
    ///
    /// # Errors
    /// [`Error::GrantInvalid`] for an embedded grant that does not parse; the typed refusal
    /// ([`Error::OnwardTransferNotGranted`], [`Error::PurposeExtensionNotGranted`]) for a grant signed by another
    /// key than the envelope's signer, for another envelope, with a bad signature, for an unsigned envelope, or
    /// (offered) expired.
    pub(super) fn check(header: &format::Header, offered: &[Grant], now: Timestamp) -> Result<Self> {
        let embedded = header.grants().iter().map(|b| Grant::from_bytes(b)).collect::<Result<Vec<_>>>()?;
        let mut view = Self::default();
        for (grant, is_offered) in embedded.iter().map(|g| (g, false)).chain(offered.iter().map(|g| (g, true))) {
            let when = if is_offered { Some(now) } else { None };
            if let Some(reason) = grant.fault(header.object_id(), header.signer(), when) {
                return Err(grant.refusal(reason));
            }
            if now > grant.not_after() {
                view.expired.push(grant.clone());
                continue;
            }
            match grant.scope() {
                GrantScope::OnwardTransfer { jurisdiction, key_id, .. } => {
                    view.onward.push((*key_id, *jurisdiction, grant.id()));
                }
                GrantScope::PurposeExtension(p) => view.extensions.push(Extension::new(grant.id(), p.clone())),
            }
        }
        Ok(view)
    }

    /// The envelope's terms as its grants extend them: the jurisdictions of onward transfers join the destinations
    /// (so the onward recipient can open), unless the envelope may be opened anywhere already. Purpose extensions
    /// are handed to the gate separately, so that it can say which grant allowed a purpose.
    pub(super) fn terms(&self, header: &format::Header) -> Terms {
        let mut t = header.terms();
        if !t.permitted_jurisdictions().is_empty() {
            for (_, j, _) in &self.onward {
                if t.origin != Some(*j) && !t.destinations.contains(j) {
                    t.destinations.push(*j);
                }
            }
        }
        t
    }

    /// A refusal made more precise when an expired grant is what would have allowed the act: a purpose an expired
    /// extension covered, or an actor's jurisdiction only an expired onward transfer added.
    pub(super) fn explain(
        &self,
        e: Error,
        request_purpose: Option<&crate::vocabulary::Purpose>,
        actor: &Actor,
    ) -> Error {
        let expired = |g: &Grant| format!("grant {} expired at {}", g.id(), g.not_after());
        match &e {
            Error::PurposeNotPermitted { .. } => {
                let Some(p) = request_purpose else { return e };
                self.expired
                    .iter()
                    .find(|g| matches!(g.scope(), GrantScope::PurposeExtension(s) if s.permits(p)))
                    .map_or(e, |g| Error::PurposeExtensionNotGranted { reason: expired(g) })
            }
            Error::JurisdictionNotPermitted { .. } => self
                .expired
                .iter()
                .find(|g| {
                    matches!(g.scope(), GrantScope::OnwardTransfer { jurisdiction, .. } if *jurisdiction == actor.jurisdiction())
                })
                .map_or(e, |g| match g.scope() {
                    GrantScope::OnwardTransfer { key_id, .. } => {
                        Error::OnwardTransferNotGranted { key_id: *key_id, reason: expired(g) }
                    }
                    GrantScope::PurposeExtension(_) => Error::PurposeExtensionNotGranted { reason: expired(g) },
                }),
            _ => e,
        }
    }
}

/// Whether this custodian is the originator of the envelope of `header` for `actor`: it holds the signer's secret;
/// for an unsigned envelope, `actor` acts in its origin.
pub(super) fn is_originator(
    body: &KeyringBody,
    header: &format::Header,
    actor: &Actor,
    outside: &HashMap<KeyId, Arc<dyn Signer>>,
) -> bool {
    match header.signer() {
        Some(vk) => body
            .get(&vk.id())
            .is_some_and(|r| r.kind == KeyKind::Ed25519 && (r.has_secret() || outside.contains_key(&vk.id()))),
        None => header.metadata().origin == Some(actor.jurisdiction()),
    }
}

/// The audit details every grant event carries: `grant`, `grant_reference`, `scope`, `grant_not_after`, and what
/// the grant names (`recipient_key`, `recipient_authority`, `recipient_jurisdiction`, or `grant_purposes`).
pub(super) fn grant_details(mut ev: AuditEvent, g: &Grant) -> AuditEvent {
    ev = ev
        .detail("grant", &g.id().to_string())
        .detail("grant_reference", g.reference())
        .detail("scope", g.scope().name())
        .detail("grant_not_after", &g.not_after().to_string());
    match g.scope() {
        GrantScope::OnwardTransfer { authority, jurisdiction, key_id } => ev
            .detail("recipient_key", &key_id.to_string())
            .detail("recipient_authority", authority)
            .detail("recipient_jurisdiction", jurisdiction.as_str()),
        GrantScope::PurposeExtension(p) => ev.detail("grant_purposes", &p.to_string()),
    }
}

impl Custodian {
    /// Issue a grant, as the originator, for the envelope `object_id` (lowercase hex, as [`super::Sealed`] and
    /// [`super::EnvelopeInfo`] give it), signed with this keyring's Ed25519 key `signer` (the key the envelope
    /// was signed with: a grant by any other key is refused where it is used). `scope` says what it allows: an
    /// onward transfer to one named key of another authority, or more purposes. It is valid from now until
    /// `not_after`; `reference` names the request it answers (the request letter). Recorded as `grant_issued`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an object id that is not 32 hex digits, a `not_after` already past, or an
    /// invalid reference; [`Error::KeyNotFound`], [`Error::KeyState`], [`Error::KeyDestroyed`] for `signer`
    /// (which must be an active Ed25519 key held with its secret); [`Error::AuditWrite`].
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
    /// let signer = custodian.generate_key(&jan, KeyKind::Ed25519, "NL grant signing key")?;
    /// let object_id = custodian.inspect(&envelope)?.object_id;
    /// let scope = GrantScope::purpose_extension(PurposeSet::parse(&["asset_recovery"])?)?;
    /// let grant = custodian.issue_grant(&jan, &signer, &object_id, scope, custodian.now().plus_days(30), "letter 2026/119")?;
    /// // The armored text is what travels to the recipient, who applies it with `extend_purposes` or `rewrap_with`.
    /// assert!(grant.to_armored().starts_with(GRANT_ARMOR_BEGIN));
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn issue_grant(
        &self,
        actor: &Actor,
        signer: &KeyId,
        object_id: &str,
        scope: GrantScope,
        not_after: Timestamp,
        reference: &str,
    ) -> Result<Grant> {
        let _op = self.operation();
        let oid = parse_object_id(object_id)?;
        let now = self.clock.now();
        if not_after < now {
            return Err(Error::InvalidArgument(format!("a grant's not_after ({not_after}) is already past ({now})")));
        }
        let key = {
            let ring = self.read()?;
            signer_for(ring.body(), signer, &self.signers)?
        };
        let grant = Grant::issue(&key, &oid, scope, now, not_after, reference)?;
        drop(key);
        let mut ev = AuditEvent::new(EventKind::GrantIssued).actor(actor).object(&oid).key(*signer);
        if let GrantScope::OnwardTransfer { key_id, .. } = grant.scope() {
            ev = ev.key(*key_id);
        }
        self.record(grant_details(ev, &grant))?;
        Ok(grant)
    }

    /// Apply an originator's purpose extension grant: re-issue the envelope (binary or armored; the result is
    /// binary) with the grant in its header, so that every later reader opens it under the extended purposes
    /// (on [`crate::Basis::Extended`]). The payload, the sealed context, the stanzas and any signature are carried
    /// over unchanged; the header MAC is recomputed. Recorded as `grant_applied` (detail `operation`
    /// `extend_purposes`).
    ///
    /// The grant is checked first, before any key is touched: it is a purpose extension, for this envelope, signed
    /// by the envelope's signer, with a valid signature, unexpired. Then the actor must be cleared for the data, act
    /// in one of its jurisdictions, and the envelope must not have expired. Refusals are recorded (`refused`,
    /// detail `operation` `extend_purposes`).
    ///
    /// # Errors
    /// [`Error::PurposeExtensionNotGranted`] (the message says which check failed); [`Error::GrantInvalid`] for a
    /// malformed grant already in the header; [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`],
    /// under an access policy [`Error::NotOnCase`] and [`Error::RoleNotPermitted`] (the actor's role must be allowed
    /// the data's category for each extended purpose), [`Error::Expired`]; [`Error::NoMatchingRecipient`] when no key here can unwrap it; [`Error::AuditWrite`].
    pub fn extend_purposes(&self, actor: &Actor, envelope: &[u8], grant: &Grant) -> Result<Vec<u8>> {
        let _op = self.operation();
        const OPERATION: &str = "extend_purposes";
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let now = self.clock.now();
        let refused = |e: Error| -> Error {
            let m = header.metadata();
            let mut ev = AuditEvent::refused(&e)
                .actor(actor)
                .object(header.object_id())
                .category(m.category)
                .classification(m.classification)
                .purposes(&m.purposes)
                .detail("operation", OPERATION)
                .detail("grant", &grant.id().to_string())
                .detail("grant_reference", grant.reference());
            if let Some(c) = header.case_ref() {
                ev = ev.case(c);
            }
            match self.record(ev) {
                Ok(()) => e,
                Err(audit) => audit,
            }
        };
        let checked = (|| {
            if !matches!(grant.scope(), GrantScope::PurposeExtension(_)) {
                return Err(Error::PurposeExtensionNotGranted {
                    reason: format!("grant {} is an onward transfer, not a purpose extension", grant.id()),
                });
            }
            let view = GrantView::check(&header, core::slice::from_ref(grant), now)?;
            let terms = view.terms(&header);
            // Under an access policy, whoever brings the data into use for new purposes must be on its case and
            // hold a role that may use this category for each of them (need-to-know, checked per purpose).
            match (self.access_policy(), grant.scope()) {
                (Some(access), GrantScope::PurposeExtension(purposes)) => purposes
                    .iter()
                    .try_for_each(|p| policy::decide_holder_under(&terms, actor, Some((&*access, p)), now)),
                _ => policy::decide_holder_at(&terms, actor, now),
            }
        })();
        checked.map_err(|e| if e.is_refusal() { refused(e) } else { e })?;
        let ring = self.read()?;
        let dk = self.unwrap(ring.body(), &header)?;
        drop(ring);
        let (mut out, at) = format::reissue_header(&header, &dk, &[], &[], &[grant.to_bytes()])?;
        drop(dk);
        out.extend_from_slice(&bin[at..]);
        let m = header.metadata();
        let mut ev = AuditEvent::new(EventKind::GrantApplied)
            .actor(actor)
            .object(header.object_id())
            .category(m.category)
            .classification(m.classification)
            .purposes(&m.purposes)
            .detail("operation", OPERATION);
        if let Some(c) = header.case_ref() {
            ev = ev.case(c);
        }
        self.record(grant_details(ev, grant))?;
        Ok(out)
    }
}

fn parse_object_id(hex: &str) -> Result<[u8; OBJECT_ID_LEN]> {
    let bad = || Error::InvalidArgument(format!("an object id is {} lowercase hex digits", OBJECT_ID_LEN * 2));
    if hex.len() != OBJECT_ID_LEN * 2 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad());
    }
    let mut out = [0u8; OBJECT_ID_LEN];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}
