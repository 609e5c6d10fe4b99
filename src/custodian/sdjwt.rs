//! Verifiable redaction through the facade: issuing an SD-JWT of a record (docs/FORMAT.md section 15) after opening
//! it through the policy gate, and presenting some of its fields to a third party. Both are recorded in the audit
//! log (`selective_disclosure`); verifying needs no custodian ([`crate::sdjwt::verify_presentation`]).

use zeroize::Zeroizing;

use super::records::FieldOutcome;
use super::records::names_detail;
use super::{Custodian, signer_for};
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::exchange::sdjwt::{self, Claims, MAX_AUDIENCE_LEN, SdJwt};
use crate::format::{FieldName, FieldValue};
use crate::policy::OpenRequest;
use crate::vocabulary::{Actor, KeyId, Purpose, is_printable_text};

impl Custodian {
    /// Issue an SD-JWT of a record envelope, signed with this custodian's Ed25519 key `signer` (in the keyring, or
    /// held by an outside [`crate::Signer`]).
    ///
    /// The record is opened first with [`Custodian::open_record`] for `request` (so the envelope's gate and each
    /// field's own terms apply, and the open is recorded as `opened`); only the fields the request may open get a
    /// disclosure. The SD-JWT's field count is the record's, so a verifier counts every field it is not shown as
    /// withheld. The issue is recorded (`selective_disclosure`, `operation` `sd_jwt_issue`) before it is returned.
    ///
    /// # Errors
    /// As [`Custodian::open_record`]; [`Error::KeyNotFound`], [`Error::KeyState`], [`Error::InvalidArgument`] for a
    /// signer that is not a usable Ed25519 key of this custodian, or a record with a field named as an SD-JWT claim
    /// ([`sdjwt::RESERVED_NAMES`]); [`Error::AuditWrite`].
    pub fn issue_sd_jwt(&self, request: &OpenRequest, envelope: &[u8], signer: &KeyId) -> Result<SdJwt> {
        let _op = self.operation();
        let key = {
            let ring = self.read()?;
            signer_for(ring.body(), signer, &self.signers)?
        };
        let opened = self.open_record(request, envelope)?;
        let info = &opened.info;
        let fields: Vec<(&FieldName, &FieldValue)> = opened
            .data
            .fields
            .iter()
            .filter_map(|f| match &f.outcome {
                FieldOutcome::Disclosed(v) => Some((&f.descriptor.name, v.expose_secret())),
                // Withheld or masked: the issuer may not see the value in the clear, so it does not sign it.
                _ => None,
            })
            .collect();
        let claims =
            Claims::new(&info.object_id, info.case_ref.clone(), *signer, self.clock.now(), opened.data.fields.len())?;
        let sd = sdjwt::issue(&key, &claims, &fields)?;
        drop(key);
        let mut ev = AuditEvent::new(EventKind::SelectiveDisclosure)
            .actor(&request.actor)
            .object_hex(&info.object_id)
            .category(info.category)
            .classification(info.classification)
            .purpose(&request.purpose)
            .key(*signer)
            .detail("operation", "sd_jwt_issue")
            .detail("fields", &names_detail(&opened.data.disclosed()))
            .detail("withheld", &{
                let mut left_out = opened.data.withheld();
                left_out.extend(opened.data.masked_names());
                names_detail(&left_out)
            });
        if let Some(c) = &info.case_ref {
            ev = ev.case(c);
        }
        self.record(ev)?;
        Ok(sd)
    }

    /// Make a presentation of `sd_jwt` holding only the fields `fields` (see [`SdJwt::present`]) for `audience`
    /// (who receives it, e.g. `FR-PNF`), for `purpose`. Recorded (`selective_disclosure`, `operation`
    /// `sd_jwt_present`, which fields to whom for which purpose) before it is returned. The text holds the
    /// disclosed values: it is wiped on drop.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an audience that is empty, longer than [`MAX_AUDIENCE_LEN`] bytes or not
    /// printable on one line, and as [`SdJwt::present`]; [`Error::AuditWrite`].
    pub fn present(
        &self,
        actor: &Actor,
        sd_jwt: &SdJwt,
        fields: &[&str],
        audience: &str,
        purpose: &Purpose,
    ) -> Result<Zeroizing<String>> {
        if audience.is_empty()
            || audience.len() > MAX_AUDIENCE_LEN
            || !is_printable_text(audience)
            || audience.trim() != audience
        {
            return Err(Error::InvalidArgument(format!(
                "an audience is 1 to {MAX_AUDIENCE_LEN} bytes of printable text without spaces at its ends"
            )));
        }
        let presentation = sd_jwt.present(fields)?;
        let claims = sd_jwt.claims();
        let mut names: Vec<&str> = fields.to_vec();
        names.sort_unstable();
        let mut ev = AuditEvent::new(EventKind::SelectiveDisclosure)
            .actor(actor)
            .object_hex(&claims.object_id)
            .purpose(purpose)
            .key(claims.issuer)
            .detail("operation", "sd_jwt_present")
            .detail("fields", &names_detail(&names))
            .detail("withheld_count", &claims.field_count.saturating_sub(names.len()).to_string())
            .detail("audience", audience);
        if let Some(c) = &claims.case_ref {
            ev = ev.case(c);
        }
        self.record(ev)?;
        Ok(presentation)
    }
}
