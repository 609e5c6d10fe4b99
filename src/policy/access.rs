//! The access policy: need-to-know inside an authority (roles and case teams), declarative transfer rules, and the
//! categories whose exceptions need a second approver (four eyes).
//!
//! This module knows rules and their text form (TOML, written by hand by operators: see `docs/POLICY.md`); it reads
//! no file and touches no key. The custodian loads the file, records changes, and asks the gate, which evaluates
//! need-to-know after clearance and jurisdiction and before expiry and purpose (DESIGN section 7).
//!
//! Every policy, whether parsed or built in code ([`AccessPolicyBuilder`]), goes through the one validating parser,
//! so a built policy and the file it is written to are the same rules, and its hash ([`AccessPolicy::sha256`]) is
//! the hash of those bytes.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::error::{Error, Result};
use crate::vocabulary::{Actor, CaseRef, Category, Jurisdiction, KeyKind, Purpose, PurposeSet};

/// The access policy's file name in the custodian directory.
pub const ACCESS_POLICY_FILE: &str = "access-policy.toml";
/// Largest access policy text accepted, in bytes.
pub const MAX_POLICY_LEN: usize = 1 << 20;
/// The policy format version this library reads and writes (`version = 1`).
pub const POLICY_VERSION: u32 = 1;

/// Whether data is admitted when no case team names its case (see `docs/POLICY.md`, "Case teams").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Admission {
    /// Refused with [`Error::NotOnCase`] (the default: fail closed).
    #[default]
    Refuse,
    /// Admitted; roles still apply.
    Allow,
}

/// What a transfer rule says about data of a category leaving for a jurisdiction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransferDecision {
    /// The transfer may happen (the default rule when the policy states none).
    #[default]
    Allow,
    /// Only when the envelope's legal instrument states a transfer basis ([`Error::LegalBasisRequired`]).
    LegalBasis,
    /// Never ([`Error::TransferRefused`]).
    Refuse,
}

/// How a masked view of a record field is made from its value (`[[mask]]` in the access policy, `docs/POLICY.md`
/// "Masked views"). A masked view is computed from the value inside custodia; the reader gets only its result, a text,
/// never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MaskRule {
    /// An account number: the first and last 4 characters, every 4 in between as `****` (spaces removed first):
    /// `NL91ABNA0417164300` becomes `NL91 **** **** **** 4300`. 8 characters or fewer: `****`.
    Iban,
    /// Every digit but the last three replaced by `*`, other characters kept: `+31 6 1234 5678` becomes
    /// `+** * **** *678`. Integers too.
    LastThreeDigits,
    /// Each word's first character and a dot: `Jan de Vries` becomes `J. d. V.`.
    Initials,
    /// A date's year: `1971-05-04` becomes `1971` (dates, and texts that are dates).
    Year,
}

impl MaskRule {
    /// The rule's name in the policy file (`iban`, `last_three_digits`, `initials`, `year`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Iban => "iban",
            Self::LastThreeDigits => "last_three_digits",
            Self::Initials => "initials",
            Self::Year => "year",
        }
    }

    /// The stable code of the rule in the C API (`CUSTODIA_MASK_*`: 1 iban ... 4 year).
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::Iban => 1,
            Self::LastThreeDigits => 2,
            Self::Initials => 3,
            Self::Year => 4,
        }
    }

    /// The masked view of `value`, or `None` when the rule does not apply to a value of its type (the field then
    /// stays withheld). Only the result leaves this function.
    #[must_use]
    pub fn apply(self, value: &crate::format::FieldValue) -> Option<zeroize::Zeroizing<String>> {
        use crate::format::FieldValue;
        use zeroize::Zeroizing;
        let out = match (self, value) {
            (Self::Iban, FieldValue::Text(s)) => {
                let chars: Zeroizing<Vec<char>> = Zeroizing::new(s.chars().filter(|c| !c.is_whitespace()).collect());
                if chars.len() <= 8 {
                    "****".to_owned()
                } else {
                    let mut o: String = chars[..4].iter().collect();
                    for _ in 0..(chars.len() - 8).div_ceil(4) {
                        o.push_str(" ****");
                    }
                    o.push(' ');
                    o.extend(&chars[chars.len() - 4..]);
                    o
                }
            }
            (Self::LastThreeDigits, FieldValue::Text(s)) => last_three(s),
            (Self::LastThreeDigits, FieldValue::Integer(i)) => last_three(&Zeroizing::new(i.to_string())),
            (Self::Initials, FieldValue::Text(s)) => {
                let words: Vec<String> =
                    s.split_whitespace().filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect();
                words.join(" ")
            }
            (Self::Year, FieldValue::Date(d)) => format!("{:04}", d.year()),
            (Self::Year, FieldValue::Text(s)) => {
                format!("{:04}", crate::format::RecordDate::parse(s.trim()).ok()?.year())
            }
            _ => return None,
        };
        Some(Zeroizing::new(out))
    }
}

fn last_three(s: &str) -> String {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 3 <= digits { '*' } else { c }
            } else {
                c
            }
        })
        .collect()
}

impl core::str::FromStr for MaskRule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        [Self::Iban, Self::LastThreeDigits, Self::Initials, Self::Year]
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown mask rule {s:?}")))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct MaskEntry {
    category: Category,
    purposes: PurposeSet,
    /// `None`: every role.
    roles: Option<Vec<String>>,
    rule: MaskRule,
}

/// A second approver of exceptions (four eyes): who, and the Ed25519 public key their approvals verify against.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Approver {
    /// The approver's actor id.
    pub id: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
}

/// A validated access policy (see the module documentation and `docs/POLICY.md`).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    roles: BTreeMap<String, RoleRule>,
    teams: BTreeMap<CaseRef, CaseTeam>,
    uncased: Admission,
    unlisted: Admission,
    transfer_default: TransferDecision,
    transfers: Vec<TransferRule>,
    four_eyes: Vec<Category>,
    approvers: Vec<Approver>,
    receipt_actor_names: Option<bool>,
    masks: Vec<MaskEntry>,
    text: String,
}

impl core::fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("roles", &self.roles.len())
            .field("case_teams", &self.teams.len())
            .field("transfer_rules", &self.transfers.len())
            .field("four_eyes", &self.four_eyes)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct RoleRule {
    /// `None`: every category.
    categories: Option<Vec<Category>>,
    purposes: PurposeSet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct CaseTeam {
    actors: Vec<String>,
    roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct TransferRule {
    /// `None`: every category.
    category: Option<Category>,
    /// `None`: every jurisdiction other than the origin.
    to: Option<Jurisdiction>,
    decision: TransferDecision,
}

impl AccessPolicy {
    /// Parse and validate a policy from its TOML text.
    ///
    /// # Errors
    /// [`Error::PolicyInvalid`] with the line and column of the first problem (syntax, unknown key, unknown
    /// category, invalid purpose, jurisdiction, case reference or key text, a team naming an undefined role, ...).
    pub fn from_toml(text: &str) -> Result<Self> {
        if text.len() > MAX_POLICY_LEN {
            return Err(Error::PolicyInvalid {
                line: 0,
                column: 0,
                reason: format!("the policy is {} bytes, at most {MAX_POLICY_LEN}", text.len()),
            });
        }
        let wire: PolicyWire = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| position(text, s.start));
            Error::PolicyInvalid { line, column, reason: e.message().trim().to_owned() }
        })?;
        let at = |span: Range<usize>, reason: String| {
            let (line, column) = position(text, span.start);
            Error::PolicyInvalid { line, column, reason }
        };
        if *wire.version.get_ref() != POLICY_VERSION {
            return Err(at(
                wire.version.span(),
                format!("unsupported policy version {}; this library reads version {POLICY_VERSION}", wire.version),
            ));
        }
        let mut roles = BTreeMap::new();
        for (name, role) in wire.roles {
            check_name(name.get_ref()).map_err(|r| at(name.span(), format!("role name: {r}")))?;
            let categories = categories(&role.categories, &at)?;
            let mut purposes = PurposeSet::new();
            for p in &role.purposes {
                let purpose = Purpose::parse(p.get_ref()).map_err(|e| at(p.span(), e.to_string()))?;
                purposes.insert(purpose).map_err(|e| at(p.span(), e.to_string()))?;
            }
            if purposes.is_empty() {
                return Err(at(name.span(), format!("role {name} names no purpose")));
            }
            roles.insert(name.into_inner(), RoleRule { categories, purposes });
        }
        let mut teams = BTreeMap::new();
        for team in wire.cases.team {
            let case = CaseRef::parse(team.case.get_ref()).map_err(|e| at(team.case.span(), e.to_string()))?;
            if team.actors.is_empty() && team.roles.is_empty() {
                return Err(at(team.case.span(), format!("case team {case} names no actor and no role")));
            }
            for a in &team.actors {
                check_name(a.get_ref()).map_err(|r| at(a.span(), format!("actor id: {r}")))?;
            }
            for r in &team.roles {
                check_name(r.get_ref()).map_err(|e| at(r.span(), format!("role: {e}")))?;
                if !roles.is_empty() && !roles.contains_key(r.get_ref()) {
                    return Err(at(
                        r.span(),
                        format!("case team {case} names role {r}, which no [roles] entry defines"),
                    ));
                }
            }
            let members = CaseTeam {
                actors: team.actors.into_iter().map(Spanned::into_inner).collect(),
                roles: team.roles.into_iter().map(Spanned::into_inner).collect(),
            };
            if teams.insert(case.clone(), members).is_some() {
                return Err(at(team.case.span(), format!("case {case} has two teams")));
            }
        }
        let mut transfers: Vec<TransferRule> = Vec::new();
        for rule in wire.transfers.rule {
            let category = match rule.category.get_ref().as_str() {
                "*" => None,
                c => Some(c.parse::<Category>().map_err(|e| at(rule.category.span(), e.to_string()))?),
            };
            let to = match rule.to.get_ref().as_str() {
                "*" => None,
                j => Some(Jurisdiction::parse(j).map_err(|e| at(rule.to.span(), e.to_string()))?),
            };
            if transfers.iter().any(|t| t.category == category && t.to == to) {
                return Err(at(
                    rule.category.span(),
                    "two transfer rules for the same category and destination".into(),
                ));
            }
            transfers.push(TransferRule { category, to, decision: rule.decision });
        }
        // `["*"]`: every category.
        let four_eyes = if wire.four_eyes.categories.is_empty() {
            Vec::new()
        } else {
            categories(&wire.four_eyes.categories, &at)?.unwrap_or_else(|| Category::ALL.to_vec())
        };
        let mut approvers: Vec<Approver> = Vec::new();
        for a in wire.four_eyes.approver {
            check_name(a.id.get_ref()).map_err(|r| at(a.id.span(), format!("approver id: {r}")))?;
            let (kind, public) =
                crate::keys::decode_public(a.key.get_ref()).map_err(|e| at(a.key.span(), e.to_string()))?;
            let public_key: [u8; 32] = match (kind, <[u8; 32]>::try_from(public.as_slice())) {
                (KeyKind::Ed25519, Ok(k)) => k,
                _ => return Err(at(a.key.span(), format!("an approver's key must be an ed25519 key, not {kind}"))),
            };
            if approvers.iter().any(|x| x.public_key == public_key) {
                return Err(at(a.key.span(), "two approvers share one key".into()));
            }
            approvers.push(Approver { id: a.id.into_inner(), public_key });
        }
        let mut masks = Vec::new();
        for m in wire.mask {
            let category =
                m.category.get_ref().parse::<Category>().map_err(|e| at(m.category.span(), e.to_string()))?;
            let mut purposes = PurposeSet::new();
            for p in &m.purposes {
                let purpose = Purpose::parse(p.get_ref()).map_err(|e| at(p.span(), e.to_string()))?;
                purposes.insert(purpose).map_err(|e| at(p.span(), e.to_string()))?;
            }
            if purposes.is_empty() {
                return Err(at(m.category.span(), "a [[mask]] entry names no purpose".into()));
            }
            let roles = match &m.roles {
                None => None,
                Some(list) => {
                    for r in list {
                        check_name(r.get_ref()).map_err(|e| at(r.span(), format!("role: {e}")))?;
                    }
                    Some(list.iter().map(|r| r.get_ref().clone()).collect())
                }
            };
            masks.push(MaskEntry { category, purposes, roles, rule: m.rule });
        }
        if !wire.four_eyes.categories.is_empty() && approvers.is_empty() {
            return Err(at(
                wire.four_eyes.categories[0].span(),
                "[four_eyes] names categories but no [[four_eyes.approver]]: no exception on them could ever be approved"
                    .into(),
            ));
        }
        Ok(Self {
            roles,
            teams,
            uncased: wire.cases.uncased,
            unlisted: wire.cases.unlisted,
            transfer_default: wire.transfers.default,
            transfers,
            four_eyes,
            approvers,
            receipt_actor_names: wire.receipts.name_actors,
            masks,
            text: text.to_owned(),
        })
    }

    /// The masked view `actor` may have of a record field of `category` it is refused, when stating `purpose`: the
    /// first `[[mask]]` entry for that category whose purposes permit `purpose` and whose roles (if it names any)
    /// include the actor's.
    #[must_use]
    pub fn mask_for(&self, actor: &Actor, category: Category, purpose: &Purpose) -> Option<MaskRule> {
        self.masks_for(actor, category, purpose).into_iter().next()
    }

    /// Every `[[mask]]` rule that matches, in file order: the custodian uses the first whose rule applies to the
    /// field's value (so `initials` for a name and `year` for a date of birth can both be given for one category).
    #[must_use]
    pub fn masks_for(&self, actor: &Actor, category: Category, purpose: &Purpose) -> Vec<MaskRule> {
        self.masks
            .iter()
            .filter(|m| {
                m.category == category
                    && m.purposes.permits(purpose)
                    && m.roles.as_ref().is_none_or(|r| r.iter().any(|x| x == actor.role()))
            })
            .map(|m| m.rule)
            .collect()
    }

    /// Whether disclosure receipts name the actors who opened (`[receipts] name_actors`): `Some(true)`, always;
    /// `Some(false)`, never (a request to name them is refused); `None` (not stated), as the caller asks
    /// (`ReceiptOptions::name_actors`). Receipts give the actor's role either way.
    #[must_use]
    pub fn receipt_actor_names(&self) -> Option<bool> {
        self.receipt_actor_names
    }

    /// A builder for a policy made in code.
    pub fn builder() -> AccessPolicyBuilder {
        AccessPolicyBuilder::default()
    }

    /// The policy's text, exactly as parsed (or as the builder wrote it): what the custodian writes to
    /// [`ACCESS_POLICY_FILE`] and hashes.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// SHA-256 of [`AccessPolicy::text`]: the hash recorded in the `policy_changed` audit event.
    #[must_use]
    pub fn sha256(&self) -> [u8; 32] {
        policy_hash(self.text.as_bytes())
    }

    /// Whether the policy defines roles (if not, every role may open every category for every purpose).
    #[must_use]
    pub fn has_roles(&self) -> bool {
        !self.roles.is_empty()
    }

    /// Whether the policy assigns case teams (if not, every actor is on every case).
    #[must_use]
    pub fn has_case_teams(&self) -> bool {
        !self.teams.is_empty()
    }

    /// The approvers of four-eyes exceptions.
    #[must_use]
    pub fn approvers(&self) -> &[Approver] {
        &self.approvers
    }

    /// Whether an exception on data of `category` needs a second approver's signed approval.
    #[must_use]
    pub fn requires_approval(&self, category: Category) -> bool {
        self.four_eyes.contains(&category)
    }

    /// Need-to-know: may `actor` open data of `category` in case `case` for `purpose`? Case team first, then role.
    ///
    /// # Errors
    /// [`Error::NotOnCase`], [`Error::RoleNotPermitted`].
    pub fn check_need_to_know(
        &self,
        actor: &Actor,
        category: Category,
        case: Option<&CaseRef>,
        purpose: &Purpose,
    ) -> Result<()> {
        if !self.teams.is_empty() {
            let refuse = |reason: String| Error::NotOnCase {
                actor: actor.id().to_owned(),
                case: case.map_or_else(|| "(none)".to_owned(), ToString::to_string),
                reason,
            };
            match case {
                None if self.uncased == Admission::Refuse => {
                    return Err(refuse(
                        "the envelope names no case and the access policy admits uncased data to nobody \
                         (cases.uncased = \"refuse\")"
                            .into(),
                    ));
                }
                None => {}
                Some(c) => match self.teams.get(c) {
                    Some(team)
                        if !team.actors.iter().any(|a| a == actor.id())
                            && !team.roles.iter().any(|r| r == actor.role()) =>
                    {
                        return Err(refuse(format!(
                            "neither the actor nor the role {} is on the case team",
                            actor.role()
                        )));
                    }
                    Some(_) => {}
                    None if self.unlisted == Admission::Refuse => {
                        return Err(refuse(
                            "the access policy has no team for this case (cases.unlisted = \"refuse\")".into(),
                        ));
                    }
                    None => {}
                },
            }
        }
        if !self.roles.is_empty() {
            let refuse = |what: String| Error::RoleNotPermitted { role: actor.role().to_owned(), what };
            let Some(rule) = self.roles.get(actor.role()) else {
                return Err(refuse("anything: the access policy defines no such role".into()));
            };
            if let Some(cats) = &rule.categories
                && !cats.contains(&category)
            {
                return Err(refuse(format!("{category} data")));
            }
            if !rule.purposes.permits(purpose) {
                return Err(refuse(format!("data for purpose {purpose} (the role's purposes: {})", rule.purposes)));
            }
        }
        Ok(())
    }

    /// The rule for data of `category` going to `to`: the most specific rule wins (category and jurisdiction, then
    /// category and `*`, then `*` and jurisdiction, then `*` and `*`), else the default.
    #[must_use]
    pub fn transfer_decision(&self, category: Category, to: Jurisdiction) -> TransferDecision {
        let find = |c: Option<Category>, j: Option<Jurisdiction>| {
            self.transfers.iter().find(|r| r.category == c && r.to == j).map(|r| r.decision)
        };
        find(Some(category), Some(to))
            .or_else(|| find(Some(category), None))
            .or_else(|| find(None, Some(to)))
            .or_else(|| find(None, None))
            .unwrap_or(self.transfer_default)
    }

    /// Check a transfer of data of `category` from `origin` to `to`, the envelope's legal instrument stating
    /// `transfer_basis`. Data staying in its origin is not a transfer.
    ///
    /// # Errors
    /// [`Error::TransferRefused`], [`Error::LegalBasisRequired`].
    pub fn check_transfer(
        &self,
        category: Category,
        origin: Option<Jurisdiction>,
        to: Jurisdiction,
        transfer_basis: Option<&str>,
    ) -> Result<()> {
        if Some(to) == origin {
            return Ok(());
        }
        match self.transfer_decision(category, to) {
            TransferDecision::Allow => Ok(()),
            TransferDecision::LegalBasis if transfer_basis.is_some() => Ok(()),
            TransferDecision::LegalBasis => Err(Error::LegalBasisRequired { category, jurisdiction: to }),
            TransferDecision::Refuse => Err(Error::TransferRefused { category, jurisdiction: to }),
        }
    }
}

/// SHA-256 of a policy file's bytes.
#[must_use]
pub(crate) fn policy_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Builds an [`AccessPolicy`] in code. [`AccessPolicyBuilder::build`] writes the TOML text and parses it, so a
/// built policy is validated exactly as a file is (errors have line 0: there is no file).
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct AccessPolicyBuilder {
    wire: PolicyWire,
}

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(0..0, v)
}

impl AccessPolicyBuilder {
    /// Role `name` may open data of `categories` (empty: every category) for `purposes` (hierarchically).
    pub fn role(mut self, name: &str, categories: &[Category], purposes: &[&str]) -> Self {
        let categories = if categories.is_empty() {
            vec![sp("*".to_owned())]
        } else {
            categories.iter().map(|c| sp(c.name().to_owned())).collect()
        };
        self.wire.roles.insert(
            sp(name.to_owned()),
            RoleWire { categories, purposes: purposes.iter().map(|p| sp((*p).to_owned())).collect() },
        );
        self
    }

    /// The team of case `case`: these actor ids and everyone holding one of these roles.
    pub fn case_team(mut self, case: &str, actors: &[&str], roles: &[&str]) -> Self {
        self.wire.cases.team.push(TeamWire {
            case: sp(case.to_owned()),
            actors: actors.iter().map(|a| sp((*a).to_owned())).collect(),
            roles: roles.iter().map(|r| sp((*r).to_owned())).collect(),
        });
        self
    }

    /// Whether envelopes without a case reference are admitted when the policy has case teams (default: refused).
    pub fn uncased(mut self, admission: Admission) -> Self {
        self.wire.cases.uncased = admission;
        self
    }

    /// Whether envelopes of a case no team names are admitted when the policy has case teams (default: refused).
    pub fn unlisted_cases(mut self, admission: Admission) -> Self {
        self.wire.cases.unlisted = admission;
        self
    }

    /// A transfer rule: data of `category` (`None`: any) going to `to` (`None`: anywhere but its origin).
    pub fn transfer(
        mut self,
        category: Option<Category>,
        to: Option<Jurisdiction>,
        decision: TransferDecision,
    ) -> Self {
        self.wire.transfers.rule.push(RuleWire {
            category: sp(category.map_or("*", Category::name).to_owned()),
            to: sp(to.map_or_else(|| "*".to_owned(), |j| j.as_str().to_owned())),
            decision,
        });
        self
    }

    /// The rule for transfers no rule names (default: allowed).
    pub fn transfer_default(mut self, decision: TransferDecision) -> Self {
        self.wire.transfers.default = decision;
        self
    }

    /// Exceptions on data of `category` need a second approver's signed approval.
    pub fn four_eyes(mut self, category: Category) -> Self {
        self.wire.four_eyes.categories.push(sp(category.name().to_owned()));
        self
    }

    /// An approver of four-eyes exceptions: actor id and Ed25519 public key in custodia's key text form.
    pub fn approver(mut self, id: &str, key_text: &str) -> Self {
        self.wire.four_eyes.approver.push(ApproverWire { id: sp(id.to_owned()), key: sp(key_text.to_owned()) });
        self
    }

    /// Whether disclosure receipts name the actors who opened: always (`true`) or never (`false`); unset, the
    /// caller decides per receipt (see [`AccessPolicy::receipt_actor_names`]).
    pub fn receipt_actor_names(mut self, name: bool) -> Self {
        self.wire.receipts.name_actors = Some(name);
        self
    }

    /// A masked view: an actor refused record fields of `category` who states a purpose `purposes` permit (and, if
    /// `roles` is not empty, holds one of them) gets the field's value masked by `rule` instead of nothing.
    pub fn mask(mut self, category: Category, purposes: &[&str], roles: &[&str], rule: MaskRule) -> Self {
        self.wire.mask.push(MaskWire {
            category: sp(category.name().to_owned()),
            purposes: purposes.iter().map(|p| sp((*p).to_owned())).collect(),
            roles: (!roles.is_empty()).then(|| roles.iter().map(|r| sp((*r).to_owned())).collect()),
            rule,
        });
        self
    }

    /// Write the policy's text and validate it.
    ///
    /// # Errors
    /// [`Error::PolicyInvalid`] (line 0) naming what is wrong.
    pub fn build(self) -> Result<AccessPolicy> {
        let body = toml::to_string(&self.wire).map_err(|e| Error::Internal(format!("policy encoding: {e}")))?;
        let text = format!("# custodia access policy (docs/POLICY.md), written by custodia\n{body}");
        AccessPolicy::from_toml(&text).map_err(|e| match e {
            Error::PolicyInvalid { reason, .. } => Error::PolicyInvalid { line: 0, column: 0, reason },
            other => other,
        })
    }
}

// ---- the file's shape ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyWire {
    version: Spanned<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    roles: BTreeMap<Spanned<String>, RoleWire>,
    #[serde(default)]
    cases: CasesWire,
    #[serde(default)]
    transfers: TransfersWire,
    #[serde(default)]
    four_eyes: FourEyesWire,
    #[serde(default, skip_serializing_if = "ReceiptsWire::is_unset")]
    receipts: ReceiptsWire,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mask: Vec<MaskWire>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaskWire {
    category: Spanned<String>,
    purposes: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<Spanned<String>>>,
    rule: MaskRule,
}

impl Default for PolicyWire {
    fn default() -> Self {
        Self {
            version: sp(POLICY_VERSION),
            roles: BTreeMap::new(),
            cases: CasesWire::default(),
            transfers: TransfersWire::default(),
            four_eyes: FourEyesWire::default(),
            receipts: ReceiptsWire::default(),
            mask: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleWire {
    categories: Vec<Spanned<String>>,
    purposes: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesWire {
    #[serde(default)]
    uncased: Admission,
    #[serde(default)]
    unlisted: Admission,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    team: Vec<TeamWire>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamWire {
    case: Spanned<String>,
    #[serde(default)]
    actors: Vec<Spanned<String>>,
    #[serde(default)]
    roles: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransfersWire {
    #[serde(default)]
    default: TransferDecision,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rule: Vec<RuleWire>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleWire {
    category: Spanned<String>,
    to: Spanned<String>,
    decision: TransferDecision,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptsWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_actors: Option<bool>,
}

impl ReceiptsWire {
    fn is_unset(&self) -> bool {
        self.name_actors.is_none()
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FourEyesWire {
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    approver: Vec<ApproverWire>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproverWire {
    id: Spanned<String>,
    key: Spanned<String>,
}

/// A list of category names, `["*"]` meaning every category (`None`).
fn categories(list: &[Spanned<String>], at: &impl Fn(Range<usize>, String) -> Error) -> Result<Option<Vec<Category>>> {
    if list.len() == 1 && list[0].get_ref() == "*" {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let cat = c.get_ref().parse::<Category>().map_err(|e| at(c.span(), e.to_string()))?;
        if out.contains(&cat) {
            return Err(at(c.span(), format!("category {cat} is listed twice")));
        }
        out.push(cat);
    }
    Ok(Some(out))
}

/// Actor ids and role names follow [`Actor::new`]'s rules.
fn check_name(s: &str) -> core::result::Result<(), String> {
    let max = crate::vocabulary::MAX_ACTOR_FIELD_LEN;
    if s.is_empty() || s.len() > max || !crate::vocabulary::is_printable_text(s) || s.trim() != s {
        return Err(format!("{s:?} must be 1 to {max} bytes of printable text without spaces at the ends"));
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
