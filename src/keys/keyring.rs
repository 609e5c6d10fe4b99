//! The local keyring: one file in a directory the host chooses, its contents sealed under a master key.
//!
//! This module owns the keyring file: its encoding, its encryption, atomic replacement and locking. It stores key
//! material as opaque bytes; generating keys is the business of the key types beside it ([`crate::keys::Kek`] and
//! the others), using them that of [`crate::format`] and the [`crate::Custodian`].
//!
//! # File format (`keyring.cdk`)
//!
//! ```text
//! magic      8 bytes  "CUSTKRNG"
//! version    u32 BE   1
//! kdf        u8       0 = raw master key, 1 = Argon2id(passphrase)
//! m_cost     u32 BE   Argon2id memory in KiB (0 for raw)
//! t_cost     u32 BE   Argon2id passes (0 for raw)
//! p_cost     u32 BE   Argon2id lanes (0 for raw)
//! salt       16 bytes random, fixed when the keyring is created
//! check      32 bytes HKDF-SHA256(ikm = master, salt, info = "custodia/v1/keyring/check")
//! nonce      12 bytes random, fresh for every write
//! body       ChaCha20-Poly1305(key = HKDF-SHA256(master, salt, "custodia/v1/keyring/file-key"), nonce,
//!                              aad = every byte above, plaintext = JSON body) || 16-byte tag
//! ```
//!
//! `master` is the 32-byte key the host supplies, or Argon2id(passphrase, salt, m_cost, t_cost, p_cost) with 32
//! bytes of output. The costs are checked against [`KdfParams::MIN`]..=[`KdfParams::MAX`] (and
//! [`KdfParams::MAX_WORK_KIB`]) before anything is derived, and must be zero in a raw-key keyring; they are
//! authenticated twice over, as inputs of the derivation and as associated data of the body. The `check` value lets
//! a wrong passphrase be told apart from a corrupt file. The JSON body lists the keys (secrets in base64) and legal
//! holds; it exists in the clear only in memory, in buffers that are zeroized. It is checked by
//! `KeyringBody::validate` after every read and before every write.
//!
//! # Durability
//!
//! Every write goes to a temporary file in the same directory (mode 0600), which is fsynced, renamed over
//! `keyring.cdk`, after which the directory is fsynced. A crash leaves either the old or the new file, never a mix.
//! An exclusive `flock` on `keyring.lock` is held from reading the current state to the rename, so two processes
//! adding keys at once never lose each other's keys.

use core::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{ConflictReason, Error, Result};
use crate::vocabulary::CaseRef;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{KeyId, KeyKind};

/// Name of the keyring file inside the custodian's directory.
pub const KEYRING_FILE: &str = "keyring.cdk";
const LOCK_FILE: &str = "keyring.lock";
const TMP_PREFIX: &str = ".keyring.tmp-";
const MAGIC: &[u8; 8] = b"CUSTKRNG";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 1 + 12 + 16 + 32 + 12;
const TAG_LEN: usize = 16;
/// Largest keyring file accepted, so a hostile file cannot make us allocate without bound.
pub const MAX_KEYRING_LEN: u64 = 64 << 20;

/// How the keyring is unlocked. Secret: the passphrase or key inside is zeroized on drop and never printed.
///
/// Built by [`Unlock::passphrase`], [`Unlock::master_key`] or [`Unlock::master_key_from_slice`]; the secret inside
/// is not reachable from outside the crate, so no other crate's type (such as `zeroize::Zeroizing`) is part of its API.
pub struct Unlock(pub(crate) UnlockSecret);

/// What [`Unlock`] holds.
pub(crate) enum UnlockSecret {
    /// A passphrase, stretched with Argon2id.
    Passphrase(Zeroizing<String>),
    /// A 32-byte master key supplied by the host (from an HSM, a KMS, a sealed secret store).
    MasterKey(Zeroizing<[u8; 32]>),
}

impl Unlock {
    /// Unlock with a passphrase, stretched with Argon2id.
    #[must_use]
    pub fn passphrase(p: &str) -> Self {
        Self(UnlockSecret::Passphrase(Zeroizing::new(p.to_owned())))
    }

    /// Unlock with a raw 32-byte master key supplied by the host (from an HSM, a KMS, a sealed secret store).
    #[must_use]
    pub fn master_key(key: [u8; 32]) -> Self {
        Self(UnlockSecret::MasterKey(Zeroizing::new(key)))
    }

    /// Unlock with a raw master key given as a slice, copied straight into memory zeroized on drop (no intermediate
    /// array is left behind); clear your own copy.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `key` is not exactly 32 bytes long (an empty slice included).
    pub fn master_key_from_slice(key: &[u8]) -> Result<Self> {
        let mut out = Zeroizing::new([0_u8; 32]);
        if key.len() != out.len() {
            return Err(Error::InvalidArgument(format!("master key must be 32 bytes, got {}", key.len())));
        }
        out.copy_from_slice(key);
        Ok(Self(UnlockSecret::MasterKey(out)))
    }
}

impl fmt::Debug for Unlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            UnlockSecret::Passphrase(_) => f.write_str("Unlock::Passphrase([REDACTED])"),
            UnlockSecret::MasterKey(_) => f.write_str("Unlock::MasterKey([REDACTED])"),
        }
    }
}

/// Argon2id cost parameters, used when a passphrase keyring is created (an existing keyring keeps its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "Argon2id's three cost parameters, complete by definition; the C ABI and hosts build it by literal"
)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// The default: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended option, memory-constrained).
    pub const DEFAULT: Self = Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 };

    /// Tiny parameters for tests only: they give no protection to a passphrase.
    pub const DANGER_TEST_ONLY: Self = Self { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    /// The least of each cost accepted: 64 KiB, 1 pass, 1 lane (the smallest Argon2id allows for up to 8 lanes; as
    /// low only so that tests run fast: a real keyring should keep [`KdfParams::DEFAULT`] or more).
    pub const MIN: Self = Self { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    /// The most of each cost accepted: 256 MiB, 10 passes, 8 lanes, with memory x passes also bounded by
    /// [`KdfParams::MAX_WORK_KIB`]. The bound exists because the costs are read from the keyring file before the
    /// passphrase can be checked: without it, anyone able to edit the file could make every open allocate gigabytes
    /// and run for seconds before saying "wrong passphrase".
    pub const MAX: Self = Self { m_cost_kib: 256 * 1024, t_cost: 10, p_cost: 8 };

    /// Most memory x passes accepted, in KiB: 1 GiB of memory traffic (e.g. 256 MiB x 4 passes, 64 MiB x 10), about
    /// one to two seconds on a current core.
    pub const MAX_WORK_KIB: u64 = 1024 * 1024;

    /// Check that every cost lies in [`KdfParams::MIN`]..=[`KdfParams::MAX`] and that memory x passes is at most
    /// [`KdfParams::MAX_WORK_KIB`].
    ///
    /// # Errors
    /// [`Error::KdfParamsOutOfRange`] naming the costs.
    pub fn check(&self) -> Result<()> {
        let in_range = |v: u32, min: u32, max: u32| (min..=max).contains(&v);
        let work = u64::from(self.m_cost_kib) * u64::from(self.t_cost);
        if in_range(self.m_cost_kib, Self::MIN.m_cost_kib, Self::MAX.m_cost_kib)
            && in_range(self.t_cost, Self::MIN.t_cost, Self::MAX.t_cost)
            && in_range(self.p_cost, Self::MIN.p_cost, Self::MAX.p_cost)
            && work <= Self::MAX_WORK_KIB
        {
            Ok(())
        } else {
            Err(Error::KdfParamsOutOfRange { m_cost_kib: self.m_cost_kib, t_cost: self.t_cost, p_cost: self.p_cost })
        }
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The life-cycle state of a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyState {
    /// Seals and opens.
    Active,
    /// Opens what was sealed under it but seals nothing new (after rotation).
    DecryptOnly,
    /// Crypto-shredded: the secret is gone; this tombstone remains.
    Destroyed {
        /// When it was destroyed.
        at: Timestamp,
        /// Why (retention ended, compromise, ...).
        reason: String,
    },
}

impl KeyState {
    /// Stable name (`active`, `decrypt_only`, `destroyed`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::DecryptOnly => "decrypt_only",
            Self::Destroyed { .. } => "destroyed",
        }
    }

    /// Stable code across the C ABI: 0 active, 1 decrypt-only, 2 destroyed.
    #[must_use]
    pub fn code(&self) -> u8 {
        match self {
            Self::Active => 0,
            Self::DecryptOnly => 1,
            Self::Destroyed { .. } => 2,
        }
    }
}

/// Secret: key bytes, in locked, undumpable memory wiped on drop (docs/MEMORY.md), never printed; serialized (only
/// inside the encrypted keyring body) as base64.
#[derive(Clone)]
pub(crate) struct SecretBytes(custodia_mem::LockedBytes);

impl SecretBytes {
    /// Key bytes, copied into locked memory (the `Zeroizing` copy is wiped when it drops).
    #[must_use]
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(custodia_mem::LockedBytes::from_slice(&bytes))
    }

    /// The key bytes.
    #[must_use]
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([REDACTED])")
    }
}

impl Serialize for SecretBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use base64ct::{Base64, Encoding};
        let text = Zeroizing::new(Base64::encode_string(&self.0));
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        use base64ct::{Base64, Encoding};
        // Borrowed, so no owned copy of the encoded secret is left behind.
        let text = <&str>::deserialize(d)?;
        let bytes = Zeroizing::new(Base64::decode_vec(text).map_err(serde::de::Error::custom)?);
        Ok(Self::new(bytes))
    }
}

mod b64 {
    use base64ct::{Base64, Encoding};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&Base64::encode_string(b)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?.map(|t| Base64::decode_vec(&t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// One key in the keyring: its metadata, its public part if any, and its secret unless destroyed or imported.
#[derive(Debug, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Fingerprint.
    pub id: KeyId,
    /// What kind of key.
    pub kind: KeyKind,
    /// A human label (`NL central authority`, `escrow 2026`).
    pub label: String,
    /// Life-cycle state.
    #[serde(flatten)]
    pub state: KeyState,
    /// When it was generated or imported.
    pub created: Timestamp,
    /// For per-case keys: the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<CaseRef>,
    /// Retention: destroy at or after this time (see `shred_expired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy_after: Option<Timestamp>,
    /// The key this one replaced by rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_from: Option<KeyId>,
    /// The key that replaced this one by rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_to: Option<KeyId>,
    /// For another authority's key: where that authority acts, as stated when the key was imported. Sharing with
    /// the key is refused unless the envelope permits this jurisdiction; absent in keyrings written before keys
    /// carried one (such keys are refused as recipients of a share until imported again with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Jurisdiction>,
    /// For another authority's key: that authority's name (`Bundesamt fuer Justiz`), as stated when the key was
    /// imported; absent in keyrings written before keys carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// For a per-case key wrapped by a key provider (`CustodianOptions::case_keys`): the provider's KEK, and
    /// `secret` then holds the provider's wrapping of the case key (never the key in clear). Absent in keyrings
    /// written before, and for every key the keyring holds in clear (docs/KEYS.md "The keyring file").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_by: Option<KeyId>,
    /// For another authority's key: nothing is sealed or shared to it before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Timestamp>,
    /// For another authority's key: nothing is sealed or shared to it at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Timestamp>,
    /// For another authority's key: revoked (end of cooperation, compromise reported by its holder); nothing new is
    /// sealed or shared to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<KeyMark>,
    /// Marked compromised (an own key or another authority's): it seals, signs and receives nothing new; what it
    /// protected is listed by `Custodian::compromise_report`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<KeyMark>,
    /// Public key bytes (X25519 32, X-Wing 1216, Ed25519 32); none for symmetric keys.
    #[serde(default, with = "b64", skip_serializing_if = "Option::is_none")]
    pub public: Option<Vec<u8>>,
    /// Secret bytes (32-byte key or seed); none for imported public keys and destroyed keys. Crate-private: key
    /// bytes go only to the format layer's wrap/unwrap; [`KeyRecord::has_secret`] says whether there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) secret: Option<SecretBytes>,
}

impl KeyRecord {
    /// Whether this keyring holds the secret (it can open or sign), as opposed to an imported public key.
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }
}

/// Who marked a key (revoked or compromised), when and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyMark {
    /// When.
    pub at: Timestamp,
    /// Who (actor id).
    pub by: String,
    /// Why (1 to [`MAX_DESTROY_REASON_LEN`] bytes of printable text).
    pub reason: String,
}

impl KeyMark {
    /// A mark, its reason checked.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable reason.
    pub fn new(at: Timestamp, by: &str, reason: &str) -> Result<Self> {
        check_mark_reason(reason)?;
        Ok(Self { at, by: by.to_owned(), reason: reason.to_owned() })
    }
}

/// Longest authority name, in bytes.
pub const MAX_AUTHORITY_LEN: usize = 128;

/// Check an authority name: 1 to [`MAX_AUTHORITY_LEN`] bytes of printable text without `|`.
///
/// # Errors
/// [`Error::InvalidArgument`].
pub(crate) fn check_authority(name: &str) -> Result<()> {
    check_text("an authority name", name, MAX_AUTHORITY_LEN)?;
    if name.contains('|') {
        return Err(Error::InvalidArgument("an authority name may not contain '|'".into()));
    }
    Ok(())
}

/// Check a reason for revoking a key or marking it compromised: 1 to [`MAX_DESTROY_REASON_LEN`] bytes of printable
/// text.
///
/// # Errors
/// [`Error::InvalidArgument`].
pub(crate) fn check_mark_reason(reason: &str) -> Result<()> {
    check_text("a reason for revoking a key or marking it compromised", reason, MAX_DESTROY_REASON_LEN)
}

impl Serialize for KeyKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for KeyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| serde::de::Error::custom("unknown key kind"))
    }
}

/// A legal hold: while it stands, no key of the case may be destroyed. [`LegalHold::check`] states what a well-formed
/// hold is; deserializing runs it, and the keyring refuses to read or write any other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LegalHoldWire")]
#[non_exhaustive]
pub struct LegalHold {
    /// The case held.
    pub case_ref: CaseRef,
    /// The hold's reference (order, instruction).
    pub reference: String,
    /// Why.
    pub reason: String,
    /// When it was set.
    pub set_at: Timestamp,
    /// Who set it (actor id).
    pub set_by: String,
}

/// The serialized form of a [`LegalHold`], before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalHoldWire {
    case_ref: CaseRef,
    reference: String,
    reason: String,
    set_at: Timestamp,
    set_by: String,
}

impl TryFrom<LegalHoldWire> for LegalHold {
    type Error = Error;
    fn try_from(w: LegalHoldWire) -> Result<Self> {
        let hold =
            Self { case_ref: w.case_ref, reference: w.reference, reason: w.reason, set_at: w.set_at, set_by: w.set_by };
        hold.check()?;
        Ok(hold)
    }
}

impl LegalHold {
    /// Check the hold: a reference of 1 to [`MAX_HOLD_REFERENCE_LEN`] bytes and a reason of 1 to
    /// [`MAX_HOLD_REASON_LEN`] bytes of printable text, and a setter that is a valid actor id.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text("a legal hold's reference", &self.reference, MAX_HOLD_REFERENCE_LEN)?;
        check_text("a legal hold's reason", &self.reason, MAX_HOLD_REASON_LEN)?;
        if self.set_by.is_empty()
            || self.set_by.len() > crate::vocabulary::MAX_ACTOR_FIELD_LEN
            || !crate::vocabulary::is_printable_text(&self.set_by)
            || self.set_by.trim() != self.set_by
        {
            return Err(Error::InvalidArgument("a legal hold's setter must be a valid actor id".into()));
        }
        Ok(())
    }
}

/// The decrypted contents of the keyring. Crate-private: the keyring changes only through the [`crate::Custodian`],
/// which records every change in the audit log.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct KeyringBody {
    /// Incremented by every write.
    pub(crate) generation: u64,
    /// Every key, including tombstones of destroyed ones.
    pub(crate) keys: Vec<KeyRecord>,
    /// Legal holds in force.
    #[serde(default)]
    pub(crate) holds: Vec<LegalHold>,
    /// The last audit checkpoint this keyring saw written (absent in keyrings written before it existed). Opening
    /// the audit log refuses a log that no longer reaches it (see `docs/AUDIT.md` §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) audit_pin: Option<AuditPin>,
    /// SHA-256 of the access policy file last recorded in the audit log (`policy_changed`), or absent when none was
    /// ever loaded. Kept here, under the master key, so that editing or deleting the file behind the custodian's back
    /// is noticed at the next load and recorded (see `docs/POLICY.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) access_policy_hash: Option<[u8; 32]>,
    /// The access policy's text, when the keyring is shared by many servers (on PostgreSQL): there the policy lives
    /// here, under the master key, instead of in one server's directory, so that every server applies the same one.
    /// Absent for a keyring file (the policy is `access-policy.toml` beside it). When present, its SHA-256 is
    /// `access_policy_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) access_policy: Option<String>,
    /// In a server's own keyring file beside a shared keyring (on PostgreSQL): the highest generation of the shared
    /// keyring this server has read or written, so that after a restart it still refuses an older shared document
    /// (docs/KEYS.md "The keyring on PostgreSQL"). Absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) shared_generation: Option<u64>,
}

/// A checkpoint of the audit log, remembered in the keyring (which is authenticated under the master key) so that a
/// writer of the log file who lacks the keys cannot cut the log back past it, delete it, or replace it unnoticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditPin {
    /// The log's id (from its genesis entry).
    pub log_id: [u8; 16],
    /// How many entries the checkpoint covers: it is entry `count`.
    pub count: u64,
    /// Hash of entry `count - 1`, which the checkpoint signs.
    pub head: [u8; 32],
    /// Byte offset of the checkpoint's line in the log file.
    pub offset: u64,
}

impl AuditPin {
    /// Whether `self` may replace `current`: same log and further along (pins only move forward), or no pin yet.
    #[must_use]
    pub fn advances(&self, current: Option<&AuditPin>) -> bool {
        current.is_none_or(|c| c.log_id == self.log_id && self.count > c.count)
    }
}

impl KeyringBody {
    /// The key with this id.
    #[must_use]
    pub(crate) fn get(&self, id: &KeyId) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.id == *id)
    }

    /// The key with this id, mutably.
    pub(crate) fn get_mut(&mut self, id: &KeyId) -> Option<&mut KeyRecord> {
        self.keys.iter_mut().find(|k| k.id == *id)
    }

    /// Add a key; adding an id already present is an error.
    ///
    /// # Errors
    /// [`Error::Conflict`] ([`ConflictReason::KeyExists`]) when the id is already in the keyring.
    pub(crate) fn add(&mut self, record: KeyRecord) -> Result<()> {
        if self.get(&record.id).is_some() {
            return Err(Error::Conflict { what: ConflictReason::KeyExists, key_id: Some(record.id), case_ref: None });
        }
        self.keys.push(record);
        Ok(())
    }

    /// Crypto-shred a key: drop (and so zeroize) its secret and leave a tombstone.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::LegalHold`] when its case is held; [`Error::KeyDestroyed`] if already gone.
    pub(crate) fn destroy(&mut self, id: &KeyId, at: Timestamp, reason: &str) -> Result<()> {
        let held = {
            let rec = self.get(id).ok_or(Error::KeyNotFound(*id))?;
            if let KeyState::Destroyed { at, .. } = rec.state {
                return Err(Error::KeyDestroyed { key_id: *id, destroyed_at: at });
            }
            rec.case_ref.as_ref().and_then(|c| self.hold_on(c)).cloned()
        };
        if let Some(h) = held {
            return Err(Error::LegalHold { case_ref: h.case_ref.to_string(), reference: h.reference });
        }
        let rec = self.get_mut(id).ok_or(Error::KeyNotFound(*id))?;
        rec.secret = None;
        rec.state = KeyState::Destroyed { at, reason: reason.to_owned() };
        Ok(())
    }

    /// The hold on `case`, if any.
    #[must_use]
    pub(crate) fn hold_on(&self, case: &CaseRef) -> Option<&LegalHold> {
        self.holds.iter().find(|h| h.case_ref == *case)
    }

    /// Check everything the keyring's writers guarantee: each key id once, labels and destruction reasons printable
    /// and bounded, public and secret parts of the length their kind has, one hold per case, holds well formed.
    /// Run on every body read (a body that fails is [`Error::KeyringCorrupt`]) and before every write.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the first violation.
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(format!("keyring: {m}")));
        let mut ids: Vec<&KeyId> = self.keys.iter().map(|k| &k.id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("key {} appears twice", w[0]));
        }
        for k in &self.keys {
            check_label(&k.label)?;
            if let KeyState::Destroyed { reason, .. } = &k.state {
                check_destroy_reason(reason)?;
                if k.secret.is_some() {
                    return bad(format!("destroyed key {} still has a secret", k.id));
                }
            }
            if let Some(a) = &k.authority {
                check_authority(a)?;
            }
            if let (Some(from), Some(until)) = (k.not_before, k.not_after)
                && from >= until
            {
                return bad(format!("key {} has a validity period that ends before it begins", k.id));
            }
            for m in [&k.revoked, &k.compromised].into_iter().flatten() {
                check_mark_reason(&m.reason)?;
            }
            if k.has_secret() && (k.authority.is_some() || k.revoked.is_some()) {
                return bad(format!("own key {} carries another authority's fields", k.id));
            }
            let public_len = match k.kind {
                KeyKind::Kek => None,
                KeyKind::X25519 | KeyKind::Ed25519 => Some(32),
                KeyKind::XWing => Some(1216),
            };
            if k.public.as_ref().map(Vec::len) != public_len {
                return bad(format!(
                    "key {} has no public part of the length {} {} key has",
                    k.id,
                    k.kind.article(),
                    k.kind
                ));
            }
            if k.wrapped_by.is_some() {
                // A per-case KEK wrapped by a key provider: the secret is the provider's wrapping (its own length,
                // bounded), and only a case's KEK is ever wrapped.
                if k.kind != KeyKind::Kek || k.case_ref.is_none() {
                    return bad(format!("key {} is wrapped by a provider but is not a case's KEK", k.id));
                }
                if k.secret.as_ref().is_some_and(|s| s.expose().is_empty() || s.expose().len() > MAX_WRAPPED_LEN) {
                    return bad(format!("key {} has a wrapped secret of an impossible length", k.id));
                }
            } else if k.secret.as_ref().is_some_and(|s| s.expose().len() != 32) {
                return bad(format!("key {} has a secret that is not 32 bytes", k.id));
            }
        }
        if let Some(text) = &self.access_policy {
            use sha2::Digest as _;
            if text.len() > crate::policy::MAX_POLICY_LEN {
                return bad("the access policy is too long".into());
            }
            if self.access_policy_hash != Some(Sha256::digest(text.as_bytes()).into()) {
                return bad("the access policy does not match its hash".into());
            }
        }
        for (i, h) in self.holds.iter().enumerate() {
            h.check()?;
            if self.holds[..i].iter().any(|o| o.case_ref == h.case_ref) {
                return bad(format!("case {} is held twice", h.case_ref));
            }
        }
        Ok(())
    }
}

/// Longest provider wrapping of a per-case KEK a keyring accepts (`KeyRecord::wrapped_by`), in bytes.
const MAX_WRAPPED_LEN: usize = 1024;

/// Longest key label, in bytes.
pub const MAX_LABEL_LEN: usize = 128;
/// Longest reason for destroying a key, in bytes (the erasure certificate's limit).
pub const MAX_DESTROY_REASON_LEN: usize = 512;
/// Longest legal-hold reference, in bytes.
pub const MAX_HOLD_REFERENCE_LEN: usize = 256;
/// Longest legal-hold reason, in bytes.
pub const MAX_HOLD_REASON_LEN: usize = 1024;

/// Check a key label: 1 to [`MAX_LABEL_LEN`] bytes of printable text.
///
/// # Errors
/// [`Error::InvalidArgument`].
pub(crate) fn check_label(label: &str) -> Result<()> {
    check_text("a key label", label, MAX_LABEL_LEN)
}

/// Check a reason for destroying a key: 1 to [`MAX_DESTROY_REASON_LEN`] bytes of printable text.
///
/// # Errors
/// [`Error::InvalidArgument`].
pub(crate) fn check_destroy_reason(reason: &str) -> Result<()> {
    check_text("a reason for destroying a key", reason, MAX_DESTROY_REASON_LEN)
}

fn check_text(what: &str, v: &str, max: usize) -> Result<()> {
    if v.trim().is_empty() || v.len() > max || !crate::vocabulary::is_printable_text(v) {
        return Err(Error::InvalidArgument(format!("{what} is 1 to {max} bytes of printable text")));
    }
    Ok(())
}

/// Where a keyring's sealed document lives: the file `keyring.cdk` in a directory ([`FileStore`]), or a row of a
/// PostgreSQL table (`keyring_pg::PgStore`, feature `postgres`). The store sees only the sealed bytes (header,
/// ciphertext, tag); encrypting, authenticating and validating them is the [`Keyring`]'s business, the same for
/// every store.
///
/// A store remembers which version of the document it last handed out or wrote (the file's inode, the row's
/// version), so that [`DocumentStore::is_stale`] can tell cheaply whether another writer changed it since. It
/// records that version only when the callback it ran on the bytes succeeded: a document that fails to decrypt
/// keeps the store stale, so every later read tries again and fails again (fail closed).
/// What [`DocumentStore::transact`] runs on the document: given the current bytes (`None` when there is none yet), the
/// bytes to write instead (`None`: write nothing).
pub(crate) type Transaction<'a> = &'a mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>>;

pub(crate) trait DocumentStore: Send + Sync {
    /// Under the store's exclusive lock (the file lock; the row's `FOR UPDATE` lock): read the document (`None`
    /// when there is none yet), run `f` on it, and when `f` returns new bytes, replace the document with them
    /// atomically before the lock is released. Nothing is written when `f` fails.
    fn transact(&mut self, f: Transaction<'_>) -> Result<()>;

    /// Read the document as committed now (`None` when there is none) and run `f` on it.
    fn read(&mut self, f: &mut dyn FnMut(Option<&[u8]>) -> Result<()>) -> Result<()>;

    /// Whether the document is no longer the version this store last read or wrote.
    fn is_stale(&self) -> Result<bool>;

    /// Whether a document whose body's generation is lower than the highest this keyring saw is refused (a store
    /// someone else administers may be rolled back to an older row; a local file keeps today's behaviour).
    fn refuses_rollback(&self) -> bool;

    /// A fresh handle on the same document, with nothing seen yet (for [`Keyring::pin_store`]).
    fn reopen(&self) -> Result<Box<dyn DocumentStore>>;

    /// What the store is, for messages: "the keyring file", "the keyring row in PostgreSQL".
    fn describe(&self) -> &'static str;

    /// The document as committed now, without recording anything (test doors only).
    #[cfg(any(test, feature = "danger-test-hooks"))]
    fn peek(&self) -> Result<Option<Vec<u8>>>;
}

/// The keyring file `keyring.cdk` in a directory, with the lock file `keyring.lock` beside it (see the module
/// documentation: atomic replacement, `flock`).
pub(crate) struct FileStore {
    dir: PathBuf,
    /// The file the document was last read from or written to, to tell whether another writer replaced it since.
    seen: Option<SeenFile>,
}

impl FileStore {
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned(), seen: None }
    }
}

impl DocumentStore for FileStore {
    fn transact(&mut self, f: Transaction<'_>) -> Result<()> {
        let lock = lock_file(&self.dir, true)?;
        let held = read_file_held(&self.dir.join(KEYRING_FILE))?;
        let out = f(held.as_ref().map(|(bytes, _)| bytes.as_slice()))?;
        let seen = match (out, held) {
            (Some(doc), _) => Some(write_document(&self.dir, &doc)?),
            (None, Some((_, file))) => Some(SeenFile::of(file)?),
            (None, None) => None,
        };
        drop(lock);
        if seen.is_some() {
            self.seen = seen;
        }
        Ok(())
    }

    fn read(&mut self, f: &mut dyn FnMut(Option<&[u8]>) -> Result<()>) -> Result<()> {
        let lock = lock_file(&self.dir, false)?;
        let held = read_file_held(&self.dir.join(KEYRING_FILE))?;
        drop(lock);
        f(held.as_ref().map(|(bytes, _)| bytes.as_slice()))?;
        if let Some((_, file)) = held {
            self.seen = Some(SeenFile::of(file)?);
        }
        Ok(())
    }

    /// One `stat` of the path.
    fn is_stale(&self) -> Result<bool> {
        use std::os::unix::fs::MetadataExt as _;
        let Some(seen) = &self.seen else { return Ok(true) };
        match fs::metadata(self.dir.join(KEYRING_FILE)) {
            Ok(m) => Ok(m.dev() != seen.dev || m.ino() != seen.ino),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(e.into()),
        }
    }

    fn refuses_rollback(&self) -> bool {
        false
    }

    fn reopen(&self) -> Result<Box<dyn DocumentStore>> {
        Ok(Box::new(Self::new(&self.dir)))
    }

    fn describe(&self) -> &'static str {
        "the keyring file"
    }

    #[cfg(any(test, feature = "danger-test-hooks"))]
    fn peek(&self) -> Result<Option<Vec<u8>>> {
        read_file(&self.dir.join(KEYRING_FILE))
    }
}

/// No store: a keyring decrypted from bytes in memory (the fuzzing doors). Every read or write fails.
#[cfg(feature = "danger-test-hooks")]
struct DetachedStore;

#[cfg(feature = "danger-test-hooks")]
impl DocumentStore for DetachedStore {
    fn transact(&mut self, _: Transaction<'_>) -> Result<()> {
        Err(Error::Internal("a keyring loaded from bytes has no store".into()))
    }
    fn read(&mut self, _: &mut dyn FnMut(Option<&[u8]>) -> Result<()>) -> Result<()> {
        Err(Error::Internal("a keyring loaded from bytes has no store".into()))
    }
    fn is_stale(&self) -> Result<bool> {
        Ok(false)
    }
    fn refuses_rollback(&self) -> bool {
        false
    }
    fn reopen(&self) -> Result<Box<dyn DocumentStore>> {
        Ok(Box::new(Self))
    }
    fn describe(&self) -> &'static str {
        "no store"
    }
    fn peek(&self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

/// What a [`Keyring`] tells of each new highest generation it read or wrote.
pub(crate) type GenerationHook = Box<dyn FnMut(u64) -> Result<()> + Send + Sync>;

/// An unlocked keyring bound to its store (a file by default; a PostgreSQL row with the `postgres` feature).
pub struct Keyring {
    dir: PathBuf,
    store: Box<dyn DocumentStore>,
    header: FileHeader,
    /// In locked, undumpable memory (docs/MEMORY.md).
    file_key: custodia_mem::LockedBox<[u8; 32]>,
    body: KeyringBody,
    /// The highest body generation this keyring read or wrote: a store that
    /// [refuses rollback](DocumentStore::refuses_rollback) refuses a lower one.
    highest: u64,
    /// Told every new highest generation (after the read or write that raised it); on PostgreSQL, the server's own
    /// keyring file remembers it across restarts ([`Keyring::on_generation`]).
    on_generation: Option<GenerationHook>,
    /// How many times the body was read from the store or written to it since the keyring was opened: a caller that
    /// saw the keyring stale and finds this number moved (another thread re-read or changed it meanwhile) need not
    /// read it again.
    loads: u64,
    /// How many staleness checks ([`Keyring::is_stale`]) were made: on PostgreSQL, each is one `SELECT version`.
    #[cfg(feature = "danger-test-hooks")]
    checks: std::sync::atomic::AtomicU64,
}

/// The identity of the keyring file a body came from. Every write replaces the file (rename), so a different
/// `(dev, ino)` at the path means another writer changed it. The open descriptor keeps the inode alive, so its
/// number cannot be reused by a later file while it is held.
struct SeenFile {
    dev: u64,
    ino: u64,
    _held: File,
}

impl SeenFile {
    fn of(file: File) -> Result<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let m = file.metadata()?;
        Ok(Self { dev: m.dev(), ino: m.ino(), _held: file })
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("dir", &self.dir)
            .field("store", &self.store.describe())
            .field("keys", &self.body.keys.len())
            .field("generation", &self.body.generation)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
struct FileHeader {
    kdf: u8,
    params: KdfParams,
    salt: [u8; 16],
    check: [u8; 32],
}

/// What unlocking a document yields.
type Unlocked = (FileHeader, custodia_mem::LockedBox<[u8; 32]>, KeyringBody);

impl Keyring {
    /// Open the keyring in the existing directory `dir`, creating the keyring file if there is none yet (never the
    /// directory: that is the caller's decision). `kdf` applies only when a passphrase keyring is created.
    ///
    /// # Errors
    /// [`Error::WrongPassphrase`], [`Error::KeyringCorrupt`], [`Error::KeyringVersion`],
    /// [`Error::KdfParamsOutOfRange`], [`Error::Io`] (`NotFound` when `dir` does not exist). On any error the file on
    /// disk is left as it was.
    pub fn open(dir: &Path, unlock: &Unlock, kdf: KdfParams) -> Result<Self> {
        Self::open_with(dir, unlock, kdf, true)
    }

    /// [`Keyring::open`], or when `create` is false, [`Error::CustodianNotFound`] if `dir` holds no keyring file
    /// (and nothing is written).
    pub(crate) fn open_with(dir: &Path, unlock: &Unlock, kdf: KdfParams, create: bool) -> Result<Self> {
        // Checked before the lock file is made, so that a mistyped directory is left exactly as it was.
        if !create && fs::symlink_metadata(dir.join(KEYRING_FILE)).is_err() {
            return Err(Error::CustodianNotFound {
                path: dir.display().to_string(),
                reason: format!("it holds no keyring ({KEYRING_FILE}); ask for creation to start a new custodian"),
            });
        }
        Self::open_in(dir, Box::new(FileStore::new(dir)), unlock, kdf, create)
    }

    /// Open (or with `create`, start) the keyring whose document `store` holds; `dir` is the custodian's directory.
    /// Creation happens under the store's exclusive lock, so two processes starting at once make one keyring.
    pub(crate) fn open_in(
        dir: &Path,
        mut store: Box<dyn DocumentStore>,
        unlock: &Unlock,
        kdf: KdfParams,
        create: bool,
    ) -> Result<Self> {
        let what = store.describe();
        let mut unlocked: Option<Unlocked> = None;
        store.transact(&mut |existing| match existing {
            Some(bytes) => {
                unlocked = Some(decrypt_existing(bytes, unlock)?);
                Ok(None)
            }
            None if !create => Err(Error::CustodianNotFound {
                path: dir.display().to_string(),
                reason: format!("{what} does not exist; ask for creation to start a new custodian"),
            }),
            None => {
                let (header, file_key) = new_header(unlock, kdf)?;
                let body = KeyringBody::default();
                let doc = seal_document(&header, &file_key, &body)?;
                unlocked = Some((header, file_key, body));
                Ok(Some(doc))
            }
        })?;
        let (header, file_key, body) = unlocked.ok_or_else(|| Error::Internal("keyring not opened".into()))?;
        let highest = body.generation;
        Ok(Self {
            dir: dir.to_owned(),
            store,
            header,
            file_key,
            body,
            highest,
            on_generation: None,
            loads: 0,
            #[cfg(feature = "danger-test-hooks")]
            checks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The directory holding the keyring.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The keyring's contents as last read or written.
    #[must_use]
    pub(crate) fn body(&self) -> &KeyringBody {
        &self.body
    }

    /// Every key as last read or written, tombstones included. Read-only: keys change only through the
    /// [`crate::Custodian`], which records every change.
    #[must_use]
    pub fn keys(&self) -> &[KeyRecord] {
        &self.body.keys
    }

    /// The last audit checkpoint this keyring saw written, if any.
    #[must_use]
    pub fn audit_pin(&self) -> Option<AuditPin> {
        self.body.audit_pin
    }

    /// The highest body generation this keyring read or wrote.
    #[cfg(feature = "postgres")]
    pub(crate) fn highest_generation(&self) -> u64 {
        self.highest
    }

    /// Call `hook` with every new highest generation from now on, after the read or write that raised it; an error
    /// of the hook is the error of that read or write (whose effect on the store stands).
    #[cfg(feature = "postgres")]
    pub(crate) fn on_generation(&mut self, hook: GenerationHook) {
        self.on_generation = Some(hook);
    }

    /// Tell the hook, if the highest generation moved past `before`.
    fn raised(&mut self, before: u64) -> Result<()> {
        match &mut self.on_generation {
            Some(hook) if self.highest > before => hook(self.highest),
            _ => Ok(()),
        }
    }

    /// The lowest generation a body read from the store may have, if the store refuses rollback.
    fn floor(&self) -> Option<u64> {
        self.store.refuses_rollback().then_some(self.highest)
    }

    /// Re-read the file (another process may have changed it).
    ///
    /// # Errors
    /// As [`Keyring::open`].
    pub fn reload(&mut self) -> Result<()> {
        let floor = self.floor();
        let before = self.highest;
        let Self { store, header, file_key, body, highest, .. } = self;
        let what = store.describe();
        store.read(&mut |bytes| {
            let bytes = bytes.ok_or_else(|| Error::KeyringCorrupt(format!("{what} has disappeared")))?;
            *body = load_body(header, file_key, bytes, floor)?;
            *highest = (*highest).max(body.generation);
            Ok(())
        })?;
        self.loads += 1;
        self.raised(before)
    }

    /// How many times the body was read from the store or written to it (successfully) since the keyring was
    /// opened; see [`Keyring::is_stale`].
    pub(crate) fn loads(&self) -> u64 {
        self.loads
    }

    /// How many staleness checks this keyring made (test doors: the PostgreSQL tests count the version queries of
    /// one operation).
    #[cfg(feature = "danger-test-hooks")]
    pub(crate) fn staleness_checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the keyring's document is no longer the one this keyring last read or wrote: another writer (another
    /// process, or another `Keyring` on the same store) changed it, and [`Keyring::reload`] would read its change.
    /// For the file, one `stat` of the path; on PostgreSQL, one query of the row's version.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory (the database) cannot be read (a missing keyring file is reported as stale,
    /// and the reload then fails).
    pub(crate) fn is_stale(&self) -> Result<bool> {
        #[cfg(feature = "danger-test-hooks")]
        self.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.store.is_stale()
    }

    /// Change the keyring: under the store's exclusive lock, re-read the document, apply `change`, and write the
    /// result atomically. If `change` or the write fails, the store is unchanged and the in-memory state is re-read.
    ///
    /// # Errors
    /// The error of `change`, or of reading or writing the store.
    pub(crate) fn update<R>(&mut self, change: impl FnOnce(&mut KeyringBody) -> Result<R>) -> Result<R> {
        let floor = self.floor();
        let mut change = Some(change);
        let mut out = None;
        let result = {
            let Self { store, header, file_key, body, .. } = self;
            let what = store.describe();
            store.transact(&mut |bytes| {
                let bytes = bytes.ok_or_else(|| Error::KeyringCorrupt(format!("{what} has disappeared")))?;
                *body = load_body(header, file_key, bytes, floor)?;
                let change = change.take().ok_or_else(|| Error::Internal("keyring change applied twice".into()))?;
                out = Some(change(body)?);
                body.validate()?;
                body.generation += 1;
                seal_document(header, file_key, body).map(Some)
            })
        };
        match (result, out) {
            (Ok(()), Some(r)) => {
                let before = self.highest;
                self.highest = self.highest.max(self.body.generation);
                self.loads += 1;
                self.raised(before)?;
                Ok(r)
            }
            (result, _) => {
                // Best effort: the store still holds the last committed state.
                let _ = self.reload();
                Err(result.err().unwrap_or_else(|| Error::Internal("keyring change not applied".into())))
            }
        }
    }

    /// Write the body as it is (unvalidated) over whatever the store holds; for tests that write what the writers'
    /// rules would refuse.
    #[cfg(test)]
    fn write(&mut self) -> Result<()> {
        let doc = seal_document(&self.header, &self.file_key, &self.body)?;
        self.store.transact(&mut |_| Ok(Some(doc.clone())))
    }

    /// Danger: rewrite `id`'s record without its jurisdiction, as a keyring written before keys carried one, with no
    /// audit entry. For tests of old keyrings; only with the `danger-test-hooks` feature, which no release artefact
    /// enables.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; as [`Keyring::open`] for reading and writing the file.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_strip_jurisdiction_for_tests(&mut self, id: &KeyId) -> Result<()> {
        self.update(|b| {
            b.get_mut(id).ok_or(Error::KeyNotFound(*id))?.jurisdiction = None;
            Ok(())
        })
    }

    /// A handle that raises the keyring's audit pin in the keyring's store on its own, without this `Keyring` (and
    /// so without whatever lock the host keeps it under): the audit log calls it from its checkpoint hook, which
    /// may run while another thread holds the host's lock on this `Keyring`.
    ///
    /// It holds its own copy of the file key (zeroized on drop) and, between writes, no key records.
    pub(crate) fn pin_store(&self) -> Result<AuditPinStore> {
        Ok(AuditPinStore {
            ring: std::sync::Mutex::new(Self {
                dir: self.dir.clone(),
                store: self.store.reopen()?,
                header: self.header,
                file_key: self.file_key.clone(),
                body: KeyringBody::default(),
                highest: self.highest,
                on_generation: None,
                loads: 0,
                #[cfg(feature = "danger-test-hooks")]
                checks: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// A master key for a second keyring bound to this one: HKDF-SHA256 of this keyring's file key (info
    /// `custodia/v1/keyring/local`). The PostgreSQL keyring keeps what is one server's own (its audit log's pin) in a
    /// keyring file in the server's directory, unlocked with this, so that the passphrase is stretched once.
    #[cfg(feature = "postgres")]
    pub(crate) fn derived_unlock(&self) -> Unlock {
        let hk = Hkdf::<Sha256>::new(Some(&self.header.salt), &*self.file_key);
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
        let _ = hk.expand(b"custodia/v1/keyring/local", &mut *key);
        Unlock(UnlockSecret::MasterKey(key))
    }

    /// Test support: whether the decrypted keyring body contains `needle` anywhere (raw or base64-encoded). Used to
    /// prove that a destroyed key left no trace in the file. Only in tests and with the `danger-test-hooks` feature.
    #[cfg(any(test, feature = "danger-test-hooks"))]
    #[doc(hidden)]
    #[must_use]
    pub fn danger_body_contains(&self, needle: &[u8]) -> bool {
        use base64ct::{Base64, Encoding};
        let Ok(Some(bytes)) = self.store.peek() else { return false };
        let Ok(plain) = decrypt_plain(&bytes, &self.file_key) else { return false };
        let b64 = Base64::encode_string(needle);
        contains(&plain, needle) || contains(&plain, b64.as_bytes())
    }
}

/// A new keyring's header and file key: a fresh salt, the costs (`kdf` for a passphrase, none for a master key).
fn new_header(unlock: &Unlock, kdf: KdfParams) -> Result<(FileHeader, custodia_mem::LockedBox<[u8; 32]>)> {
    let mut salt = [0u8; 16];
    crate::keys::random_bytes(&mut salt)?;
    let (kdf_code, params) = match unlock.0 {
        UnlockSecret::Passphrase(_) => {
            kdf.check()?;
            (1, kdf)
        }
        UnlockSecret::MasterKey(_) => (0, KdfParams { m_cost_kib: 0, t_cost: 0, p_cost: 0 }),
    };
    let master = derive_master(unlock, kdf_code, params, &salt)?;
    let (file_key, check) = derive_file_keys(&master, &salt);
    Ok((FileHeader { kdf: kdf_code, params, salt, check }, file_key))
}

/// Unlock an existing document: its header, the master key's check value, the body's AEAD and rules.
fn decrypt_existing(bytes: &[u8], unlock: &Unlock) -> Result<Unlocked> {
    let header = parse_header(bytes)?;
    match (&unlock.0, header.kdf) {
        (UnlockSecret::Passphrase(_), 1) | (UnlockSecret::MasterKey(_), 0) => {}
        (UnlockSecret::Passphrase(_), _) => {
            return Err(Error::InvalidArgument("this keyring is unlocked with a master key, not a passphrase".into()));
        }
        (UnlockSecret::MasterKey(_), _) => {
            return Err(Error::InvalidArgument("this keyring is unlocked with a passphrase, not a master key".into()));
        }
    }
    let master = derive_master(unlock, header.kdf, header.params, &header.salt)?;
    let (file_key, check) = derive_file_keys(&master, &header.salt);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&check[..], &header.check[..])) {
        return Err(Error::WrongPassphrase);
    }
    let body = decrypt_body(bytes, &file_key)?;
    Ok((header, file_key, body))
}

/// The body of a document re-read by an unlocked keyring: the same keyring (salt and check value), authentic, valid,
/// and with `floor`, not older than the highest generation seen.
fn load_body(header: &FileHeader, file_key: &[u8; 32], bytes: &[u8], floor: Option<u64>) -> Result<KeyringBody> {
    let found = parse_header(bytes)?;
    if found.salt != header.salt || found.check != header.check {
        return Err(Error::KeyringCorrupt("the keyring was replaced by another keyring".into()));
    }
    let body = decrypt_body(bytes, file_key)?;
    if let Some(seen) = floor
        && body.generation < seen
    {
        return Err(Error::KeyringCorrupt(format!(
            "the keyring was rolled back: generation {}, older than generation {seen} already seen",
            body.generation
        )));
    }
    Ok(body)
}

/// The sealed document for `body`: header (with a fresh nonce), ciphertext, tag (the module documentation's format).
fn seal_document(header: &FileHeader, file_key: &[u8; 32], body: &KeyringBody) -> Result<Vec<u8>> {
    let mut nonce = [0u8; 12];
    crate::keys::random_bytes(&mut nonce)?;
    let mut doc = Vec::with_capacity(HEADER_LEN + 4096 + body.keys.len() * 2048 + TAG_LEN);
    doc.extend_from_slice(MAGIC);
    doc.extend_from_slice(&VERSION.to_be_bytes());
    doc.push(header.kdf);
    doc.extend_from_slice(&header.params.m_cost_kib.to_be_bytes());
    doc.extend_from_slice(&header.params.t_cost.to_be_bytes());
    doc.extend_from_slice(&header.params.p_cost.to_be_bytes());
    doc.extend_from_slice(&header.salt);
    doc.extend_from_slice(&header.check);
    doc.extend_from_slice(&nonce);

    let mut plain = ZeroizingWriter::with_capacity(4096 + body.keys.len() * 2048);
    serde_json::to_writer(&mut plain, body).map_err(|e| Error::Internal(format!("keyring encoding: {e}")))?;
    let cipher = ChaCha20Poly1305::new(file_key.into());
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(nonce), &doc, plain.0.as_mut_slice().into())
        .map_err(|_| Error::Internal("keyring encryption failed".into()))?;
    doc.extend_from_slice(&plain.0);
    doc.extend_from_slice(&tag);
    Ok(doc)
}

/// Write `doc` to a new file in `dir` and rename it over the keyring file; returns the new file's identity.
fn write_document(dir: &Path, doc: &[u8]) -> Result<SeenFile> {
    remove_stale_temps(dir);
    let mut suffix = [0u8; 8];
    crate::keys::random_bytes(&mut suffix)?;
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{}", std::process::id(), u64::from_le_bytes(suffix)));
    let written = (|| -> io::Result<File> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(doc)?;
        f.sync_all()?;
        fs::rename(&tmp, dir.join(KEYRING_FILE))?;
        File::open(dir)?.sync_all()?;
        Ok(f)
    })();
    match written {
        Ok(f) => SeenFile::of(f),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e.into())
        }
    }
}

/// Fuzzing doors (`fuzz/`, `examples/fuzz_seeds.rs`): the file loader over bytes in memory, with no directory, lock
/// or file-mode check. Only with the `danger-test-hooks` feature, which no release artefact enables.
#[cfg(feature = "danger-test-hooks")]
impl Keyring {
    /// Danger: parse and decrypt `bytes` exactly as [`Keyring::open`] does the keyring file's contents (header,
    /// Argon2id costs, check value, body AEAD, body JSON, the body's rules). For the fuzzer.
    ///
    /// # Errors
    /// As [`Keyring::open`] for an existing file.
    #[doc(hidden)]
    pub fn danger_load_bytes_for_fuzzing(bytes: &[u8], unlock: &Unlock) -> Result<Self> {
        if bytes.len() as u64 > MAX_KEYRING_LEN {
            return Err(Error::KeyringCorrupt("larger than any keyring".into()));
        }
        let (header, file_key, body) = decrypt_existing(bytes, unlock)?;
        let highest = body.generation;
        Ok(Self {
            dir: PathBuf::new(),
            store: Box::new(DetachedStore),
            header,
            file_key,
            body,
            highest,
            on_generation: None,
            loads: 0,
            checks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Danger: the bytes of a master-key keyring file whose encrypted body is `body`, unchecked (fixed salt and
    /// nonce). Lets the fuzzer reach the body parser through the whole loader with bodies it mutates in the clear.
    #[doc(hidden)]
    #[must_use]
    pub fn danger_seal_body_for_fuzzing(body: &[u8], master: [u8; 32]) -> Vec<u8> {
        let salt = [0x5a; 16];
        let (file_key, check) = derive_file_keys(&master, &salt);
        let nonce = [0u8; 12];
        let mut out = Vec::with_capacity(HEADER_LEN + body.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.push(0);
        out.extend_from_slice(&[0u8; 12]);
        out.extend_from_slice(&salt);
        out.extend_from_slice(&check);
        out.extend_from_slice(&nonce);
        let mut ct = body.to_vec();
        let tag = ChaCha20Poly1305::new((&*file_key).into())
            .encrypt_inout_detached(&Nonce::from(nonce), &out, ct.as_mut_slice().into())
            .unwrap_or_default();
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
        out
    }

    /// Danger: the decrypted body (JSON) of the keyring file contents `bytes`, for the fuzzer's seed corpus.
    ///
    /// # Errors
    /// As [`Keyring::open`] for an existing file.
    #[doc(hidden)]
    pub fn danger_body_plaintext_for_fuzzing(bytes: &[u8], unlock: &Unlock) -> Result<Zeroizing<Vec<u8>>> {
        let (_, file_key, _) = decrypt_existing(bytes, unlock)?;
        decrypt_plain(bytes, &file_key)
    }
}

/// Raises the audit pin stored in a keyring file; see [`Keyring::pin_store`]. Crate-private: only the facade's audit
/// checkpoint hook raises the pin, so no host can move it without an audit entry.
pub(crate) struct AuditPinStore {
    ring: std::sync::Mutex<Keyring>,
}

impl fmt::Debug for AuditPinStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditPinStore").finish_non_exhaustive()
    }
}

impl AuditPinStore {
    /// Store `pin` if it [advances](AuditPin::advances) the pin in the file (a pin is never lowered, and a pin of
    /// another log is never replaced); otherwise leave the file as it is. The write is atomic, like every keyring
    /// write, and re-reads the file under the keyring's file lock first, so it loses no concurrent change.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a pin of another log than the one pinned; keyring read and write errors.
    pub(crate) fn raise(&self, pin: &AuditPin) -> Result<()> {
        let mut ring = self.ring.lock().map_err(|_| Error::Internal("audit pin store lock poisoned".into()))?;
        let result = ring.update(|b| {
            if let Some(current) = &b.audit_pin
                && current.log_id != pin.log_id
            {
                return Err(Error::InvalidArgument("the keyring pins another audit log".into()));
            }
            if pin.advances(b.audit_pin.as_ref()) {
                b.audit_pin = Some(*pin);
            }
            Ok(())
        });
        // Keep no key records between writes.
        ring.body = KeyringBody::default();
        result
    }
}

#[cfg(any(test, feature = "danger-test-hooks"))]
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A `Write` into a `Vec` that never leaves a copy behind when it grows: the old allocation is zeroized.
struct ZeroizingWriter(Zeroizing<Vec<u8>>);

impl ZeroizingWriter {
    fn with_capacity(n: usize) -> Self {
        Self(Zeroizing::new(Vec::with_capacity(n)))
    }
}

impl Write for ZeroizingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.len() + buf.len() > self.0.capacity() {
            let mut bigger = Vec::with_capacity((self.0.len() + buf.len()) * 2);
            bigger.extend_from_slice(&self.0);
            // The old buffer is zeroized when the `Zeroizing` it lived in is replaced and dropped.
            self.0 = Zeroizing::new(bigger);
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lock_file(dir: &Path, exclusive: bool) -> Result<File> {
    let f =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(dir.join(LOCK_FILE))?;
    if exclusive {
        f.lock()?
    } else {
        f.lock_shared()?
    }
    Ok(f)
}

#[cfg(any(test, feature = "danger-test-hooks"))]
fn read_file(path: &Path) -> Result<Option<Vec<u8>>> {
    Ok(read_file_held(path)?.map(|(bytes, _)| bytes))
}

/// [`read_file`], also returning the open file it read.
fn read_file_held(path: &Path) -> Result<Option<(Vec<u8>, File)>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let meta = f.metadata()?;
    refuse_writable_by_others(path, &meta)?;
    let len = meta.len();
    if len > MAX_KEYRING_LEN {
        return Err(Error::KeyringCorrupt(format!("file of {len} bytes is larger than any keyring")));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    (&mut f).take(MAX_KEYRING_LEN).read_to_end(&mut bytes)?;
    Ok(Some((bytes, f)))
}

/// Refuse a file (the keyring, the audit log) that its group or others may write: anyone who can write it could
/// replace it, so custodia does not rely on it. Checked on the open descriptor's metadata, not by path again.
///
/// # Errors
/// [`Error::InsecurePermissions`].
pub(crate) fn refuse_writable_by_others(path: &Path, meta: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Error::InsecurePermissions { path: path.display().to_string(), mode });
    }
    Ok(())
}

fn remove_stale_temps(dir: &Path) {
    // Only ciphertext is ever written to temp files; removing leftovers of a crash is tidiness, not secrecy.
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

fn parse_header(bytes: &[u8]) -> Result<FileHeader> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(Error::KeyringCorrupt("not a custodia keyring (bad magic)".into()));
    }
    if bytes.len() < HEADER_LEN + TAG_LEN {
        return Err(Error::KeyringCorrupt("truncated".into()));
    }
    let u32_at = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let version = u32_at(8);
    if version != VERSION {
        return Err(Error::KeyringVersion(version));
    }
    let kdf = bytes[12];
    if kdf > 1 {
        return Err(Error::KeyringCorrupt(format!("unknown key derivation {kdf}")));
    }
    let params = KdfParams { m_cost_kib: u32_at(13), t_cost: u32_at(17), p_cost: u32_at(21) };
    // The costs are bounded here, before anything derives from them. They are also authenticated: they feed
    // Argon2id (other costs give another master key, so the check value fails) and, with the salt and every other
    // header byte, they are the associated data of the body's AEAD.
    match kdf {
        0 if params != (KdfParams { m_cost_kib: 0, t_cost: 0, p_cost: 0 }) => {
            return Err(Error::KeyringCorrupt("a master-key keyring carries no Argon2id costs".into()));
        }
        1 => params.check()?,
        _ => {}
    }
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&bytes[25..41]);
    let mut check = [0u8; 32];
    check.copy_from_slice(&bytes[41..73]);
    Ok(FileHeader { kdf, params, salt, check })
}

fn decrypt_plain(bytes: &[u8], file_key: &[u8; 32]) -> Result<Zeroizing<Vec<u8>>> {
    let (header, rest) = bytes.split_at(HEADER_LEN);
    let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce: [u8; 12] = header[HEADER_LEN - 12..].try_into().map_err(|_| Error::KeyringCorrupt("nonce".into()))?;
    let tag = Tag::try_from(tag).map_err(|_| Error::KeyringCorrupt("tag".into()))?;
    let mut plain = Zeroizing::new(ct.to_vec());
    ChaCha20Poly1305::new(file_key.into())
        .decrypt_inout_detached(&Nonce::from(nonce), header, plain.as_mut_slice().into(), &tag)
        .map_err(|_| Error::KeyringCorrupt("authentication failed: the file was altered or damaged".into()))?;
    Ok(plain)
}

fn decrypt_body(bytes: &[u8], file_key: &[u8; 32]) -> Result<KeyringBody> {
    let plain = decrypt_plain(bytes, file_key)?;
    let body: KeyringBody = serde_json::from_slice(&plain).map_err(|e| Error::KeyringCorrupt(format!("body: {e}")))?;
    body.validate().map_err(|e| Error::KeyringCorrupt(format!("body: {e}")))?;
    Ok(body)
}

fn derive_master(unlock: &Unlock, kdf: u8, params: KdfParams, salt: &[u8; 16]) -> Result<Zeroizing<[u8; 32]>> {
    match &unlock.0 {
        UnlockSecret::MasterKey(k) => Ok(Zeroizing::new(**k)),
        UnlockSecret::Passphrase(p) => {
            debug_assert_eq!(kdf, 1);
            // Callers have checked the costs; checked again here so that no path derives with unbounded ones.
            params.check()?;
            let argon_params = argon2::Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(32))
                .map_err(|e| Error::KeyringCorrupt(format!("Argon2id parameters: {e}")))?;
            let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
            let mut out = Zeroizing::new([0u8; 32]);
            argon
                .hash_password_into(p.as_bytes(), salt, &mut *out)
                .map_err(|e| Error::Internal(format!("Argon2id: {e}")))?;
            Ok(out)
        }
    }
}

fn derive_file_keys(master: &[u8; 32], salt: &[u8; 16]) -> (custodia_mem::LockedBox<[u8; 32]>, [u8; 32]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), master);
    let mut key = custodia_mem::LockedBox::new([0u8; 32]);
    let mut check = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
    let _ = hk.expand(b"custodia/v1/keyring/file-key", &mut *key);
    let _ = hk.expand(b"custodia/v1/keyring/check", &mut check);
    (key, check)
}

impl Drop for Keyring {
    fn drop(&mut self) {
        self.header.check.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u8, kind: KeyKind, secret: Option<&[u8]>) -> KeyRecord {
        KeyRecord {
            id: KeyId::from_bytes([id; 16]),
            kind,
            label: format!("key {id}"),
            state: KeyState::Active,
            created: Timestamp::from_unix(100),
            case_ref: None,
            destroy_after: None,
            rotated_from: None,
            rotated_to: None,
            jurisdiction: None,
            authority: None,
            wrapped_by: None,
            not_before: None,
            not_after: None,
            revoked: None,
            compromised: None,
            public: None,
            secret: secret.map(|s| SecretBytes::new(Zeroizing::new(s.to_vec()))),
        }
    }

    #[test]
    fn only_a_case_kek_may_be_wrapped_by_a_provider_and_the_field_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ring = Keyring::open(dir.path(), &Unlock::master_key([3; 32]), KdfParams::DEFAULT).expect("create");
        let wrapped = |id: u8, kind: KeyKind, case: bool, len: usize| {
            let mut r = rec(id, kind, Some(&vec![0xa5; len]));
            r.wrapped_by = Some(KeyId::from_bytes([0xee; 16]));
            r.case_ref = case.then(|| CaseRef::parse("MLA-2026-0042").expect("case"));
            r
        };
        // Not a case's KEK, an empty or oversized wrapping: refused before anything is written.
        for r in [
            wrapped(1, KeyKind::Kek, false, 60),
            wrapped(2, KeyKind::Ed25519, true, 60),
            wrapped(3, KeyKind::Kek, true, 0),
            wrapped(4, KeyKind::Kek, true, MAX_WRAPPED_LEN + 1),
        ] {
            let id = r.id;
            assert!(ring.update(|b| b.add(r)).is_err(), "key {id} accepted");
        }
        // A case's KEK with a 60-byte wrapping: written, and read back with its provider key.
        ring.update(|b| b.add(wrapped(5, KeyKind::Kek, true, 60))).expect("add");
        drop(ring);
        let ring = Keyring::open(dir.path(), &Unlock::master_key([3; 32]), KdfParams::DEFAULT).expect("open");
        let r = ring.body().get(&KeyId::from_bytes([5; 16])).expect("record");
        assert_eq!(r.wrapped_by, Some(KeyId::from_bytes([0xee; 16])));
        assert_eq!(r.secret.as_ref().expect("wrapping").expose().len(), 60);
    }

    #[test]
    fn create_reopen_and_wrong_passphrase() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ring = Keyring::open(dir.path(), &Unlock::passphrase("correct horse"), KdfParams::DANGER_TEST_ONLY)
            .expect("create");
        ring.update(|b| b.add(rec(1, KeyKind::Kek, Some(&[0x5a; 32])))).expect("add");
        // Adding the same id again is a conflict with the recorded key, naming it; the first key is kept.
        let again = ring.update(|b| b.add(rec(1, KeyKind::Kek, Some(&[0x77; 32]))));
        assert!(
            matches!(&again, Err(Error::Conflict { what: ConflictReason::KeyExists, key_id: Some(k), case_ref: None })
                if *k == KeyId::from_bytes([1; 16])),
            "{again:?}"
        );
        drop(ring);
        let before = fs::read(dir.path().join(KEYRING_FILE)).expect("read");
        let ring = Keyring::open(dir.path(), &Unlock::passphrase("correct horse"), KdfParams::DEFAULT).expect("open");
        assert_eq!(ring.body().keys.len(), 1);
        assert_eq!(ring.body().keys[0].secret.as_ref().expect("secret").expose(), &[0x5a; 32]);
        assert!(matches!(
            Keyring::open(dir.path(), &Unlock::passphrase("wrong"), KdfParams::DEFAULT),
            Err(Error::WrongPassphrase)
        ));
        assert!(matches!(
            Keyring::open(dir.path(), &Unlock::master_key([0; 32]), KdfParams::DEFAULT),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(fs::read(dir.path().join(KEYRING_FILE)).expect("read"), before, "failed opens change nothing");
        let mode = fs::metadata(dir.path().join(KEYRING_FILE)).expect("meta").permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
        // The secret never appears in the file in the clear.
        assert!(!contains(&before, &[0x5a; 32]));
    }

    #[test]
    fn corrupt_truncated_foreign_and_future_files_are_typed_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = [7u8; 32];
        let mut ring = Keyring::open(dir.path(), &Unlock::master_key(key), KdfParams::DEFAULT).expect("create");
        ring.update(|b| b.add(rec(2, KeyKind::Kek, Some(&[1; 32])))).expect("add");
        drop(ring);
        let path = dir.path().join(KEYRING_FILE);
        let good = fs::read(&path).expect("read");
        let open = || Keyring::open(dir.path(), &Unlock::master_key(key), KdfParams::DEFAULT);

        for cut in [0, 5, 40, HEADER_LEN, good.len() - 1] {
            fs::write(&path, &good[..cut]).expect("write");
            assert!(matches!(open(), Err(Error::KeyringCorrupt(_))), "cut at {cut}");
            assert_eq!(fs::read(&path).expect("read").len(), cut, "file left as it was");
        }
        let mut flipped = good.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 1;
        fs::write(&path, &flipped).expect("write");
        assert!(matches!(open(), Err(Error::KeyringCorrupt(_))));
        let mut future = good.clone();
        future[11] = 9;
        fs::write(&path, &future).expect("write");
        assert!(matches!(open(), Err(Error::KeyringVersion(9))));
        fs::write(&path, b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n").expect("write");
        assert!(matches!(open(), Err(Error::KeyringCorrupt(_))));
        fs::write(&path, &good).expect("write");
        assert!(open().is_ok());
    }

    #[test]
    fn destroy_leaves_a_tombstone_and_no_trace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = [0xc3u8; 32];
        let mut ring = Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("create");
        ring.update(|b| b.add(rec(3, KeyKind::Kek, Some(&secret)))).expect("add");
        assert!(ring.danger_body_contains(&secret));
        let id = KeyId::from_bytes([3; 16]);
        ring.update(|b| b.destroy(&id, Timestamp::from_unix(500), "retention ended")).expect("destroy");
        assert!(!ring.danger_body_contains(&secret));
        let r = ring.body().get(&id).expect("tombstone");
        assert!(
            matches!(&r.state, KeyState::Destroyed { at, reason } if at.as_unix() == 500 && reason == "retention ended")
        );
        assert!(r.secret.is_none());
        assert!(matches!(
            ring.update(|b| b.destroy(&id, Timestamp::from_unix(600), "again")),
            Err(Error::KeyDestroyed { .. })
        ));
    }

    #[test]
    fn failed_update_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ring = Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("create");
        ring.update(|b| b.add(rec(4, KeyKind::Kek, Some(&[4; 32])))).expect("add");
        let before = fs::read(dir.path().join(KEYRING_FILE)).expect("read");
        let r: Result<()> = ring.update(|b| {
            b.keys.clear();
            Err(Error::InvalidArgument("refused".into()))
        });
        assert!(r.is_err());
        assert_eq!(ring.body().keys.len(), 1, "in-memory state restored");
        assert_eq!(fs::read(dir.path().join(KEYRING_FILE)).expect("read"), before);
    }

    fn set_costs(bytes: &mut [u8], m: u32, t: u32, p: u32) {
        bytes[13..17].copy_from_slice(&m.to_be_bytes());
        bytes[17..21].copy_from_slice(&t.to_be_bytes());
        bytes[21..25].copy_from_slice(&p.to_be_bytes());
    }

    #[test]
    fn kdf_costs_beyond_the_range_are_refused_before_any_derivation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pass = Unlock::passphrase("correct horse");
        drop(Keyring::open(dir.path(), &pass, KdfParams::DANGER_TEST_ONLY).expect("create"));
        let path = dir.path().join(KEYRING_FILE);
        let good = fs::read(&path).expect("read");
        // Had any of these been derived, the result would be another master key and so `WrongPassphrase` (after
        // 1 GiB and seconds for the first): the range error proves the bound ran first.
        for (m, t, p) in [
            (1 << 20, 2, 1), // the reported edit: 1 GiB, 2 passes
            (u32::MAX, u32::MAX, u32::MAX),
            (256 * 1024, 5, 1), // each cost in range, memory x passes not
            (256 * 1024 + 1, 1, 1),
            (64, 11, 1),
            (64, 1, 9),
            (63, 1, 1),
            (0, 1, 1),
            (64, 0, 1),
            (64, 1, 0),
        ] {
            let mut edited = good.clone();
            set_costs(&mut edited, m, t, p);
            fs::write(&path, &edited).expect("write");
            match Keyring::open(dir.path(), &pass, KdfParams::DEFAULT) {
                Err(Error::KdfParamsOutOfRange { m_cost_kib, t_cost, p_cost }) => {
                    assert_eq!((m_cost_kib, t_cost, p_cost), (m, t, p));
                }
                other => panic!("({m}, {t}, {p}): {other:?}"),
            }
            assert_eq!(fs::read(&path).expect("read"), edited, "a refused open writes nothing");
        }
        let msg = Error::KdfParamsOutOfRange { m_cost_kib: 1 << 20, t_cost: 2, p_cost: 1 }.to_string();
        assert!(msg.contains("1048576 KiB, 2 passes") && msg.contains("64 to 262144 KiB"), "{msg}");
    }

    #[test]
    fn kdf_costs_are_bounded_when_a_keyring_is_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let huge = KdfParams { m_cost_kib: 1 << 20, t_cost: 2, p_cost: 1 };
        assert!(matches!(
            Keyring::open(dir.path(), &Unlock::passphrase("x"), huge),
            Err(Error::KdfParamsOutOfRange { .. })
        ));
        assert!(!dir.path().join(KEYRING_FILE).exists(), "nothing written");
        for ok in [KdfParams::MIN, KdfParams::DEFAULT, KdfParams::DANGER_TEST_ONLY] {
            ok.check().expect("accepted");
        }
        KdfParams { m_cost_kib: 256 * 1024, t_cost: 4, p_cost: 8 }.check().expect("exactly the work bound");
        KdfParams { m_cost_kib: 64, t_cost: 10, p_cost: 8 }.check().expect("most passes and lanes");
        assert!(KdfParams { m_cost_kib: 256 * 1024, t_cost: 5, p_cost: 1 }.check().is_err());
        // A master-key keyring derives nothing, so the costs passed do not matter.
        Keyring::open(dir.path(), &Unlock::master_key([1; 32]), huge).expect("raw keyrings ignore the costs");
    }

    #[test]
    fn edited_costs_and_salt_within_the_range_are_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pass = Unlock::passphrase("correct horse");
        drop(Keyring::open(dir.path(), &pass, KdfParams::DANGER_TEST_ONLY).expect("create"));
        let path = dir.path().join(KEYRING_FILE);
        let good = fs::read(&path).expect("read");
        // Other costs (or another salt) give another master key: the check value no longer matches. A right
        // passphrase cannot be told from a wrong one then, so the error is the honest "could not be unlocked",
        // never a silently accepted keyring.
        for (m, t, p) in [(128, 1, 1), (64, 2, 1), (64, 1, 2)] {
            let mut edited = good.clone();
            set_costs(&mut edited, m, t, p);
            fs::write(&path, &edited).expect("write");
            assert!(matches!(Keyring::open(dir.path(), &pass, KdfParams::DEFAULT), Err(Error::WrongPassphrase)));
        }
        let mut salted = good.clone();
        salted[30] ^= 1;
        fs::write(&path, &salted).expect("write");
        assert!(matches!(Keyring::open(dir.path(), &pass, KdfParams::DEFAULT), Err(Error::WrongPassphrase)));
        fs::write(&path, &good).expect("write");
        Keyring::open(dir.path(), &pass, KdfParams::DEFAULT).expect("the untouched file opens");

        // A master-key keyring carries no costs; any there were written by someone else.
        let raw = tempfile::tempdir().expect("tempdir");
        drop(Keyring::open(raw.path(), &Unlock::master_key([2; 32]), KdfParams::DEFAULT).expect("create"));
        let raw_path = raw.path().join(KEYRING_FILE);
        let mut edited = fs::read(&raw_path).expect("read");
        set_costs(&mut edited, 64, 1, 1);
        fs::write(&raw_path, &edited).expect("write");
        assert!(matches!(
            Keyring::open(raw.path(), &Unlock::master_key([2; 32]), KdfParams::DEFAULT),
            Err(Error::KeyringCorrupt(_))
        ));
    }

    #[test]
    fn without_create_a_missing_keyring_is_not_found_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = Unlock::master_key([3; 32]);
        for d in [dir.path().to_owned(), dir.path().join("missing")] {
            assert!(matches!(
                Keyring::open_with(&d, &key, KdfParams::DEFAULT, false),
                Err(Error::CustodianNotFound { .. })
            ));
        }
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 0, "not even a lock file");
        Keyring::open_with(dir.path(), &key, KdfParams::DEFAULT, true).expect("create");
        Keyring::open_with(dir.path(), &key, KdfParams::DEFAULT, false).expect("an existing keyring opens");
    }

    #[test]
    fn a_body_breaking_the_writers_rules_is_never_written_and_refused_when_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = Unlock::master_key([4; 32]);
        let mut ring = Keyring::open(dir.path(), &key, KdfParams::DEFAULT).expect("create");
        ring.update(|b| b.add(rec(1, KeyKind::Kek, Some(&[1; 32])))).expect("add");
        let path = dir.path().join(KEYRING_FILE);
        let good = fs::read(&path).expect("read");
        let case = CaseRef::parse("MLA-2026-0042").expect("case");
        let hold = |reference: &str, set_by: &str| LegalHold {
            case_ref: case.clone(),
            reference: reference.into(),
            reason: "pending appeal".into(),
            set_at: Timestamp::from_unix(1),
            set_by: set_by.into(),
        };
        let destroyed = |reason: &str| KeyState::Destroyed { at: Timestamp::from_unix(2), reason: reason.into() };
        type Change<'a> = Box<dyn Fn(&mut KeyringBody) + 'a>;
        let changes: Vec<(&str, Change<'_>)> = vec![
            ("a duplicate id", Box::new(|b| b.keys.push(rec(1, KeyKind::Kek, Some(&[9; 32]))))),
            ("a label with a newline", Box::new(|b| b.keys[0].label = "escrow\nforged".into())),
            ("an empty label", Box::new(|b| b.keys[0].label = String::new())),
            ("a label with a bidi override", Box::new(|b| b.keys[0].label = "a\u{202e}b".into())),
            ("an over-long label", Box::new(|b| b.keys[0].label = "x".repeat(MAX_LABEL_LEN + 1))),
            (
                "a destruction reason with NUL",
                Box::new(move |b| {
                    b.keys[0].secret = None;
                    b.keys[0].state = destroyed("retention\0ended");
                }),
            ),
            ("a destroyed key that kept its secret", Box::new(move |b| b.keys[0].state = destroyed("retention"))),
            ("a symmetric key with a public part", Box::new(|b| b.keys[0].public = Some(vec![0; 32]))),
            ("a short secret", Box::new(|b| b.keys[0].secret = Some(SecretBytes::new(Zeroizing::new(vec![1; 31]))))),
            ("an X25519 key without its public part", Box::new(|b| b.keys[0].kind = KeyKind::X25519)),
            ("a hold without reference", Box::new(move |b| b.holds.push(hold("", "anna")))),
            ("a hold set by a forged actor", Box::new(move |b| b.holds.push(hold("ref", "anna\nby: admin")))),
            ("two holds on one case", Box::new(move |b| b.holds.extend([hold("r1", "anna"), hold("r2", "anna")]))),
            ("an own key carrying an authority's name", Box::new(|b| b.keys[0].authority = Some("BfJ".into()))),
            (
                "a validity period that ends before it begins",
                Box::new(|b| {
                    b.keys[0].not_before = Some(Timestamp::from_unix(10));
                    b.keys[0].not_after = Some(Timestamp::from_unix(5));
                }),
            ),
            (
                "a compromise reason with a newline",
                Box::new(|b| {
                    b.keys[0].compromised =
                        Some(KeyMark { at: Timestamp::from_unix(3), by: "jan".into(), reason: "lost\nforged".into() });
                }),
            ),
        ];
        for (what, change) in &changes {
            let r = ring.update(|b| {
                change(b);
                Ok(())
            });
            assert!(matches!(r, Err(Error::InvalidArgument(_))), "{what}: {r:?}");
            assert_eq!(fs::read(&path).expect("read"), good, "{what}: not written");
            // Written past the check (a bug, or another writer holding the key): refused when read.
            change(&mut ring.body);
            ring.write().expect("write");
            let r = Keyring::open(dir.path(), &key, KdfParams::DEFAULT);
            assert!(matches!(r, Err(Error::KeyringCorrupt(_))), "{what}: {r:?}");
            fs::write(&path, &good).expect("restore");
            ring.reload().expect("reload");
        }
    }

    #[test]
    fn records_written_before_keys_belonged_to_authorities_still_load() {
        // A record as written before issue 14 (no authority, validity or marks) reads with none of them set; a
        // record that sets none of them is written exactly as before, so older readers are not surprised.
        let mut r = rec(7, KeyKind::X25519, None);
        r.public = Some(vec![3; 32]);
        r.jurisdiction = Some(Jurisdiction::parse("DE").expect("j"));
        let old = serde_json::to_string(&r).expect("json");
        for new_field in ["authority", "not_before", "not_after", "revoked", "compromised"] {
            assert!(!old.contains(new_field), "{new_field} written when unset: {old}");
        }
        let back: KeyRecord = serde_json::from_str(&old).expect("old record loads");
        assert!(back.authority.is_none() && back.not_before.is_none() && back.not_after.is_none());
        assert!(back.revoked.is_none() && back.compromised.is_none());
        assert_eq!(back.jurisdiction, r.jurisdiction);
        // And a record that sets them round-trips.
        r.authority = Some("Bundesamt fuer Justiz".into());
        r.not_before = Some(Timestamp::from_unix(5));
        r.revoked = Some(KeyMark::new(Timestamp::from_unix(6), "jan", "end of cooperation").expect("mark"));
        let json = serde_json::to_string(&r).expect("json");
        let back: KeyRecord = serde_json::from_str(&json).expect("loads");
        assert_eq!(back.authority, r.authority);
        assert_eq!(back.revoked, r.revoked);
        assert_eq!(back.not_before, r.not_before);
        // A mark with fields it does not know is refused (a forged or newer record is not half-read).
        let forged = json.replace("\"reason\":", "\"lifted\":true,\"reason\":");
        assert!(serde_json::from_str::<KeyRecord>(&forged).is_err(), "{forged}");
    }

    #[test]
    fn hostile_legal_hold_json_is_refused() {
        let good = r#"{"case_ref":"MLA-1","reference":"r","reason":"appeal","set_at":5,"set_by":"anna"}"#;
        let h: LegalHold = serde_json::from_str(good).expect("valid");
        h.check().expect("well formed");
        for json in [
            r#"{"case_ref":"","reference":"r","reason":"appeal","set_at":5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA\n1","reference":"r","reason":"appeal","set_at":5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reference":"r","reason":"appeal","set_at":-5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reference":"r","reason":"appeal","set_at":5,"set_by":"anna","x":1}"#,
            r#"{"case_ref":"MLA-1","reference":"r","reason":"appeal","set_at":"5","set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reason":"appeal","set_at":5,"set_by":"anna"}"#,
        ] {
            assert!(serde_json::from_str::<LegalHold>(json).is_err(), "accepted {json}");
        }
        for json in [
            r#"{"case_ref":"MLA-1","reference":"","reason":"appeal","set_at":5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reference":"r\u0000","reason":"appeal","set_at":5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reference":"r","reason":"a\u001bb","set_at":5,"set_by":"anna"}"#,
            r#"{"case_ref":"MLA-1","reference":"r","reason":"appeal","set_at":5,"set_by":""}"#,
        ] {
            assert!(serde_json::from_str::<LegalHold>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn a_keyring_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        drop(Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("create"));
        let path = dir.path().join(KEYRING_FILE);
        for mode in [0o620, 0o602, 0o666] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
            let err = Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect_err("refused");
            assert!(matches!(&err, Error::InsecurePermissions { mode: m, .. } if *m == mode), "{err}");
            assert_eq!(err.code(), 903);
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("group-readable is fine");
    }

    #[test]
    fn the_audit_pin_only_moves_forward_and_survives_other_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ring = Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("create");
        let store = ring.pin_store().expect("pin store");
        let pin = |count: u8| AuditPin {
            log_id: [7; 16],
            count: count.into(),
            head: [count; 32],
            offset: u64::from(count) * 100,
        };
        store.raise(&pin(4)).expect("raises");
        store.raise(&pin(2)).expect("a lower pin is ignored");
        let other = AuditPin { log_id: [8; 16], ..pin(9) };
        assert!(matches!(store.raise(&other), Err(Error::InvalidArgument(_))));
        // A write through the host's keyring re-reads the file first and keeps the pin.
        ring.update(|b| b.add(rec(6, KeyKind::Kek, Some(&[6; 32])))).expect("add");
        assert_eq!(ring.body().audit_pin, Some(pin(4)));
        store.raise(&pin(8)).expect("raises");
        drop(ring);
        let ring = Keyring::open(dir.path(), &Unlock::master_key([1; 32]), KdfParams::DEFAULT).expect("open");
        assert_eq!(ring.body().audit_pin, Some(pin(8)));
        assert_eq!(ring.body().keys.len(), 1);
    }

    #[test]
    fn debug_shows_no_secret() {
        let r = rec(5, KeyKind::Kek, Some(b"MARKER-SECRET-MARKER-SECRET-1234"));
        let text = format!("{r:?}");
        assert!(!text.contains("MARKER") && text.contains("REDACTED"));
        assert!(format!("{:?}", Unlock::passphrase("MARKER")).contains("REDACTED"));
    }
}
