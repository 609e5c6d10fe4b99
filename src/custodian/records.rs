//! Records through the facade: sealing a [`Record`] of fields, and opening it field by field. The envelope-level
//! gate decides first, before any key is touched, as for every open; then each field passes the same gate on its
//! own terms (its category, classification and purposes), and only the fields that pass are decrypted: the others
//! come back withheld, with the refusal that withheld them. What was disclosed and withheld is recorded.

use super::grants::GrantView;
use super::open::{Opened, Record as When};
use super::{Custodian, SealOptions, Sealed};
use crate::error::{Error, ErrorKind, Result};
use crate::format::{self, FieldDescriptor, FieldValue, PayloadType, Record};
use crate::policy::{self, MaskRule, OpenRequest};
use crate::vocabulary::Actor;
use crate::vocabulary::sensitive::{DataTag, Sensitive};

/// One field of an opened record: what the record says of it, and whether the reader got its value.
#[derive(Debug)]
#[non_exhaustive]
pub struct RecordField {
    /// Name, category, classification, own purposes and type.
    pub descriptor: FieldDescriptor,
    /// The value, or why it was withheld.
    pub outcome: FieldOutcome,
}

/// Whether a reader got a field's value.
#[derive(Debug)]
#[non_exhaustive]
pub enum FieldOutcome {
    /// The value, tagged with the field's category and classification.
    Disclosed(Sensitive<FieldValue>),
    /// Refused in the clear, but the access policy gives this reader a masked view (`[[mask]]`, [`MaskRule`]): the
    /// text the rule made from the value inside custodia (the value itself never left), and the refusal of the clear
    /// value.
    Masked {
        /// The masked text (a [`FieldValue::Text`]), tagged with the field's category and classification.
        value: Sensitive<FieldValue>,
        /// The rule that made it.
        rule: MaskRule,
        /// The refusal's kind for the clear value.
        reason: ErrorKind,
    },
    /// Not opened for this reader: the policy refusal the field's own terms met (the same kinds an open of a whole
    /// envelope can be refused with, e.g. [`ErrorKind::ClearanceInsufficient`], [`ErrorKind::PurposeNotPermitted`],
    /// [`ErrorKind::RoleNotPermitted`]). Its key was never derived.
    Withheld {
        /// The refusal's kind.
        reason: ErrorKind,
        /// The refusal's message (names the rule, never a value).
        message: String,
    },
}

/// A record as one reader opened it: every field, in name order, disclosed or withheld.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenedRecord {
    /// The fields.
    pub fields: Vec<RecordField>,
}

impl OpenedRecord {
    /// The field `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&RecordField> {
        self.fields.iter().find(|f| f.descriptor.name.as_str() == name)
    }

    /// The value of `name`, if the field exists and was disclosed (not masked, not withheld).
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&FieldValue> {
        match &self.get(name)?.outcome {
            FieldOutcome::Disclosed(v) => Some(v.expose_secret()),
            _ => None,
        }
    }

    /// The masked view of `name`, if the field exists and this reader got one.
    #[must_use]
    pub fn masked(&self, name: &str) -> Option<&str> {
        match &self.get(name)?.outcome {
            FieldOutcome::Masked { value, .. } => value.expose_secret().as_text(),
            _ => None,
        }
    }

    /// The names of the fields this reader got masked.
    #[must_use]
    pub fn masked_names(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| matches!(f.outcome, FieldOutcome::Masked { .. }))
            .map(|f| f.descriptor.name.as_str())
            .collect()
    }

    /// The names of the disclosed fields.
    #[must_use]
    pub fn disclosed(&self) -> Vec<&str> {
        self.names(true)
    }

    /// The names of the withheld fields (neither disclosed nor masked).
    #[must_use]
    pub fn withheld(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| matches!(f.outcome, FieldOutcome::Withheld { .. }))
            .map(|f| f.descriptor.name.as_str())
            .collect()
    }

    fn names(&self, disclosed: bool) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| matches!(f.outcome, FieldOutcome::Disclosed(_)) == disclosed)
            .map(|f| f.descriptor.name.as_str())
            .collect()
    }
}

impl Custodian {
    /// Seal `record` as one envelope: its fields sealed together under one data key, each under a key of its own
    /// derived from it (docs/FORMAT.md section 14). `tag` is the envelope's own category and classification: what
    /// every reader must be cleared for to see anything of the record (the fields add their own). The sealer must
    /// be cleared for every field; each field's own purposes must be ones `options.purposes` permits.
    ///
    /// # Errors
    /// As [`Custodian::seal`]; [`Error::InvalidArgument`] for an empty record or a field purpose the envelope does
    /// not permit; [`Error::ClearanceInsufficient`] when the actor is not cleared for a field.
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
    /// let record = Record::new()
    ///     .field("phone", FieldValue::text("+31 6 1234 5678"), Category::ContactDetails)?
    ///     .field("witness_name", FieldValue::text("A. Jansen"), Category::WitnessIdentity)?;
    /// let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    /// let options = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![team_key]);
    /// let envelope = custodian.seal_record(&jan, tag, &record, &options)?.envelope;
    ///
    /// // An analyst cleared up to confidential gets the phone number; the witness's name is withheld.
    /// let ana = Actor::new("ana.smit", "analyst", nl, Classification::Confidential)?;
    /// let opened = custodian.open_record(&OpenRequest::new(ana, Purpose::parse("investigation")?), &envelope)?;
    /// assert_eq!(opened.data.value("phone").and_then(FieldValue::as_text), Some("+31 6 1234 5678"));
    /// assert_eq!(opened.data.withheld(), ["witness_name"]);
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn seal_record(
        &self,
        actor: &Actor,
        tag: DataTag,
        record: &Record,
        options: &SealOptions,
    ) -> Result<Sealed<Vec<u8>>> {
        record.check_purposes(&options.purposes)?;
        if let Some(required) = record.max_classification()
            && actor.clearance() < required
        {
            return Err(Error::ClearanceInsufficient { required, held: actor.clearance() });
        }
        let descriptors = record.descriptors();
        let names: Vec<&str> = descriptors.iter().map(|d| d.name.as_str()).collect();
        let mut sealed = self.seal_with_details(actor, tag, options, &[("fields", names_detail(&names))], |fopts| {
            let out = format::seal_record(record, fopts)?;
            let id = format::sealed_object_id(&out)?;
            // The record's plaintext is its fields' values; the envelope's payload length is not what a caller sealed.
            Ok((out, id, record.len() as u64))
        })?;
        if options.armor {
            sealed.envelope = format::armor(&sealed.envelope).into_bytes();
        }
        Ok(sealed)
    }

    /// Open a record envelope (binary or armored) for the purpose stated in `request`, field by field.
    ///
    /// The envelope's own terms pass the policy gate first, before any key is touched (a refusal there is an error,
    /// as for [`Custodian::open`]). Then the payload is decrypted and authenticated, and each field passes the gate
    /// on its own terms: the envelope's, with the field's category and classification, and its own purposes if it
    /// has them (a field with its own purposes is not extended by the originator's grants). A field that passes is
    /// decrypted under its own key; one that does not is [`FieldOutcome::Withheld`] and its key is never derived.
    /// The open is recorded (`opened`, with the `disclosed` and `withheld` field names) before anything is returned.
    ///
    /// # Errors
    /// As [`Custodian::open`]; [`Error::InvalidArgument`] for an envelope that is not a record;
    /// [`Error::OpenFailed`] for a disclosed field that does not authenticate; [`Error::Malformed`] for a record
    /// encoding that breaks docs/FORMAT.md section 14.
    pub fn open_record(&self, request: &OpenRequest, envelope: &[u8]) -> Result<Opened<OpenedRecord>> {
        self.open_as(
            request,
            format::parse_header(envelope),
            When::AfterFinish,
            PayloadType::Record,
            |h, dk, s| {
                let payload = format::open_payload(h, dk, envelope, s)?;
                let fields = format::parse_payload(payload.plaintext.expose_secret(), &h.metadata().purposes)?;
                let view = GrantView::check(h, &[], self.clock.now())?;
                let terms = view.terms(h);
                let access = self.access_policy();
                let keys = format::FieldKeys::of(dk, h.object_id());
                let mut out = Vec::with_capacity(fields.len());
                // One copy of the envelope's terms, given each field's own in turn (purposes put back after a field
                // that had its own).
                let mut t = terms.clone();
                for f in &fields {
                    let d = &f.descriptor;
                    t.category = d.category;
                    t.classification = d.classification;
                    let extensions = match &d.purposes {
                        Some(p) => {
                            t.purposes.clone_from(p);
                            &[][..]
                        }
                        None => {
                            if t.purposes != terms.purposes {
                                t.purposes.clone_from(&terms.purposes);
                            }
                            &view.extensions[..]
                        }
                    };
                    let decided = self.gate.decide_under(&t, extensions, request, access.as_deref()).and_then(|dec| {
                        policy::check_four_eyes(access.as_deref(), &t, h.object_id(), request, &dec, dec.at)
                    });
                    let outcome = match decided {
                        Ok(()) => {
                            let v = format::open_field(&keys, f)?;
                            FieldOutcome::Disclosed(Sensitive::with_classification(v, d.category, d.classification)?)
                        }
                        Err(e) if e.is_refusal() => {
                            let rules = access
                                .as_deref()
                                .map(|a| a.masks_for(&request.actor, d.category, &request.purpose))
                                .unwrap_or_default();
                            let masked = if rules.is_empty() {
                                None
                            } else {
                                // The value is decrypted here only to make its masked view; it is wiped when this
                                // block ends, and only the first applicable rule's result is kept.
                                let clear = Sensitive::with_classification(
                                    format::open_field(&keys, f)?,
                                    d.category,
                                    d.classification,
                                )?;
                                rules.into_iter().find_map(|rule| rule.apply(clear.expose_secret()).map(|m| (rule, m)))
                            };
                            match masked {
                                Some((rule, mut text)) => FieldOutcome::Masked {
                                    value: Sensitive::with_classification(
                                        FieldValue::Text(core::mem::take(&mut *text)),
                                        d.category,
                                        d.classification,
                                    )?,
                                    rule,
                                    reason: e.kind(),
                                },
                                None => FieldOutcome::Withheld { reason: e.kind(), message: e.to_string() },
                            }
                        }
                        Err(e) => return Err(e),
                    };
                    out.push(RecordField { descriptor: d.clone(), outcome });
                }
                Ok(OpenedRecord { fields: out })
            },
            |r: &OpenedRecord| {
                let mut d =
                    vec![("disclosed", names_detail(&r.disclosed())), ("withheld", names_detail(&r.withheld()))];
                let masked = r.masked_names();
                if !masked.is_empty() {
                    d.push(("masked", names_detail(&masked)));
                }
                d
            },
        )
    }
}

/// Field names for an audit detail: space-separated, cut at a name boundary with the count of the rest when the list
/// would pass the log's limit on a detail value (1,024 bytes).
pub(super) fn names_detail(names: &[&str]) -> String {
    const ROOM: usize = crate::audit::MAX_DETAIL_VALUE_LEN - 16;
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if out.len() + 1 + n.len() > ROOM {
            out.push_str(&format!(" +{} more", names.len() - i));
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        out.push_str(n);
    }
    out
}
