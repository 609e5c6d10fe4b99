//! Breach response through the facade: what a compromised key protected, read from the audit log, and how to move
//! it to a fresh key. The log is the only source: this module never reads envelopes, and it says what the log
//! cannot know (envelopes sealed before the log began, or by other custodians and never seen here).

use std::collections::BTreeMap;

use super::keys::KeyInfo;
use super::share::RewrapPlan;
use super::{Custodian, transfer};
use crate::audit::{EventKind, LogEntry, Outcome};
use crate::error::{Error, Result};
use crate::keys::keyring::KeyState;
use crate::vocabulary::purpose::Purpose;
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{CaseRef, KeyId, KeyKind};

/// One envelope a key protected, as the audit log shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ProtectedEnvelope {
    /// The envelope's object id, lowercase hex.
    pub object_id: String,
    /// Its case, if the log names one.
    pub case_ref: Option<CaseRef>,
    /// Its recipients after the last change the log shows (the key itself included unless re-wrapped away).
    pub recipients: Vec<KeyId>,
    /// How the key came to protect it, in log order: `sealed`, `shared`, `rewrapped`, `opened` (an envelope sealed
    /// elsewhere and first seen here when it was opened, refused or re-wrapped).
    pub via: Vec<String>,
    /// Whether, by the log, the newest copy still has a stanza for the key. `false` after a re-wrap removed it; any
    /// copy made before that re-wrap still has one.
    pub still_wrapped: bool,
    /// When the log first shows the key protecting it.
    pub first_seen: Timestamp,
}

/// What a key protected, from the audit log, and the re-wrap that moves it to a fresh key
/// ([`Custodian::compromise_report`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CompromiseReport {
    /// The key, with its compromise mark if it was marked.
    pub key: KeyInfo,
    /// Every envelope the log shows the key protecting, in the order first seen.
    pub envelopes: Vec<ProtectedEnvelope>,
    /// The cases among them.
    pub cases: Vec<CaseRef>,
    /// When this audit log began (its genesis entry): nothing before is known.
    pub log_began: Timestamp,
    /// For an own key that was rotated: the newest key of its rotation chain, the fresh key the plan moves to.
    pub successor: Option<KeyId>,
    /// The batch re-wrap that moves the envelopes still wrapped to the key onto [`CompromiseReport::successor`]
    /// ([`RewrapPlan::Rotated`], for [`Custodian::rewrap_batch`] over the envelopes' files or bytes); `None` until
    /// the key is rotated, and for another authority's key (see [`CompromiseReport::replace_with`]).
    pub plan: Option<RewrapPlan>,
    /// What this report cannot know, in words for the person handling the breach.
    pub limits: Vec<String>,
}

impl CompromiseReport {
    /// The object ids of the envelopes whose newest copy is still wrapped to the key: what the plan must reach.
    #[must_use]
    pub fn to_rewrap(&self) -> Vec<&str> {
        self.envelopes.iter().filter(|e| e.still_wrapped).map(|e| e.object_id.as_str()).collect()
    }

    /// The report as text, one record per line, fields separated by a tab (the form the C API and the bindings
    /// hand out; `docs/KEYS.md` specifies it):
    ///
    /// ```text
    /// custodia-compromise-report/1
    /// key <id> <compromised at, Unix seconds, or -> <log began, Unix seconds>
    /// successor <id or ->
    /// plan <rotated or ->
    /// envelope <object id> <case or -> <wrapped or moved> <recipient ids, space-separated> <via, space-separated> <first seen, Unix seconds>
    /// case <case>
    /// limit <text>
    /// ```
    #[must_use]
    pub fn to_text(&self) -> String {
        let unix = |t: Timestamp| t.as_unix().to_string();
        let mut out = String::from("custodia-compromise-report/1\n");
        let marked = self.key.compromised.as_ref().map_or("-".to_owned(), |m| unix(m.at));
        out.push_str(&format!("key\t{}\t{marked}\t{}\n", self.key.id, unix(self.log_began)));
        out.push_str(&format!("successor\t{}\n", self.successor.map_or("-".to_owned(), |k| k.to_string())));
        let plan = match self.plan {
            Some(RewrapPlan::Rotated) => "rotated",
            _ => "-",
        };
        out.push_str(&format!("plan\t{plan}\n"));
        for e in &self.envelopes {
            out.push_str(&format!(
                "envelope\t{}\t{}\t{}\t{}\t{}\t{}\n",
                e.object_id,
                e.case_ref.as_ref().map_or("-", CaseRef::as_str),
                if e.still_wrapped { "wrapped" } else { "moved" },
                e.recipients.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
                e.via.join(" "),
                unix(e.first_seen),
            ));
        }
        for c in &self.cases {
            out.push_str(&format!("case\t{c}\n"));
        }
        for l in &self.limits {
            out.push_str(&format!("limit\t{l}\n"));
        }
        out
    }

    /// A plan that replaces the key's stanzas by stanzas for `fresh` (a key of the same holder: a new key of this
    /// custodian, or the other authority's new key once imported), for the stated `purpose`, as
    /// [`Custodian::rewrap_batch`] takes it. The re-wrap passes the gate as [`Custodian::rewrap`] does.
    #[must_use]
    pub fn replace_with(&self, fresh: KeyId, purpose: Purpose) -> RewrapPlan {
        RewrapPlan::Change { purpose, remove: vec![self.key.id], add: vec![fresh] }
    }
}

impl Custodian {
    /// What key `id` protected, from this custodian's audit log: every envelope object id, case and recipient that
    /// was sealed, shared or re-wrapped to the key here, or opened (or refused) here with a stanza for it; whether
    /// each is still wrapped to it; and the re-wrap plan that moves them to a fresh key. Works for own keys and
    /// other authorities' keys, marked compromised or not (a report before marking is how a breach is scoped).
    ///
    /// The log is read as it stands, not verified: run [`Custodian::verify_audit`] first when the answer must hold
    /// against someone who could edit the log file. [`CompromiseReport::limits`] says what the log cannot show.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::Io`], [`Error::AuditMalformed`] or [`Error::AuditTampered`] when the log
    /// cannot be read; [`Error::CustodianClosed`].
    pub fn compromise_report(&self, id: &KeyId) -> Result<CompromiseReport> {
        let _op = self.operation();
        let (key, successor, own) = {
            let ring = self.read()?;
            let body = ring.body();
            let r = body.get(id).ok_or(Error::KeyNotFound(*id))?;
            let mut newest = r;
            for _ in 0..body.keys.len() {
                match newest.rotated_to.and_then(|n| body.get(&n)) {
                    Some(next) => newest = next,
                    None => break,
                }
            }
            let successor = (newest.id != *id && newest.state == KeyState::Active).then_some(newest.id);
            // Own: held with its secret, or a tombstone of a key that was (a destroyed key kept no public record
            // of another authority). Another authority's key is held without its secret and is no tombstone.
            (KeyInfo::from(r), successor, !transfer::is_foreign(r))
        };
        let mut log_began = None;
        let mut found: Vec<ProtectedEnvelope> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        // Recipients of every envelope the log knows, so that an envelope later re-wrapped to the key is complete.
        let mut known: BTreeMap<String, (Vec<KeyId>, Option<CaseRef>)> = BTreeMap::new();
        for entry in self.audit.entries()? {
            let entry = entry?;
            if entry.kind() == EventKind::Genesis {
                log_began.get_or_insert(entry.time);
            }
            track(&entry, id, &mut known, &mut found, &mut index);
        }
        let mut cases: Vec<CaseRef> = found.iter().filter_map(|e| e.case_ref.clone()).collect();
        cases.sort();
        cases.dedup();
        let log_began = log_began.unwrap_or(key.created);
        let mut limits = vec![
            "Only what this custodian's audit log recorded is listed; copies of envelopes made outside custodia, and \
             where envelopes are stored, are not known: map object ids to files or records before re-wrapping."
                .to_owned(),
        ];
        if key.created < log_began {
            limits.push(format!(
                "The key existed before this audit log began ({log_began}): envelopes sealed under it earlier are not \
                 listed."
            ));
        }
        if key.kind != KeyKind::Kek {
            limits.push(
                "Anyone holding the public key can seal to it: envelopes sealed by other custodians are listed only \
                 once they were opened, refused or shared here."
                    .to_owned(),
            );
        }
        if !own {
            limits.push(
                "This is another authority's key: onward copies and transfers made by that authority are in its log, \
                 not this one. Re-wrapping needs a key of this custodian that still opens each envelope; move them \
                 with replace_with(the authority's new key, purpose) once it is imported."
                    .to_owned(),
            );
        }
        if found.iter().any(|e| !e.still_wrapped) {
            limits.push(
                "Envelopes marked not still wrapped were re-wrapped away from the key, but copies made before that \
                 re-wrap still open with it."
                    .to_owned(),
            );
        }
        let plan = match (own, successor) {
            (true, Some(_)) => Some(RewrapPlan::Rotated),
            (true, None) => {
                limits.push("The key has not been rotated: rotate it, then ask again for the plan.".to_owned());
                None
            }
            (false, _) => None,
        };
        Ok(CompromiseReport { key, envelopes: found, cases, log_began, successor, plan, limits })
    }
}

/// Fold one log entry into the report for `id`.
fn track(
    entry: &LogEntry,
    id: &KeyId,
    known: &mut BTreeMap<String, (Vec<KeyId>, Option<CaseRef>)>,
    found: &mut Vec<ProtectedEnvelope>,
    index: &mut BTreeMap<String, usize>,
) {
    let ev = &entry.event;
    let Some(object) = ev.object.clone() else { return };
    let ok = ev.outcome == Outcome::Ok;
    let (via, recipients_now): (&str, Option<Vec<KeyId>>) = match ev.kind {
        EventKind::Sealed if ok => ("sealed", Some(ev.keys.clone())),
        EventKind::Shared | EventKind::Rewrapped if ok => {
            let removed: Vec<KeyId> = ev
                .detail
                .get("removed")
                .map(|s| s.split(' ').filter_map(|k| k.parse().ok()).collect())
                .unwrap_or_default();
            // An envelope first seen here in a re-wrap was sealed elsewhere: the key that unwrapped it protects it.
            let unwrapped_with: Option<KeyId> = ev.detail.get("unwrapped_with").and_then(|k| k.parse().ok());
            let mut now =
                known.get(&object).map(|k| k.0.clone()).unwrap_or_else(|| unwrapped_with.into_iter().collect());
            if let Some(k) = unwrapped_with
                && !now.contains(&k)
            {
                now.push(k);
            }
            now.retain(|k| !removed.contains(k));
            for k in &ev.keys {
                if !now.contains(k) {
                    now.push(*k);
                }
            }
            let via = match ev.kind {
                // The key was there before this re-wrap (it unwrapped an envelope sealed elsewhere): seen here.
                _ if !ev.keys.contains(id) => "opened",
                EventKind::Shared => "shared",
                _ => "rewrapped",
            };
            (via, Some(now))
        }
        // An open (or its refusal) lists the envelope's stanzas; a refused share or re-wrap lists only the keys it
        // meant to add, which never received anything.
        EventKind::Opened | EventKind::ExceptionUsed | EventKind::Refused if !ev.detail.contains_key("operation") => {
            ("opened", (!ev.keys.is_empty()).then(|| ev.keys.clone()))
        }
        _ => return,
    };
    let Some(recipients) = recipients_now else { return };
    let entry_case = ev.case.clone();
    let slot = known.entry(object.clone()).or_insert_with(|| (Vec::new(), None));
    let added_here = !slot.0.contains(id) && recipients.contains(id);
    if !matches!(ev.kind, EventKind::Sealed | EventKind::Shared | EventKind::Rewrapped) {
        // An open does not change recipients; it tells us about envelopes sealed elsewhere.
        for k in &recipients {
            if !slot.0.contains(k) {
                slot.0.push(*k);
            }
        }
    } else {
        slot.0 = recipients;
    }
    if slot.1.is_none() {
        slot.1 = entry_case;
    }
    let (recipients, case) = (slot.0.clone(), slot.1.clone());
    let wrapped = recipients.contains(id);
    match index.get(&object) {
        Some(&i) => {
            let e = &mut found[i];
            e.recipients = recipients;
            e.still_wrapped = wrapped;
            if added_here {
                e.via.push(via.to_owned());
            }
            if e.case_ref.is_none() {
                e.case_ref = case;
            }
        }
        None if wrapped => {
            index.insert(object.clone(), found.len());
            found.push(ProtectedEnvelope {
                object_id: object,
                case_ref: case,
                recipients,
                via: vec![via.to_owned()],
                still_wrapped: true,
                first_seen: entry.time,
            });
        }
        None => {}
    }
}
