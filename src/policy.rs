//! The policy gate: may this actor open this data, for this purpose, now?
//!
//! The gate sees only metadata (the [`Terms`] an envelope was sealed under and an [`OpenRequest`]); it never sees a
//! key or a byte of payload, and it runs before any key is touched. A refusal is an [`Error`] naming the rule that
//! refused; an allowed open is a [`Decision`] saying on what ground, so the audit log can record it.
//!
//! Order of checks (the first failing one is reported): clearance, jurisdiction, need-to-know (when the custodian has
//! an [`AccessPolicy`]: case team, then role x category x purpose), expiry, purpose. Exceptions (court order,
//! consent, imminent threat, legal obligation) only override the purpose rule: data past its expiry, outside its
//! jurisdictions, above the actor's clearance or outside the actor's need to know stays closed whatever the ground.
//! An exception on a category the access policy names for four eyes also needs a second approver's signed
//! [`Approval`] (checked after the gate, before any key is touched).
//!
//! Re-wrapping an envelope unwraps its data key, so it passes the gate too ([`decide_rewrap_at`]): the same four
//! rules, with no exception (an exception is a ground to *open*; carrying data beyond its granted purposes needs the
//! originator's signed grant), and for every key of another authority it adds (an onward transfer) two more: the
//! stated purpose lies under [`ONWARD_TRANSFER_PURPOSE`], and that authority acts in a jurisdiction the envelope
//! permits. Replacing a rotated key of one's own ([`decide_rotation`]) needs only clearance: nobody new gains
//! access, and rotation must work on retained data whatever its expiry.
//!
//! The rule of speciality: an originator's verified grants extend the terms the gate sees (purposes, each allowed
//! on [`Basis::Extended`] naming its grant; and jurisdictions), and a re-wrap that adds another authority's key by a
//! custodian that is not the envelope's originator needs a grant naming that key ([`Speciality`],
//! [`Error::OnwardTransferNotGranted`]). The gate sees only what the custodian verified: grant ids, keys, purposes,
//! never the signed objects themselves.
//!
//! Cryptography cannot stop someone who holds a key from decrypting; the gate stops the custodian's users, and the
//! audit log makes every decision accountable.

mod access;
mod approval;

pub use self::access::{
    ACCESS_POLICY_FILE, AccessPolicy, AccessPolicyBuilder, Admission, Approver, MAX_POLICY_LEN, MaskRule,
    POLICY_VERSION, TransferDecision,
};
pub use self::approval::{APPROVAL_PREFIX, Approval, ApprovalTerms, MAX_APPROVAL_LEN};

use core::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::vocabulary::{
    Actor, CaseRef, Category, Classification, Clock, ExceptionGround, GrantId, Jurisdiction, KeyId, Purpose,
    PurposeSet, SystemClock, Timestamp, well_known,
};

/// The terms data was sealed under: what the gate checks an open against. Envelopes carry these in their
/// authenticated header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "the terms an envelope binds, all public: hosts using the gate directly build them by literal, and a new term changes the format version anyway"
)]
pub struct Terms {
    /// Purposes the data may be opened for (hierarchically).
    pub purposes: PurposeSet,
    /// What the data is.
    pub category: Category,
    /// How tightly it is held; the actor's clearance must reach it.
    pub classification: Classification,
    /// The jurisdiction that sealed the data, if stated; it may always open.
    pub origin: Option<Jurisdiction>,
    /// The jurisdictions it was sent to. With `origin`, the only places it may be opened; both empty: anywhere.
    pub destinations: Vec<Jurisdiction>,
    /// After this time the data may no longer be opened.
    pub not_after: Option<Timestamp>,
    /// The case the data belongs to, if stated: what an access policy's case teams are checked against.
    pub case: Option<CaseRef>,
}

impl Terms {
    /// The jurisdictions where the data may be opened (origin first, then destinations), empty meaning anywhere.
    #[must_use]
    pub fn permitted_jurisdictions(&self) -> Vec<Jurisdiction> {
        let mut v: Vec<Jurisdiction> = self.origin.into_iter().collect();
        v.extend(self.destinations.iter().copied().filter(|d| Some(*d) != self.origin));
        v
    }
}

/// A request to open: who, for what purpose, on what exceptional ground if the purpose was not granted, and whose
/// signature the envelope must carry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OpenRequest {
    /// Who is opening.
    pub actor: Actor,
    /// The stated purpose.
    pub purpose: Purpose,
    /// An exceptional legal ground, used only when the purpose is not permitted.
    pub exception: Option<ExceptionGround>,
    /// The key that must have signed the envelope, if any: an envelope unsigned or signed by another key is refused
    /// ([`Error::SignerMismatch`]) after the gate. The gate itself never reads it.
    pub required_signer: Option<KeyId>,
    /// A second approver's consent to the exception, needed when the access policy names the data's category for
    /// four eyes (checked after the gate, before any key is touched).
    pub approval: Option<Approval>,
}

impl OpenRequest {
    /// A request for `purpose` by `actor`, without exception.
    #[must_use]
    pub fn new(actor: Actor, purpose: Purpose) -> Self {
        Self { actor, purpose, exception: None, required_signer: None, approval: None }
    }

    /// The same request, with an exception to invoke if the purpose is not permitted.
    #[must_use]
    pub fn with_exception(mut self, exception: ExceptionGround) -> Self {
        self.exception = Some(exception);
        self
    }

    /// The same request, with a second approver's approval of its exception (four eyes).
    #[must_use]
    pub fn with_approval(mut self, approval: Approval) -> Self {
        self.approval = Some(approval);
        self
    }

    /// The same request, opening only what `signer` signed.
    #[must_use]
    pub fn require_signer(mut self, signer: KeyId) -> Self {
        self.required_signer = Some(signer);
        self
    }
}

/// On what ground an open was allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Basis {
    /// The stated purpose lies under this granted purpose.
    Purpose(Purpose),
    /// The stated purpose lies under this purpose, which the envelope did not grant when sealed but a purpose
    /// extension grant of its originator (embedded in the envelope, verified, unexpired) added.
    Extended {
        /// The extended purpose the stated one lies under.
        purpose: Purpose,
        /// The grant that added it.
        grant: GrantId,
    },
    /// The purpose was not granted; this exception was invoked and must be recorded.
    Exception(ExceptionGround),
}

/// Purposes an originator's verified, unexpired purpose extension grant adds to an envelope's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extension {
    /// The grant.
    pub grant: GrantId,
    /// The purposes it adds.
    pub purposes: PurposeSet,
}

impl Extension {
    /// The purposes `purposes` added by `grant`.
    #[must_use]
    pub fn new(grant: GrantId, purposes: PurposeSet) -> Self {
        Self { grant, purposes }
    }
}

/// The gate's yes: the open may go ahead, and this is why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// The purpose the data is opened for.
    pub purpose: Purpose,
    /// The ground.
    pub basis: Basis,
    /// When the decision was taken.
    pub at: Timestamp,
}

impl Decision {
    /// Whether an exception was used (and must be reported as such).
    #[must_use]
    pub fn used_exception(&self) -> Option<&ExceptionGround> {
        match &self.basis {
            Basis::Exception(e) => Some(e),
            Basis::Purpose(_) | Basis::Extended { .. } => None,
        }
    }
}

/// The policy gate, reading time from an injectable [`Clock`].
#[derive(Clone)]
pub struct PolicyGate {
    clock: Arc<dyn Clock>,
}

impl Default for PolicyGate {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl fmt::Debug for PolicyGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyGate").finish_non_exhaustive()
    }
}

impl PolicyGate {
    /// A gate reading time from `clock`.
    #[must_use]
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    /// The gate's clock.
    #[must_use]
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Decide whether `request` may open data sealed under `terms`, now.
    ///
    /// # Errors
    /// A refusal: [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`] or
    /// [`Error::PurposeNotPermitted`], checked in that order.
    pub fn decide(&self, terms: &Terms, request: &OpenRequest) -> Result<Decision> {
        decide_at(terms, &[], request, self.clock.now())
    }

    /// Decide whether `request` may open data sealed under `terms`, now, under the access policy `access` (`None`:
    /// as [`PolicyGate::decide`]) and with the purposes that `extensions` add (each from a verified originator's
    /// grant; empty: none). Need-to-know is checked after clearance and jurisdiction; a purpose under an extension is
    /// allowed on [`Basis::Extended`] naming the grant, after the envelope's own purposes.
    ///
    /// # Errors
    /// As [`PolicyGate::decide`], with [`Error::NotOnCase`] and [`Error::RoleNotPermitted`] after the jurisdiction
    /// rule.
    pub fn decide_under(
        &self,
        terms: &Terms,
        extensions: &[Extension],
        request: &OpenRequest,
        access: Option<&AccessPolicy>,
    ) -> Result<Decision> {
        decide_access_at(terms, extensions, request, access, self.clock.now())
    }

    /// Decide whether `request` may re-wrap data sealed under `terms`, now.
    ///
    /// The four rules of [`PolicyGate::decide`] with no exception; for every added key of another authority (an
    /// onward transfer) the stated purpose must lie under [`ONWARD_TRANSFER_PURPOSE`] and the authority must act in a
    /// jurisdiction the envelope permits.
    ///
    /// # Errors
    /// [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`],
    /// [`Error::PurposeNotPermitted`], then per added authority key [`Error::TransferNotPermitted`],
    /// [`Error::RecipientJurisdictionUnknown`] or [`Error::RecipientNotPermitted`]; the first failing rule is reported.
    pub fn decide_rewrap(&self, terms: &Terms, request: &RewrapRequest) -> Result<Decision> {
        decide_rewrap_at(terms, &[], request, self.clock.now())
    }

    /// Decide whether `request` may re-wrap data sealed under `terms`, now, under the access policy `access`
    /// (`None`: as [`PolicyGate::decide_rewrap`]) and purpose `extensions` as for [`PolicyGate::decide_under`]:
    /// need-to-know as for an open, and each added key of another
    /// authority passes the policy's transfer rules, `transfer_basis` being what the envelope's legal instrument
    /// states.
    ///
    /// # Errors
    /// As [`PolicyGate::decide_rewrap`], with [`Error::NotOnCase`], [`Error::RoleNotPermitted`],
    /// [`Error::TransferRefused`] and [`Error::LegalBasisRequired`].
    pub fn decide_rewrap_under(
        &self,
        terms: &Terms,
        extensions: &[Extension],
        request: &RewrapRequest,
        access: Option<&AccessPolicy>,
        transfer_basis: Option<&str>,
    ) -> Result<Decision> {
        decide_rewrap_access_at(terms, extensions, request, access, transfer_basis, self.clock.now())
    }
}

/// The purpose under which a key of another authority may be added to an envelope (an onward transfer):
/// `mla.execution`, executing a request received from another state, which is what sends data on to the requester.
pub const ONWARD_TRANSFER_PURPOSE: &str = well_known::MLA_EXECUTION;

/// A recipient a re-wrap would add, as the gate sees it: whose key it is, never the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewRecipient {
    /// A key this custodian holds the secret of: adding it gives nobody new access.
    Own(KeyId),
    /// Another authority's key (this keyring holds only its public part): adding it is an onward transfer.
    Authority {
        /// The key.
        key_id: KeyId,
        /// Where the authority acts, as recorded when its key was imported; `None` for a key imported before keys
        /// carried a jurisdiction.
        jurisdiction: Option<Jurisdiction>,
    },
}

/// The rule of speciality as it applies to one re-wrap: whether the custodian re-wrapping is the envelope's
/// originator, and if not, which added keys of other authorities an originator's grant names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Speciality {
    /// The originator (it holds the envelope signer's secret; for an unsigned envelope, its actor acts in the
    /// envelope's origin): it shares to the envelope's jurisdictions without a grant.
    #[default]
    Originator,
    /// Any other custodian: each added key of another authority needs a verified, unexpired grant of the
    /// originator naming that key and its jurisdiction. `granted` lists the keys that have one; `refusals` says,
    /// for a key that does not, why (e.g. "the envelope is unsigned", "grant ... expired").
    Recipient {
        /// Keys of other authorities named by a valid grant, with the grant.
        granted: Vec<(KeyId, GrantId)>,
        /// Why a key has no valid grant, where something more than "none names it" is known.
        refusals: Vec<(KeyId, String)>,
        /// Why no key at all can be granted (an unsigned envelope), if so.
        no_originator: Option<String>,
    },
}

/// A request to re-wrap an envelope: who, for what purpose, and which recipients it adds. Removing stanzas needs
/// nothing beyond the purpose rules, so removed keys are not part of the request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RewrapRequest {
    /// Who is re-wrapping.
    pub actor: Actor,
    /// The stated purpose.
    pub purpose: Purpose,
    /// The recipients added.
    pub add: Vec<NewRecipient>,
    /// Whether the re-wrapping custodian is the originator, and which onward transfers are granted.
    pub speciality: Speciality,
}

impl RewrapRequest {
    /// A request by the originator (no grant needed for onward transfers within the envelope's jurisdictions).
    #[must_use]
    pub fn new(actor: Actor, purpose: Purpose, add: Vec<NewRecipient>) -> Self {
        Self { actor, purpose, add, speciality: Speciality::Originator }
    }

    /// The same request, under `speciality`.
    #[must_use]
    pub fn with_speciality(mut self, speciality: Speciality) -> Self {
        self.speciality = speciality;
        self
    }

    /// Whether any added recipient is another authority's key, making the re-wrap an onward transfer (sharing).
    #[must_use]
    pub fn is_transfer(&self) -> bool {
        self.add.iter().any(|r| matches!(r, NewRecipient::Authority { .. }))
    }
}

/// Decide at an explicit time `now`; [`PolicyGate::decide`] with the clock read.
///
/// # Errors
/// As [`PolicyGate::decide`].
pub(crate) fn decide_at(
    terms: &Terms,
    extensions: &[Extension],
    request: &OpenRequest,
    now: Timestamp,
) -> Result<Decision> {
    decide_access_at(terms, extensions, request, None, now)
}

/// Decide under an access policy (`None`: no need-to-know rules, as without a policy file) and purpose extensions
/// at time `now`.
///
/// # Errors
/// As [`PolicyGate::decide`], with [`Error::NotOnCase`] and [`Error::RoleNotPermitted`] after the jurisdiction rule.
pub(crate) fn decide_access_at(
    terms: &Terms,
    extensions: &[Extension],
    request: &OpenRequest,
    access: Option<&AccessPolicy>,
    now: Timestamp,
) -> Result<Decision> {
    decide_holder_under(terms, &request.actor, access.map(|a| (a, &request.purpose)), now)?;
    let decision = |basis| Decision { purpose: request.purpose.clone(), basis, at: now };
    if let Some(granted) = terms.purposes.permitting(&request.purpose) {
        return Ok(decision(Basis::Purpose(granted.clone())));
    }
    for ext in extensions {
        if let Some(p) = ext.purposes.permitting(&request.purpose) {
            return Ok(decision(Basis::Extended { purpose: p.clone(), grant: ext.grant }));
        }
    }
    match &request.exception {
        Some(e) => Ok(decision(Basis::Exception(e.clone()))),
        None => {
            let mut permitted = terms.purposes.to_string();
            for ext in extensions {
                permitted.push_str(&format!(", {} (extended by grant {})", ext.purposes, ext.grant));
            }
            Err(Error::PurposeNotPermitted { requested: request.purpose.to_string(), permitted })
        }
    }
}

/// The rules before the purpose, for an act that needs the data key but states no purpose (re-issuing an envelope
/// with an originator's purpose extension grant): clearance, the actor's jurisdiction, expiry.
///
/// # Errors
/// [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`], in that order.
pub(crate) fn decide_holder_at(terms: &Terms, actor: &Actor, now: Timestamp) -> Result<()> {
    decide_holder_under(terms, actor, None, now)
}

/// The rules before the purpose: clearance, the actor's jurisdiction, need-to-know under `access` for the stated
/// purpose (when given), expiry.
///
/// # Errors
/// [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::NotOnCase`],
/// [`Error::RoleNotPermitted`], [`Error::Expired`], in that order.
pub(crate) fn decide_holder_under(
    terms: &Terms,
    actor: &Actor,
    access: Option<(&AccessPolicy, &Purpose)>,
    now: Timestamp,
) -> Result<()> {
    if actor.clearance() < terms.classification {
        return Err(Error::ClearanceInsufficient { required: terms.classification, held: actor.clearance() });
    }
    let permitted = terms.permitted_jurisdictions();
    if !permitted.is_empty() && !permitted.contains(&actor.jurisdiction()) {
        return Err(Error::JurisdictionNotPermitted {
            actor: actor.jurisdiction().to_string(),
            permitted: list(&permitted),
        });
    }
    if let Some((access, purpose)) = access {
        access.check_need_to_know(actor, terms.category, terms.case.as_ref(), purpose)?;
    }
    if let Some(not_after) = terms.not_after
        && now > not_after
    {
        return Err(Error::Expired { not_after, now });
    }
    Ok(())
}

/// Decide whether `request` may re-wrap data sealed under `terms` at time `now`.
///
/// The open rules apply with no exception: clearance, the actor's jurisdiction, expiry, then the stated purpose must
/// be granted. Each added key of another authority is an onward transfer and needs more: the purpose lies under
/// [`ONWARD_TRANSFER_PURPOSE`] (so the envelope must grant it), and the authority's recorded jurisdiction is among
/// the envelope's permitted ones (origin and destinations; both empty: anywhere). Own keys need the four rules only.
///
/// # Errors
/// [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`],
/// [`Error::PurposeNotPermitted`], then per added authority key [`Error::TransferNotPermitted`],
/// [`Error::RecipientJurisdictionUnknown`] or [`Error::RecipientNotPermitted`]; the first failing rule is reported.
pub(crate) fn decide_rewrap_at(
    terms: &Terms,
    extensions: &[Extension],
    request: &RewrapRequest,
    now: Timestamp,
) -> Result<Decision> {
    decide_rewrap_access_at(terms, extensions, request, None, None, now)
}

/// Decide a re-wrap under an access policy: need-to-know as for an open (with the re-wrap's purpose), and each added
/// key of another authority passes the policy's transfer rules for its jurisdiction, `transfer_basis` being what the
/// envelope's legal instrument states.
///
/// # Errors
/// As [`decide_rewrap_at`], with [`Error::NotOnCase`], [`Error::RoleNotPermitted`], then per added authority key
/// [`Error::TransferRefused`] or [`Error::LegalBasisRequired`].
pub(crate) fn decide_rewrap_access_at(
    terms: &Terms,
    extensions: &[Extension],
    request: &RewrapRequest,
    access: Option<&AccessPolicy>,
    transfer_basis: Option<&str>,
    now: Timestamp,
) -> Result<Decision> {
    // No exception: one is a ground to open for an ungranted purpose, never to pass data on.
    let open = OpenRequest::new(request.actor.clone(), request.purpose.clone());
    let decision = decide_access_at(terms, extensions, &open, access, now)?;
    let permitted = terms.permitted_jurisdictions();
    for recipient in &request.add {
        let NewRecipient::Authority { key_id, jurisdiction } = recipient else { continue };
        if !is_onward_transfer_purpose(&request.purpose) {
            return Err(Error::TransferNotPermitted { key_id: *key_id, purpose: request.purpose.to_string() });
        }
        let Some(jurisdiction) = jurisdiction else {
            return Err(Error::RecipientJurisdictionUnknown { key_id: *key_id });
        };
        check_speciality(&request.speciality, key_id)?;
        if !permitted.is_empty() && !permitted.contains(jurisdiction) {
            return Err(Error::RecipientNotPermitted {
                key_id: *key_id,
                jurisdiction: *jurisdiction,
                permitted: list(&permitted),
            });
        }
        if let Some(access) = access {
            access.check_transfer(terms.category, terms.origin, *jurisdiction, transfer_basis)?;
        }
    }
    Ok(decision)
}

/// Four eyes: when `decision` rests on an exception and the access policy names the data's category, the request
/// must carry a valid [`Approval`] for this envelope (`object_id`), actor, purpose and exception, by a listed
/// approver other than the actor, unexpired at `now`. Checked after the gate, before any key is touched.
///
/// # Errors
/// [`Error::ApprovalRequired`] saying what is missing or wrong.
pub(crate) fn check_four_eyes(
    access: Option<&AccessPolicy>,
    terms: &Terms,
    object_id: &[u8],
    request: &OpenRequest,
    decision: &Decision,
    now: Timestamp,
) -> Result<()> {
    let (Some(access), Some(exception)) = (access, decision.used_exception()) else { return Ok(()) };
    if !access.requires_approval(terms.category) {
        return Ok(());
    }
    let Some(approval) = &request.approval else {
        return Err(Error::ApprovalRequired(format!(
            "an exception on {} data needs a second approver's approval (OpenRequest::with_approval); none was given",
            terms.category
        )));
    };
    let object_id: [u8; 16] = object_id.try_into().map_err(|_| Error::Internal("object id length".into()))?;
    let expected = ApprovalTerms {
        object_id,
        actor: request.actor.id().to_owned(),
        purpose: request.purpose.clone(),
        exception: exception.kind(),
        reference: exception.reference().map(str::to_owned),
        not_after: now,
    };
    approval.check(access, &expected, now)
}

/// The rule of speciality for one added key of another authority: the originator needs no grant; anyone else needs
/// a valid grant naming the key.
fn check_speciality(speciality: &Speciality, key_id: &KeyId) -> Result<()> {
    let Speciality::Recipient { granted, refusals, no_originator } = speciality else { return Ok(()) };
    if granted.iter().any(|(k, _)| k == key_id) {
        return Ok(());
    }
    let reason = match (no_originator, refusals.iter().find(|(k, _)| k == key_id)) {
        (_, Some((_, why))) => why.clone(),
        (Some(why), None) => why.clone(),
        (None, None) => {
            "this custodian is not the envelope's originator, and no grant of the originator names this key".into()
        }
    };
    Err(Error::OnwardTransferNotGranted { key_id: *key_id, reason })
}

/// Decide whether `actor` may replace a rotated key of this custodian's by its successor in data sealed under
/// `terms`: clearance only.
///
/// The data key is unwrapped in memory, so the actor must be cleared for the data; but no purpose is stated and
/// neither expiry nor jurisdiction applies, because nobody gains access who did not have it (the successor belongs
/// to the same custodian) and rotation hygiene must work on retained data, expired or not, run by whichever operator
/// the custodian has.
///
/// # Errors
/// [`Error::ClearanceInsufficient`].
pub(crate) fn decide_rotation(terms: &Terms, actor: &Actor) -> Result<()> {
    if actor.clearance() < terms.classification {
        return Err(Error::ClearanceInsufficient { required: terms.classification, held: actor.clearance() });
    }
    Ok(())
}

/// Whether `purpose` is [`ONWARD_TRANSFER_PURPOSE`] or lies under it.
fn is_onward_transfer_purpose(purpose: &Purpose) -> bool {
    let p = purpose.as_str();
    p.strip_prefix(ONWARD_TRANSFER_PURPOSE).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn list(jurisdictions: &[Jurisdiction]) -> String {
    jurisdictions.iter().map(Jurisdiction::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::time::FixedClock;
    use crate::vocabulary::{CaseRef, ExceptionKind, MAX_ACTOR_FIELD_LEN, MAX_CASE_REF_LEN};

    fn j(s: &str) -> Jurisdiction {
        Jurisdiction::parse(s).expect("valid")
    }

    fn terms() -> Terms {
        Terms {
            purposes: PurposeSet::parse(&["investigation", "prosecution"]).expect("valid"),
            category: Category::FinancialRecords,
            classification: Classification::Confidential,
            origin: Some(j("DE")),
            destinations: vec![j("NL")],
            not_after: Some(Timestamp::from_unix(2_000)),
            case: None,
        }
    }

    fn actor(jur: &str, clearance: Classification) -> Actor {
        Actor::new("anna.prosecutor", "prosecutor", j(jur), clearance).expect("valid")
    }

    fn req(purpose: &str) -> OpenRequest {
        OpenRequest::new(actor("NL", Classification::Secret), Purpose::parse(purpose).expect("valid"))
    }

    fn gate(at: u64) -> PolicyGate {
        PolicyGate::new(Arc::new(FixedClock::new(Timestamp::from_unix(at))))
    }

    const WHY: &str = "The account holder is the suspected organiser; the court ordered disclosure for the trial";

    #[test]
    fn permitted_purpose_and_subpurpose() {
        let d = gate(1_000).decide(&terms(), &req("prosecution.trial")).expect("allowed");
        assert_eq!(d.basis, Basis::Purpose(Purpose::parse("prosecution").expect("valid")));
        assert!(d.used_exception().is_none());
        assert_eq!(d.at, Timestamp::from_unix(1_000));
    }

    #[test]
    fn refuses_other_purpose_naming_both() {
        let e = gate(1_000).decide(&terms(), &req("asset_recovery")).unwrap_err();
        match &e {
            Error::PurposeNotPermitted { requested, permitted } => {
                assert_eq!(requested, "asset_recovery");
                assert_eq!(permitted, "investigation, prosecution");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.is_refusal());
    }

    #[test]
    fn refuses_expired_clearance_and_jurisdiction() {
        let e = gate(2_001).decide(&terms(), &req("investigation")).unwrap_err();
        assert!(
            matches!(e, Error::Expired { not_after, now } if not_after.as_unix() == 2_000 && now.as_unix() == 2_001)
        );
        assert!(gate(2_000).decide(&terms(), &req("investigation")).is_ok(), "not-after is inclusive");

        let r = OpenRequest::new(actor("NL", Classification::Restricted), Purpose::parse("investigation").expect("ok"));
        let e = gate(1_000).decide(&terms(), &r).unwrap_err();
        assert!(matches!(
            e,
            Error::ClearanceInsufficient { required: Classification::Confidential, held: Classification::Restricted }
        ));

        let r = OpenRequest::new(actor("FR", Classification::Secret), Purpose::parse("investigation").expect("ok"));
        let e = gate(1_000).decide(&terms(), &r).unwrap_err();
        assert!(
            matches!(&e, Error::JurisdictionNotPermitted { actor, permitted } if actor == "FR" && permitted == "DE, NL")
        );

        // The origin may always open.
        let r = OpenRequest::new(actor("DE", Classification::Secret), Purpose::parse("investigation").expect("ok"));
        assert!(gate(1_000).decide(&terms(), &r).is_ok());
        // No jurisdictions at all: anywhere.
        let mut open_terms = terms();
        open_terms.origin = None;
        open_terms.destinations.clear();
        let r = OpenRequest::new(actor("FR", Classification::Secret), Purpose::parse("investigation").expect("ok"));
        assert!(gate(1_000).decide(&open_terms, &r).is_ok());
    }

    #[test]
    fn every_exception_kind_opens_an_ungranted_purpose_and_is_reported() {
        for kind in ExceptionKind::ALL {
            let ex = ExceptionGround::new(kind, Some("ref-1"), WHY).expect("valid");
            let r = req("asset_recovery").with_exception(ex.clone());
            let d = gate(1_000).decide(&terms(), &r).expect("allowed by exception");
            assert_eq!(d.used_exception(), Some(&ex));
            assert_eq!(d.used_exception().map(ExceptionGround::kind), Some(kind));
        }
    }

    #[test]
    fn an_exception_does_not_override_expiry_clearance_or_jurisdiction() {
        let ex = ExceptionGround::court_order("ref-1", WHY).expect("valid");
        assert!(matches!(
            gate(3_000).decide(&terms(), &req("asset_recovery").with_exception(ex.clone())),
            Err(Error::Expired { .. })
        ));
        let r =
            OpenRequest::new(actor("FR", Classification::Secret), Purpose::parse("x").expect("ok")).with_exception(ex);
        assert!(matches!(gate(1_000).decide(&terms(), &r), Err(Error::JurisdictionNotPermitted { .. })));
    }

    #[test]
    fn an_exception_without_justification_cannot_be_built() {
        assert!(matches!(ExceptionGround::court_order("ref-1", ""), Err(Error::InvalidException(_))));
        assert!(matches!(ExceptionGround::imminent_threat("urgent"), Err(Error::InvalidException(_))));
    }

    #[test]
    fn a_granted_purpose_does_not_use_the_exception() {
        let ex = ExceptionGround::court_order("ref-1", WHY).expect("valid");
        let d = gate(1_000).decide(&terms(), &req("investigation").with_exception(ex)).expect("allowed");
        assert!(d.used_exception().is_none());
    }

    #[test]
    fn case_refs_and_actors_are_validated() {
        assert!(CaseRef::parse("MLA-2026-0042").is_ok());
        assert!(CaseRef::parse("").is_err());
        assert!(CaseRef::parse(" x").is_err());
        assert!(CaseRef::parse("a\nb").is_err());
        assert!(CaseRef::parse(&"x".repeat(129)).is_err());
        assert!(Actor::new("", "r", j("DE"), Classification::Public).is_err());
        assert!(Actor::new("id", "r\u{7}", j("DE"), Classification::Public).is_err());
        assert!(Actor::new("anna\u{202e}nimda", "r", j("DE"), Classification::Public).is_err(), "bidi override");
        assert!(Actor::new("a\u{2028}b", "r", j("DE"), Classification::Public).is_err(), "line separator");
        assert!(Actor::new(" anna", "r", j("DE"), Classification::Public).is_err(), "spaces at the ends");
        assert!(Actor::new("anna.schmidt@bka.de", "central authority", j("DE"), Classification::Public).is_ok());
    }

    /// JSON that `Actor::new` would refuse: each must fail to deserialize (it would otherwise land in the log).
    #[test]
    fn hostile_actor_json_is_refused() {
        let good = r#"{"id":"anna","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#;
        let a: Actor = serde_json::from_str(good).expect("valid actor");
        assert_eq!(a, Actor::new("anna", "prosecutor", j("DE"), Classification::Secret).expect("valid"));
        assert_eq!(serde_json::to_string(&a).expect("json"), good, "round trip");
        let long = "x".repeat(MAX_ACTOR_FIELD_LEN + 1);
        let hostile = [
            r#"{"id":"","role":"","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna\nopened by: admin","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#
                .to_owned(),
            r#"{"id":"anna\u0000","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"pro\rsecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor\u001b[2J","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna\u202e","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":" anna","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            format!(r#"{{"id":"{long}","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}}"#),
            format!(r#"{{"id":"anna","role":"{long}","jurisdiction":"DE","clearance":"secret"}}"#),
            r#"{"id":42,"role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":null,"role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":["anna"],"role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor","jurisdiction":"XX","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor","jurisdiction":"de","clearance":"secret"}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor","jurisdiction":"DE","clearance":"cosmic"}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor","jurisdiction":"DE","clearance":3}"#.to_owned(),
            r#"{"id":"anna","role":"prosecutor","jurisdiction":"DE","clearance":"secret","admin":true}"#.to_owned(),
            r#"{"id":"anna","id":"bob","role":"prosecutor","jurisdiction":"DE","clearance":"secret"}"#.to_owned(),
            r#""anna""#.to_owned(),
            "null".to_owned(),
        ];
        for json in &hostile {
            assert!(serde_json::from_str::<Actor>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn hostile_case_ref_json_is_refused() {
        assert_eq!(serde_json::from_str::<CaseRef>(r#""MLA-2026-0042""#).expect("valid").as_str(), "MLA-2026-0042");
        let long = format!("\"{}\"", "x".repeat(MAX_CASE_REF_LEN + 1));
        for json in [
            r#""""#,
            r#"" MLA-1""#,
            r#""MLA-1 ""#,
            r#""MLA\n1""#,
            r#""MLA\u00001""#,
            r#""MLA\t1""#,
            r#""MLA-\u00e9""#,
            r#""MLA\u007f""#,
            &long,
            "42",
            "null",
            r#"["MLA-1"]"#,
            r#"{"case":"MLA-1"}"#,
        ] {
            assert!(serde_json::from_str::<CaseRef>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn hostile_classification_and_category_json_is_refused() {
        assert_eq!(serde_json::from_str::<Classification>(r#""secret""#).expect("valid"), Classification::Secret);
        assert_eq!(
            serde_json::from_str::<Category>(r#""financial_records""#).expect("valid"),
            Category::FinancialRecords
        );
        for json in [r#""""#, r#""Secret""#, r#""secret ""#, r#""secret\u0000""#, "3", "null", r#"["secret"]"#] {
            assert!(serde_json::from_str::<Classification>(json).is_err(), "accepted {json}");
            assert!(serde_json::from_str::<Category>(json).is_err(), "accepted {json}");
        }
    }

    // ---- re-wrap ---------------------------------------------------------------------------------------------------

    /// The issue's envelope: a witness's identity, secret, for witness protection (and the execution of the MLA
    /// request), sealed in DE for NL, expiring at 2 000.
    fn witness_terms() -> Terms {
        Terms {
            purposes: PurposeSet::parse(&["witness_protection", "mla.execution"]).expect("valid"),
            category: Category::WitnessIdentity,
            classification: Classification::Secret,
            origin: Some(j("DE")),
            destinations: vec![j("NL")],
            not_after: Some(Timestamp::from_unix(2_000)),
            case: None,
        }
    }

    fn rewrap_at(t: &Terms, r: &RewrapRequest, now: Timestamp) -> Result<Decision> {
        decide_rewrap_at(t, &[], r, now)
    }

    fn kid(n: u8) -> KeyId {
        KeyId::from_bytes([n; 16])
    }

    fn foreign(n: u8, jur: Option<&str>) -> NewRecipient {
        NewRecipient::Authority { key_id: kid(n), jurisdiction: jur.map(j) }
    }

    fn rewrap(jur: &str, clearance: Classification, purpose: &str, add: Vec<NewRecipient>) -> RewrapRequest {
        RewrapRequest::new(actor(jur, clearance), Purpose::parse(purpose).expect("valid"), add)
    }

    #[test]
    fn rewrap_applies_the_open_rules_in_order() {
        let t = witness_terms();
        let own = vec![NewRecipient::Own(kid(1))];
        // The issue's attacker: FR, clearance public, after expiry. Clearance is reported first.
        let e = rewrap_at(
            &t,
            &rewrap("FR", Classification::Public, "witness_protection", own.clone()),
            Timestamp::from_unix(3_000),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            Error::ClearanceInsufficient { required: Classification::Secret, held: Classification::Public }
        ));
        let e = rewrap_at(
            &t,
            &rewrap("FR", Classification::Secret, "witness_protection", own.clone()),
            Timestamp::from_unix(3_000),
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::JurisdictionNotPermitted { actor, permitted } if actor == "FR" && permitted == "DE, NL")
        );
        let e = rewrap_at(
            &t,
            &rewrap("NL", Classification::Secret, "witness_protection", own.clone()),
            Timestamp::from_unix(3_000),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Expired { .. }));
        let e = rewrap_at(
            &t,
            &rewrap("NL", Classification::Secret, "investigation", own.clone()),
            Timestamp::from_unix(1_000),
        )
        .unwrap_err();
        assert!(matches!(&e, Error::PurposeNotPermitted { requested, .. } if requested == "investigation"));
        let d = rewrap_at(
            &t,
            &rewrap("NL", Classification::Secret, "witness_protection", own),
            Timestamp::from_unix(1_000),
        )
        .expect("own key, granted purpose");
        assert_eq!(d.basis, Basis::Purpose(Purpose::parse("witness_protection").expect("valid")));
        // Removing only (nothing added) follows the same rules.
        assert!(
            rewrap_at(
                &t,
                &rewrap("NL", Classification::Secret, "witness_protection", vec![]),
                Timestamp::from_unix(1_000)
            )
            .is_ok()
        );
        assert!(matches!(
            rewrap_at(
                &t,
                &rewrap("FR", Classification::Public, "witness_protection", vec![]),
                Timestamp::from_unix(1_000)
            ),
            Err(Error::ClearanceInsufficient { .. })
        ));
    }

    #[test]
    fn onward_transfer_needs_mla_execution_and_a_permitted_jurisdiction() {
        let t = witness_terms();
        let at = Timestamp::from_unix(1_000);
        // Granted purpose, but not the transfer purpose: refused for the other authority's key, not for an own key.
        let e = rewrap_at(
            &t,
            &rewrap(
                "NL",
                Classification::Secret,
                "witness_protection",
                vec![NewRecipient::Own(kid(1)), foreign(2, Some("NL"))],
            ),
            at,
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::TransferNotPermitted { key_id, purpose } if *key_id == kid(2) && purpose == "witness_protection"),
            "{e}"
        );
        assert!(e.is_refusal());
        // mla.execution and a sub-purpose of it, to a destination's or the origin's authority: allowed.
        for purpose in ["mla.execution", "mla.execution.return"] {
            for jur in ["NL", "DE"] {
                assert!(
                    rewrap_at(&t, &rewrap("NL", Classification::Secret, purpose, vec![foreign(2, Some(jur))]), at)
                        .is_ok(),
                    "{purpose} {jur}"
                );
            }
        }
        // A purpose that merely starts with the same letters is not under it.
        let mut wide = t.clone();
        wide.purposes = PurposeSet::parse(&["mla"]).expect("valid");
        assert!(matches!(
            rewrap_at(&wide, &rewrap("NL", Classification::Secret, "mla.executionx", vec![foreign(2, Some("NL"))]), at),
            Err(Error::TransferNotPermitted { .. })
        ));
        // A parent grant (mla) permits mla.execution by rule 4, so the transfer passes.
        assert!(
            rewrap_at(&wide, &rewrap("NL", Classification::Secret, "mla.execution", vec![foreign(2, Some("NL"))]), at)
                .is_ok()
        );
        // mla.execution not granted by the envelope: refused by the purpose rule first.
        let mut narrow = t.clone();
        narrow.purposes = PurposeSet::parse(&["witness_protection"]).expect("valid");
        assert!(matches!(
            rewrap_at(
                &narrow,
                &rewrap("NL", Classification::Secret, "mla.execution", vec![foreign(2, Some("NL"))]),
                at
            ),
            Err(Error::PurposeNotPermitted { .. })
        ));
        // An authority outside the envelope's jurisdictions.
        let e = rewrap_at(
            &t,
            &rewrap(
                "NL",
                Classification::Secret,
                "mla.execution",
                vec![foreign(2, Some("NL")), foreign(3, Some("FR"))],
            ),
            at,
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::RecipientNotPermitted { key_id, jurisdiction, permitted }
                if *key_id == kid(3) && jurisdiction.as_str() == "FR" && permitted == "DE, NL"),
            "{e}"
        );
        // A key imported without a jurisdiction.
        let e = rewrap_at(&t, &rewrap("NL", Classification::Secret, "mla.execution", vec![foreign(4, None)]), at)
            .unwrap_err();
        assert!(matches!(&e, Error::RecipientJurisdictionUnknown { key_id } if *key_id == kid(4)), "{e}");
        assert!(e.to_string().contains("import it again"), "{e}");
        // No jurisdictions on the envelope: anywhere, but the key must still say where its authority acts.
        let mut anywhere = t.clone();
        anywhere.origin = None;
        anywhere.destinations.clear();
        assert!(
            rewrap_at(
                &anywhere,
                &rewrap("FR", Classification::Secret, "mla.execution", vec![foreign(3, Some("FR"))]),
                at
            )
            .is_ok()
        );
        assert!(matches!(
            rewrap_at(&anywhere, &rewrap("FR", Classification::Secret, "mla.execution", vec![foreign(4, None)]), at),
            Err(Error::RecipientJurisdictionUnknown { .. })
        ));
    }

    #[test]
    fn the_rule_of_speciality_binds_every_custodian_but_the_originator() {
        let t = witness_terms();
        let at = Timestamp::from_unix(1_000);
        let req = |speciality: Speciality| {
            rewrap("NL", Classification::Secret, "mla.execution", vec![foreign(2, Some("NL"))])
                .with_speciality(speciality)
        };
        assert!(rewrap_at(&t, &req(Speciality::Originator), at).is_ok());
        let none = Speciality::Recipient { granted: vec![], refusals: vec![], no_originator: None };
        let e = rewrap_at(&t, &req(none), at).unwrap_err();
        assert!(
            matches!(&e, Error::OnwardTransferNotGranted { key_id, reason }
            if *key_id == kid(2) && reason.contains("not the envelope's originator")),
            "{e}"
        );
        assert_eq!(e.code(), 215);
        assert!(e.is_refusal());
        let granted = Speciality::Recipient {
            granted: vec![(kid(2), GrantId::from_bytes([1; 16]))],
            refusals: vec![],
            no_originator: None,
        };
        assert!(rewrap_at(&t, &req(granted), at).is_ok());
        // A grant for another key does not help; the specific reason wins over the general one.
        let other = Speciality::Recipient {
            granted: vec![(kid(3), GrantId::from_bytes([1; 16]))],
            refusals: vec![(kid(2), "grant x expired".into())],
            no_originator: Some("unsigned".into()),
        };
        let e = rewrap_at(&t, &req(other), at).unwrap_err();
        assert!(matches!(&e, Error::OnwardTransferNotGranted { reason, .. } if reason == "grant x expired"), "{e}");
        let unsigned =
            Speciality::Recipient { granted: vec![], refusals: vec![], no_originator: Some("unsigned".into()) };
        let e = rewrap_at(&t, &req(unsigned.clone()), at).unwrap_err();
        assert!(matches!(&e, Error::OnwardTransferNotGranted { reason, .. } if reason == "unsigned"), "{e}");
        // Own keys need no grant; the open rules still come first.
        let own = rewrap("NL", Classification::Secret, "mla.execution", vec![NewRecipient::Own(kid(1))])
            .with_speciality(unsigned.clone());
        assert!(rewrap_at(&t, &own, at).is_ok());
        let cleared_out = rewrap("NL", Classification::Public, "mla.execution", vec![foreign(2, Some("NL"))])
            .with_speciality(unsigned);
        assert!(matches!(rewrap_at(&t, &cleared_out, at), Err(Error::ClearanceInsufficient { .. })));
    }

    #[test]
    fn an_extension_allows_its_purposes_and_names_its_grant() {
        let t = terms();
        let g = GrantId::from_bytes([7; 16]);
        let ext = [Extension::new(g, PurposeSet::parse(&["asset_recovery"]).expect("p"))];
        let d = decide_at(&t, &ext, &req("asset_recovery.freezing"), Timestamp::from_unix(1_000)).expect("allowed");
        assert_eq!(d.basis, Basis::Extended { purpose: Purpose::parse("asset_recovery").expect("p"), grant: g });
        assert!(d.used_exception().is_none());
        // The envelope's own purposes first.
        let d = decide_at(&t, &ext, &req("investigation"), Timestamp::from_unix(1_000)).expect("allowed");
        assert_eq!(d.basis, Basis::Purpose(Purpose::parse("investigation").expect("p")));
        // Not under any: refused, naming the extension too; the clearance rule is not bypassed.
        let e = decide_at(&t, &ext, &req("extradition"), Timestamp::from_unix(1_000)).unwrap_err();
        assert!(e.to_string().contains("asset_recovery (extended by grant"), "{e}");
        assert!(decide_at(&t, &[], &req("asset_recovery"), Timestamp::from_unix(1_000)).is_err());
    }

    #[test]
    fn an_exception_never_authorizes_a_rewrap() {
        // RewrapRequest has no exception to give; the open gate with one would allow this purpose, the re-wrap
        // gate refuses it.
        let t = witness_terms();
        let at = Timestamp::from_unix(1_000);
        let ex = ExceptionGround::court_order("ref-1", WHY).expect("valid");
        let open = OpenRequest::new(actor("NL", Classification::Secret), Purpose::parse("investigation").expect("ok"))
            .with_exception(ex);
        assert!(decide_at(&t, &[], &open, at).is_ok());
        assert!(matches!(
            rewrap_at(&t, &rewrap("NL", Classification::Secret, "investigation", vec![NewRecipient::Own(kid(1))]), at),
            Err(Error::PurposeNotPermitted { .. })
        ));
    }

    #[test]
    fn rotation_needs_clearance_only() {
        let t = witness_terms();
        // Outside the jurisdictions, and (the clock is not even consulted) after expiry: allowed when cleared.
        assert!(decide_rotation(&t, &actor("FR", Classification::Secret)).is_ok());
        assert!(matches!(
            decide_rotation(&t, &actor("NL", Classification::Confidential)),
            Err(Error::ClearanceInsufficient { required: Classification::Secret, held: Classification::Confidential })
        ));
    }

    #[test]
    fn the_gate_reads_its_clock_for_rewraps() {
        let t = witness_terms();
        let r = rewrap("NL", Classification::Secret, "witness_protection", vec![]);
        assert!(gate(2_000).decide_rewrap(&t, &r).is_ok());
        assert!(matches!(gate(2_001).decide_rewrap(&t, &r), Err(Error::Expired { .. })));
        assert!(!r.is_transfer());
        assert!(rewrap("NL", Classification::Secret, "mla.execution", vec![foreign(1, Some("NL"))]).is_transfer());
    }
}
