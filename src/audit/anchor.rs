//! External anchors: a signed checkpoint exported from the log and counter-signed by other authorities.
//!
//! A writer holding the audit key can rewrite any part of its own log and re-sign it. Once a checkpoint has been
//! handed to someone else (a supervisory authority, the requesting state, a notary), that is no longer possible
//! without detection: [`crate::audit::verify`] checks that the log still contains exactly the anchored prefix.

use ed25519_dalek::Signature;

use super::entry::{DOMAIN_WITNESS, Digest, LOG_ID_LEN, checkpoint_message, from_hex, to_hex};
use super::merkle::{ConsistencyProof, MerkleCheckpoint};
use crate::error::{Error, Result};
use crate::keys::{SigningKey, VerifyingKey};

/// The `type` member of an anchor's JSON form.
pub const ANCHOR_TYPE: &str = "custodia.audit.anchor.v2";

/// An Ed25519 public key from its text form (`custodia-ed25519-public:…`, as
/// [`crate::Custodian::audit_public_key`] and [`crate::Custodian::export_public`] write it): another custodian's
/// audit key, to check its anchors and erasure certificates, or a witness key, for [`Anchor::is_witnessed_by`].
///
/// The same as `text.parse::<VerifyingKey>()`.
///
/// # Errors
/// [`Error::InvalidKeyText`] for a mistyped or malformed text, or the text of another kind of key.
pub fn parse_audit_key(text: &str) -> Result<VerifyingKey> {
    text.parse()
}

/// A checkpoint taken out of the log: log id, number of entries covered, hash of the last covered entry, the audit
/// key's signature, and any counter-signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    log_id: [u8; LOG_ID_LEN],
    count: u64,
    head: Digest,
    sig: Signature,
    witnesses: Vec<Witness>,
    merkle: Option<MerkleCheckpoint>,
}

/// A counter-signature by another authority over the same checkpoint message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Witness {
    /// The authority's public key.
    pub key: VerifyingKey,
    /// Its Ed25519 signature over `"custodia/audit/v2/witness" || 0x00 || checkpoint message`.
    pub sig: [u8; 64],
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorWire {
    #[serde(rename = "type")]
    kind: String,
    log: String,
    count: u64,
    head: String,
    sig: String,
    #[serde(default)]
    witnesses: Vec<WitnessWire>,
    /// The signed Merkle checkpoint of the same entries (`docs/AUDIT.md` §12.5), as its signed-note text; absent
    /// from anchors without one, which keep their earlier form byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merkle: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessWire {
    key: String,
    sig: String,
}

impl Anchor {
    pub(crate) fn new(log_id: [u8; LOG_ID_LEN], count: u64, head: Digest, sig: Signature) -> Self {
        Self { log_id, count, head, sig, witnesses: Vec::new(), merkle: None }
    }

    /// Attach the signed Merkle checkpoint of the same entries (size = `count`).
    pub(crate) fn with_merkle(mut self, checkpoint: MerkleCheckpoint) -> Self {
        self.merkle = Some(checkpoint);
        self
    }

    /// The signed Merkle checkpoint of the same entries (tree size = [`Anchor::count`]), when the anchor carries
    /// one ([`crate::Custodian::audit_checkpoint_merkle`]). [`Anchor::verify`] checks it too.
    #[must_use]
    pub fn merkle(&self) -> Option<&MerkleCheckpoint> {
        self.merkle.as_ref()
    }

    /// The id of the log this anchor belongs to.
    #[must_use]
    pub fn log_id(&self) -> [u8; LOG_ID_LEN] {
        self.log_id
    }

    /// How many entries the anchored checkpoint covers (entries `0..count`; the checkpoint itself is entry `count`).
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Hash of entry `count - 1`.
    #[must_use]
    pub fn head(&self) -> Digest {
        self.head
    }

    /// The counter-signatures.
    #[must_use]
    pub fn witnesses(&self) -> &[Witness] {
        &self.witnesses
    }

    /// The message the audit key signed (see `docs/AUDIT.md`).
    #[must_use]
    pub fn message(&self) -> Vec<u8> {
        checkpoint_message(&self.log_id, self.count, &self.head)
    }

    fn witness_message(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(DOMAIN_WITNESS.len() + 1 + 64 + LOG_ID_LEN);
        m.extend_from_slice(DOMAIN_WITNESS);
        m.push(0);
        m.extend_from_slice(&self.message());
        m
    }

    /// Counter-sign as another authority. The authority should first check the anchor with
    /// [`Anchor::verify`] against the custodian's audit key.
    ///
    /// # Errors
    /// Only for a key held outside this process ([`SigningKey::external`]): [`Error::ProviderUnavailable`],
    /// [`Error::ProviderFailed`] from its signer; nothing is added then.
    pub fn countersign(&mut self, authority: &SigningKey) -> Result<()> {
        let sig = authority.sign(&self.witness_message())?;
        let mut merkle = self.merkle.clone();
        if let Some(m) = &mut merkle {
            m.cosign(authority)?;
        }
        let key = authority.verifying_key();
        self.witnesses.retain(|w| w.key != key);
        self.witnesses.push(Witness { key, sig });
        self.merkle = merkle;
        Ok(())
    }

    /// Counter-sign as another authority after checking that the log only grew since `last`, the anchor this
    /// authority counter-signed before: both anchors verify with `audit_key` and carry Merkle checkpoints of the
    /// same log, and `proof` (sent with the request) leads from `last`'s tree to this one's
    /// (`docs/AUDIT.md` §12.5). On success the witness signs both the anchor and its Merkle checkpoint.
    ///
    /// # Errors
    /// [`Error::AnchorInvalid`] when either anchor does not verify, belongs to another log, or carries no Merkle
    /// checkpoint; [`Error::MerkleProofInvalid`] when `proof` is not for this anchor's checkpoint or does not lead
    /// from `last`'s (the log shrank or was rewritten); nothing is signed then.
    pub fn countersign_extending(
        &mut self,
        authority: &SigningKey,
        audit_key: &VerifyingKey,
        last: &Anchor,
        proof: &ConsistencyProof,
    ) -> Result<()> {
        self.check_extends(audit_key, last, proof)?;
        self.countersign(authority)
    }

    /// The checks of [`Anchor::countersign_extending`], without signing.
    ///
    /// # Errors
    /// As [`Anchor::countersign_extending`].
    pub fn check_extends(&self, audit_key: &VerifyingKey, last: &Anchor, proof: &ConsistencyProof) -> Result<()> {
        self.verify(audit_key)?;
        last.verify(audit_key)?;
        if last.log_id != self.log_id {
            return Err(Error::AnchorInvalid("the last anchor counter-signed is of another log".into()));
        }
        let (Some(new), Some(old)) = (&self.merkle, &last.merkle) else {
            return Err(Error::AnchorInvalid(
                "checking that the log only grew needs two anchors with Merkle checkpoints".into(),
            ));
        };
        if !proof.is_for(new) {
            return Err(Error::MerkleProofInvalid(
                "the consistency proof is for another checkpoint than the anchor's".into(),
            ));
        }
        proof.verify(old, audit_key)
    }

    /// Whether `key` counter-signed this anchor (with a valid signature).
    #[must_use]
    pub fn is_witnessed_by(&self, key: &VerifyingKey) -> bool {
        let m = self.witness_message();
        self.witnesses.iter().any(|w| w.key == *key && key.verify(&m, &w.sig).is_ok())
    }

    /// Check the audit key's signature and every counter-signature.
    ///
    /// # Errors
    /// [`Error::AnchorInvalid`] naming which signature does not verify.
    pub fn verify(&self, audit_key: &VerifyingKey) -> Result<()> {
        audit_key.verify(&self.message(), &self.sig.to_bytes()).map_err(|_| {
            Error::AnchorInvalid(format!(
                "the checkpoint signature does not verify with audit key {}",
                to_hex(&audit_key.to_bytes())
            ))
        })?;
        let m = self.witness_message();
        for w in &self.witnesses {
            w.key.verify(&m, &w.sig).map_err(|_| {
                Error::AnchorInvalid(format!("the counter-signature by {} does not verify", to_hex(&w.key.to_bytes())))
            })?;
        }
        if let Some(m) = &self.merkle {
            m.verify(audit_key).map_err(|e| Error::AnchorInvalid(format!("its Merkle checkpoint: {e}")))?;
            if m.log_id() != self.log_id || m.size() != self.count {
                return Err(Error::AnchorInvalid(format!(
                    "its Merkle checkpoint covers {} entries of log {}, the anchor {} entries of log {}",
                    m.size(),
                    to_hex(&m.log_id()),
                    self.count,
                    to_hex(&self.log_id)
                )));
            }
            for w in &self.witnesses {
                if m.check_witness(&w.key) == Some(Err(())) {
                    return Err(Error::AnchorInvalid(format!(
                        "the counter-signature by {} on its Merkle checkpoint does not verify",
                        to_hex(&w.key.to_bytes())
                    )));
                }
            }
        }
        Ok(())
    }

    /// The JSON form: `{"type":"custodia.audit.anchor.v2","log":…,"count":…,"head":…,"sig":…,"witnesses":[…]}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let wire = AnchorWire {
            kind: ANCHOR_TYPE.to_owned(),
            log: to_hex(&self.log_id),
            count: self.count,
            head: to_hex(&self.head),
            sig: to_hex(&self.sig.to_bytes()),
            witnesses: self
                .witnesses
                .iter()
                .map(|w| WitnessWire { key: to_hex(&w.key.to_bytes()), sig: to_hex(&w.sig) })
                .collect(),
            merkle: self.merkle.as_ref().map(MerkleCheckpoint::to_note),
        };
        // Serializing a struct of strings and integers cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Parse the JSON form. Signatures are not checked here; [`Anchor::verify`] does that.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything but a well-formed anchor.
    pub fn from_json(s: &str) -> Result<Self> {
        let bad = |m: &str| Error::InvalidArgument(format!("anchor: {m}"));
        let w: AnchorWire = serde_json::from_str(s).map_err(|e| bad(&e.to_string()))?;
        if w.kind != ANCHOR_TYPE {
            return Err(bad("not a custodia audit anchor"));
        }
        let sig = |h: &str| from_hex::<64>(h).map(|b| Signature::from_bytes(&b)).ok_or_else(|| bad("bad signature"));
        let witnesses = w
            .witnesses
            .iter()
            .map(|x| {
                let key = from_hex::<32>(&x.key)
                    .and_then(|k| VerifyingKey::from_bytes(k).ok())
                    .ok_or_else(|| bad("bad witness key"))?;
                Ok(Witness { key, sig: from_hex::<64>(&x.sig).ok_or_else(|| bad("bad signature"))? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            log_id: from_hex(&w.log).ok_or_else(|| bad("bad log id"))?,
            count: w.count,
            head: from_hex(&w.head).ok_or_else(|| bad("bad head hash"))?,
            sig: sig(&w.sig)?,
            witnesses,
            merkle: w.merkle.as_deref().map(MerkleCheckpoint::parse).transpose()?,
        })
    }
}

/// Stored as its JSON form ([`Anchor::to_json`]) (a string), so that any serde format keeps the exact signed fields; deserializing parses it again
/// ([`Anchor::from_json`]); call [`Anchor::verify`] after loading.
impl serde::Serialize for Anchor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_json())
    }
}

impl<'de> serde::Deserialize<'de> for Anchor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_json(&text).map_err(serde::de::Error::custom)
    }
}
