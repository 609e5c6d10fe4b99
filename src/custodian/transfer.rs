//! The transfer checks and the transfer record shared by seal, share and open: whether a key may receive anything
//! new (revoked, compromised, outside its validity period), whether another authority's key may be sealed for
//! (its jurisdiction among the envelope's destinations), and the details every `sealed`, `shared`, `opened` and
//! `refused` entry carries about who received what under which instrument. Reads public key records only.

use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::format::{LegalInstrument, MAX_TEXT_LEN};
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody};
use crate::vocabulary::KeyId;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::time::Timestamp;

/// Separator between authority names in the `recipient_authorities` detail (authority names may not contain `|`).
pub(super) const AUTHORITY_SEPARATOR: &str = " | ";

/// Whether a key may receive (or seal, or sign) anything new at `now`: not compromised, not revoked, within the
/// validity period it was imported with. Reads the public record only.
pub(super) fn check_usable_at(r: &KeyRecord, now: Timestamp) -> Result<()> {
    if let Some(m) = &r.compromised {
        return Err(Error::KeyCompromised { key_id: r.id, compromised_at: m.at });
    }
    if let Some(m) = &r.revoked {
        return Err(Error::KeyRevoked { key_id: r.id, revoked_at: m.at, reason: m.reason.clone() });
    }
    let early = r.not_before.is_some_and(|t| now < t);
    let late = r.not_after.is_some_and(|t| now >= t);
    if early || late {
        return Err(Error::KeyNotValid { key_id: r.id, period: validity_text(r), now });
    }
    Ok(())
}

/// `from <t>`, `until <t>`, or both, for a message.
fn validity_text(r: &KeyRecord) -> String {
    match (r.not_before, r.not_after) {
        (Some(a), Some(b)) => format!("from {a} until {b}"),
        (Some(a), None) => format!("from {a}"),
        (None, Some(b)) => format!("until {b}"),
        (None, None) => "always".to_owned(),
    }
}

/// Whether the record is another authority's key: held without its secret and not a tombstone.
pub(super) fn is_foreign(r: &KeyRecord) -> bool {
    !r.has_secret() && !matches!(r.state, KeyState::Destroyed { .. })
}

/// The checks a seal makes on its recipients before any key is read: each recipient may receive something new
/// ([`check_usable_at`]), and each key of another authority was imported with a jurisdiction that is among the
/// envelope's `destinations` (which must then name at least one).
pub(super) fn check_seal_recipients(
    body: &KeyringBody,
    recipients: &[KeyId],
    destinations: &[Jurisdiction],
    now: Timestamp,
) -> Result<()> {
    for id in recipients {
        // Unknown and destroyed keys are reported by the resolution that follows, as before.
        let Some(r) = body.get(id) else { continue };
        if matches!(r.state, KeyState::Destroyed { .. }) {
            continue;
        }
        check_usable_at(r, now)?;
        if !is_foreign(r) {
            continue;
        }
        let Some(j) = r.jurisdiction else {
            return Err(Error::RecipientJurisdictionUnknown { key_id: *id });
        };
        if destinations.is_empty() {
            return Err(Error::DestinationRequired { key_id: *id, jurisdiction: j });
        }
        if !destinations.contains(&j) {
            return Err(Error::RecipientNotPermitted {
                key_id: *id,
                jurisdiction: j,
                permitted: destinations.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// What a transfer record says beyond the event's own fields: the envelope's origin, destinations and legal
/// instrument, and the authorities and jurisdictions of the recipients that belong to other authorities.
pub(super) struct TransferRecord<'a> {
    pub(super) origin: Option<Jurisdiction>,
    pub(super) destinations: &'a [Jurisdiction],
    pub(super) instrument: Option<&'a LegalInstrument>,
    pub(super) recipients: &'a [KeyId],
}

impl TransferRecord<'_> {
    /// Add the stable details (documented in `docs/AUDIT.md`): `origin`, `destinations`, `instrument_kind`,
    /// `instrument_reference`, `transfer_basis`, `recipient_authorities`, `recipient_jurisdictions`.
    pub(super) fn add_to(&self, body: &KeyringBody, mut ev: AuditEvent) -> AuditEvent {
        if let Some(o) = self.origin {
            ev = ev.detail("origin", o.as_str());
        }
        if !self.destinations.is_empty() {
            ev = ev.detail("destinations", &join_codes(self.destinations.iter().copied()));
        }
        if let Some(i) = self.instrument {
            ev = ev.detail("instrument_kind", i.kind().name());
            if let Some(r) = i.reference() {
                ev = ev.detail("instrument_reference", r);
            }
            if let Some(b) = i.transfer_basis() {
                ev = ev.detail("transfer_basis", b);
            }
        }
        let foreign: Vec<&KeyRecord> =
            self.recipients.iter().filter_map(|id| body.get(id)).filter(|r| !r.has_secret()).collect();
        let mut jurisdictions: Vec<Jurisdiction> = foreign.iter().filter_map(|r| r.jurisdiction).collect();
        jurisdictions.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        jurisdictions.dedup();
        if !jurisdictions.is_empty() {
            ev = ev.detail("recipient_jurisdictions", &join_codes(jurisdictions.into_iter()));
        }
        let mut names: Vec<&str> = foreign.iter().filter_map(|r| r.authority.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            ev = ev.detail("recipient_authorities", &join_bounded(&names));
        }
        ev
    }
}

fn join_codes(js: impl Iterator<Item = Jurisdiction>) -> String {
    js.map(|j| j.as_str().to_owned()).collect::<Vec<_>>().join(" ")
}

/// Names joined by [`AUTHORITY_SEPARATOR`], cut to what one detail holds, with `(+N more)` for those left out.
fn join_bounded(names: &[&str]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        let more = format!("{AUTHORITY_SEPARATOR}(+{} more)", names.len() - i);
        let needed = if out.is_empty() { n.len() } else { out.len() + AUTHORITY_SEPARATOR.len() + n.len() };
        // Leave room for the "more" marker unless this is the last name.
        let reserve = if i + 1 < names.len() { more.len() } else { 0 };
        if needed + reserve > MAX_TEXT_LEN {
            out.push_str(&more);
            return out;
        }
        if !out.is_empty() {
            out.push_str(AUTHORITY_SEPARATOR);
        }
        out.push_str(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_names_are_bounded_with_a_count_of_those_left_out() {
        let long = "a".repeat(128);
        let names: Vec<String> = (0..20).map(|i| format!("{i:02}{long}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let s = join_bounded(&refs);
        assert!(s.len() <= MAX_TEXT_LEN, "{}", s.len());
        assert!(s.ends_with("more)"), "{s}");
        assert_eq!(join_bounded(&["A", "B"]), "A | B");
    }
}
