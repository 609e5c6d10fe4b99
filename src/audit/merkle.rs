//! Merkle checkpoints, inclusion proofs and consistency proofs over the audit log (`docs/AUDIT.md` §12).
//!
//! The log's entries are the leaves of an RFC 6962 Merkle tree (hashing by the `ct-merkle` crate: leaf
//! `SHA-256(0x00 || line)`, node `SHA-256(0x01 || left || right)`), where a leaf is one entry's line without its
//! newline. A [`MerkleCheckpoint`] is the tree's size and root in the C2SP `tlog-checkpoint` text format, signed as a
//! C2SP signed note by the audit key. An [`InclusionBundle`] proves one entry to someone who holds only the audit
//! public key (a court, the other state) without handing over the rest of the log; a [`ConsistencyProof`] lets a
//! counter-signing authority check that the log only grew since the checkpoint it signed last.
//!
//! The verifiers ([`verify_inclusion_bundle`], [`ConsistencyProof::verify`], [`verify_inclusion`],
//! [`verify_consistency`]) need no log. [`LogTree`] builds the tree from a log file, verifying every entry on the way
//! exactly as [`super::verify`] does, and produces checkpoints and proofs.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use base64ct::{Base64, Encoding};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof as CtConsistencyProof, InclusionProof as CtInclusionProof, RootHash};
use sha2::{Digest as _, Sha256};

use super::anchor::Anchor;
use super::entry::{
    Digest, LOG_ID_LEN, LineReader, LineSource, LogEntry, MAX_LINE_LEN, check_auth, decode, decode_genesis, from_hex,
    to_hex,
};
use super::log::AuditLog;
use super::verify::{ChainReader, TornLine};
use crate::error::{Error, Result};
use crate::keys::{SigningKey, VerifyingKey};

/// The origin line of a log's checkpoints is this prefix followed by the log id in 32 lowercase hex digits; it is
/// also the key name of the audit key's signature line.
pub const MERKLE_ORIGIN_PREFIX: &str = "custodia.audit/";

/// The key name of a witness's signature line on a checkpoint is this prefix followed by the witness's Ed25519
/// public key in 64 lowercase hex digits.
pub const WITNESS_NAME_PREFIX: &str = "custodia.witness/";

/// The first line of an [`InclusionBundle`]'s text.
pub const INCLUSION_BUNDLE_HEADER: &str = "custodia.audit.inclusion/v1";

/// The first line of a C2SP `tlog-proof`, which an [`InclusionBundle`] embeds.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Longest signed checkpoint note accepted, in bytes.
pub const MAX_NOTE_LEN: usize = 16 * 1024;

/// Most signature lines accepted on one checkpoint (the signed-note specification asks for at least 16).
pub const MAX_NOTE_SIGNATURES: usize = 32;

/// Largest tree size accepted in a checkpoint or proof: 2^62 leaves.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Most hashes in one proof (an inclusion proof in a tree of 2^62 leaves has 62, a consistency proof at most 63).
const MAX_PATH_LEN: usize = 64;
/// Most extension lines accepted in a checkpoint.
const MAX_EXTENSIONS: usize = 8;
/// Longest bundle or consistency proof accepted: an entry line, 64 hashes, a checkpoint, and their line headers.
const MAX_PROOF_TEXT_LEN: usize = MAX_LINE_LEN + MAX_NOTE_LEN + 8 * 1024;
/// The signed-note signature type of an Ed25519 signature.
const SIG_TYPE_ED25519: u8 = 0x01;
/// What begins a signature line: an em dash (U+2014) and a space.
const SIG_LINE_PREFIX: &str = "\u{2014} ";

/// The text of a checkpoint (what its signatures cover). Only this module builds one, so the audit key signs no
/// other text through [`super::AuditLog`].
pub(crate) struct NoteText(String);

impl NoteText {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The origin line (and audit key name) of the log with this id: `custodia.audit/<32 hex>`.
#[must_use]
pub fn merkle_origin(log_id: &[u8; LOG_ID_LEN]) -> String {
    format!("{MERKLE_ORIGIN_PREFIX}{}", to_hex(log_id))
}

/// The C2SP signed-note key id of an Ed25519 key: `SHA-256(name || 0x0A || 0x01 || public key)[..4]`.
#[must_use]
pub fn note_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', SIG_TYPE_ED25519]);
    h.update(key.to_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The key name of a witness's signature line: `custodia.witness/<64 hex>`.
fn witness_name(key: &VerifyingKey) -> String {
    format!("{WITNESS_NAME_PREFIX}{}", to_hex(&key.to_bytes()))
}

/// One signature line of a signed note: key name, key id, and the signature bytes after the key id.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key id.
    pub key_id: [u8; 4],
    /// The signature (64 bytes for Ed25519; other signature types are kept and ignored).
    pub signature: Vec<u8>,
}

/// A signed Merkle checkpoint of an audit log: its tree size and root hash in the C2SP `tlog-checkpoint` format,
/// signed as a C2SP signed note by the audit key and optionally by witnesses (`docs/AUDIT.md` §12.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleCheckpoint {
    log_id: [u8; LOG_ID_LEN],
    size: u64,
    root: Digest,
    extensions: Vec<String>,
    signatures: Vec<NoteSignature>,
}

impl MerkleCheckpoint {
    /// Sign a new checkpoint with `sign` (the audit key, whose public half is `key`).
    pub(crate) fn new_signed(
        log_id: [u8; LOG_ID_LEN],
        size: u64,
        root: Digest,
        key: &VerifyingKey,
        sign: impl FnOnce(&NoteText) -> Result<[u8; 64]>,
    ) -> Result<Self> {
        let mut c = Self { log_id, size, root, extensions: Vec::new(), signatures: Vec::new() };
        let signature = sign(&c.text())?.to_vec();
        let name = c.origin();
        c.signatures.push(NoteSignature { key_id: note_key_id(&name, key), name, signature });
        Ok(c)
    }

    /// The id of the log.
    #[must_use]
    pub fn log_id(&self) -> [u8; LOG_ID_LEN] {
        self.log_id
    }

    /// The origin line: `custodia.audit/<log id hex>`.
    #[must_use]
    pub fn origin(&self) -> String {
        merkle_origin(&self.log_id)
    }

    /// The tree size: the checkpoint covers entries `0 … size − 1`.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash of the first `size` entries.
    #[must_use]
    pub fn root(&self) -> Digest {
        self.root
    }

    /// Extension lines (custodia writes none; a parsed checkpoint keeps those it carried, which are signed).
    #[must_use]
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The signature lines, as parsed (verified only by [`MerkleCheckpoint::verify`] and
    /// [`MerkleCheckpoint::is_cosigned_by`]).
    #[must_use]
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    fn text(&self) -> NoteText {
        let mut t = format!("{}\n{}\n{}\n", self.origin(), self.size, Base64::encode_string(&self.root));
        for e in &self.extensions {
            t.push_str(e);
            t.push('\n');
        }
        NoteText(t)
    }

    /// The signed note: the checkpoint text, a blank line, and one line per signature
    /// (`— <key name> <base64(key id || signature)>`).
    #[must_use]
    pub fn to_note(&self) -> String {
        let mut t = self.text().0;
        t.push('\n');
        for s in &self.signatures {
            let mut raw = s.key_id.to_vec();
            raw.extend_from_slice(&s.signature);
            t.push_str(SIG_LINE_PREFIX);
            t.push_str(&s.name);
            t.push(' ');
            t.push_str(&Base64::encode_string(&raw));
            t.push('\n');
        }
        t
    }

    /// Parse a signed note. Signatures are not checked here: [`MerkleCheckpoint::verify`] does that.
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] for anything but a checkpoint of a custodia log in the format of
    /// `docs/AUDIT.md` §12.2 (including non-canonical base64 or decimals, control characters, empty lines in the
    /// text, malformed or duplicate signature lines).
    pub fn parse(note: &str) -> Result<Self> {
        let bad = |m: &str| Error::CheckpointInvalid(m.to_owned());
        if note.len() > MAX_NOTE_LEN {
            return Err(bad("longer than 16 KiB"));
        }
        if note.bytes().any(|b| b < 0x20 && b != b'\n' || b == 0x7f) {
            return Err(bad("control character"));
        }
        if !note.ends_with('\n') {
            return Err(bad("does not end with a newline"));
        }
        let split = note.rfind("\n\n").ok_or_else(|| bad("no blank line before the signatures"))?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        let mut signatures: Vec<NoteSignature> = Vec::new();
        for line in sigs.strip_suffix('\n').unwrap_or(sigs).split('\n') {
            let line =
                line.strip_prefix(SIG_LINE_PREFIX).ok_or_else(|| bad("a signature line must begin with \"— \""))?;
            let (name, b64) = line.split_once(' ').ok_or_else(|| bad("signature line without a signature"))?;
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
                return Err(bad("invalid key name in a signature line"));
            }
            let raw = b64_decode(b64).ok_or_else(|| bad("a signature is not canonical base64"))?;
            if raw.len() < 5 {
                return Err(bad("a signature is too short"));
            }
            let key_id = [raw[0], raw[1], raw[2], raw[3]];
            if signatures.iter().any(|s| s.name == name && s.key_id == key_id) {
                return Err(bad("two signature lines by the same key"));
            }
            if signatures.len() == MAX_NOTE_SIGNATURES {
                return Err(bad("too many signature lines"));
            }
            signatures.push(NoteSignature { name: name.to_owned(), key_id, signature: raw[4..].to_vec() });
        }
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        if lines.len() < 3 || lines.iter().any(|l| l.is_empty()) {
            return Err(bad("the checkpoint text must be at least three non-empty lines"));
        }
        let log_id = lines[0]
            .strip_prefix(MERKLE_ORIGIN_PREFIX)
            .and_then(from_hex::<LOG_ID_LEN>)
            .ok_or_else(|| bad("the origin is not custodia.audit/<32 lowercase hex digits>"))?;
        let size = parse_decimal(lines[1]).ok_or_else(|| bad("the tree size is not a canonical decimal"))?;
        if size > MAX_TREE_SIZE {
            return Err(bad("tree size too large"));
        }
        let root = b64_decode(lines[2])
            .and_then(|r| <Digest>::try_from(r.as_slice()).ok())
            .ok_or_else(|| bad("the root hash is not the canonical base64 of 32 bytes"))?;
        if lines.len() - 3 > MAX_EXTENSIONS {
            return Err(bad("too many extension lines"));
        }
        let extensions = lines[3..].iter().map(|&l| l.to_owned()).collect();
        Ok(Self { log_id, size, root, extensions, signatures })
    }

    /// [`MerkleCheckpoint::parse`] and [`MerkleCheckpoint::verify`] in one.
    ///
    /// # Errors
    /// As those.
    pub fn open(note: &str, audit_key: &VerifyingKey) -> Result<Self> {
        let c = Self::parse(note)?;
        c.verify(audit_key)?;
        Ok(c)
    }

    /// Check the audit key's signature: the signature line whose key name is the origin and whose key id is the
    /// audit key's must be present and verify (strict Ed25519 over the checkpoint text). Other signature lines are
    /// ignored, as the signed-note specification requires.
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] when there is no such line (signed by another key, or unsigned) or its
    /// signature does not verify.
    pub fn verify(&self, audit_key: &VerifyingKey) -> Result<()> {
        match self.check_signature(&self.origin(), audit_key) {
            Some(Ok(())) => Ok(()),
            Some(Err(())) => Err(Error::CheckpointInvalid(format!(
                "the audit key's signature on the checkpoint of size {} does not verify (checkpoint altered)",
                self.size
            ))),
            None => Err(Error::CheckpointInvalid(format!(
                "not signed by audit key {}: no signature line by {} with its key id",
                to_hex(&audit_key.to_bytes()),
                self.origin()
            ))),
        }
    }

    /// Add (or replace) a witness's signature: an Ed25519 signed-note signature by `witness` over the same text,
    /// key name `custodia.witness/<public key hex>`. Check the checkpoint (and any consistency proof) first.
    ///
    /// # Errors
    /// Only for a key held outside this process ([`SigningKey::external`]): [`Error::ProviderUnavailable`],
    /// [`Error::ProviderFailed`] from its signer; nothing is added then.
    pub fn cosign(&mut self, witness: &SigningKey) -> Result<()> {
        let key = witness.verifying_key();
        let name = witness_name(&key);
        let key_id = note_key_id(&name, &key);
        let signature = witness.sign(self.text().as_bytes())?.to_vec();
        self.signatures.retain(|s| !(s.name == name && s.key_id == key_id));
        self.signatures.push(NoteSignature { name, key_id, signature });
        Ok(())
    }

    /// Whether `witness` signed this checkpoint (with a valid signature).
    #[must_use]
    pub fn is_cosigned_by(&self, witness: &VerifyingKey) -> bool {
        matches!(self.check_signature(&witness_name(witness), witness), Some(Ok(())))
    }

    /// `None` when no line has this key name and key id; otherwise whether its signature verifies.
    pub(crate) fn check_witness(&self, witness: &VerifyingKey) -> Option<core::result::Result<(), ()>> {
        self.check_signature(&witness_name(witness), witness)
    }

    fn check_signature(&self, name: &str, key: &VerifyingKey) -> Option<core::result::Result<(), ()>> {
        let id = note_key_id(name, key);
        let s = self.signatures.iter().find(|s| s.name == name && s.key_id == id)?;
        let sig = <[u8; 64]>::try_from(s.signature.as_slice()).map_err(|_| ());
        Some(sig.and_then(|sig| key.verify(self.text().as_bytes(), &sig).map_err(|_| ())))
    }

    /// Whether both are checkpoints of the same tree (log, size, root), whoever signed them.
    fn same_tree(&self, other: &Self) -> bool {
        self.log_id == other.log_id && self.size == other.size && self.root == other.root
    }
}

/// Standard base64 (RFC 4648 §4, padded), canonical only: the encoding of the decoded bytes must be the input.
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let v = Base64::decode_vec(s).ok()?;
    (Base64::encode_string(&v) == s).then_some(v)
}

/// ASCII decimal without leading zeros (except `0` itself).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn to_output(d: &Digest) -> ct_merkle::digest::Output<Sha256> {
    (*d).into()
}

fn from_output(o: &ct_merkle::digest::Output<Sha256>) -> Digest {
    let mut d = [0u8; 32];
    d.copy_from_slice(o.as_slice());
    d
}

fn path_from_bytes(bytes: &[u8]) -> Vec<Digest> {
    bytes.chunks_exact(32).map(|c| <Digest>::try_from(c).unwrap_or_default()).collect()
}

/// Check an RFC 6962 inclusion proof (audit path) for `leaf` (the leaf's bytes, here an entry line without its
/// newline) at `index` in the tree of `size` leaves whose root is `root`. Needs no log.
///
/// # Errors
/// [`Error::MerkleProofInvalid`] when the proof does not verify (another leaf, index or tree size, a wrong root, a
/// path of the wrong length), or `index` is not below `size`.
pub fn verify_inclusion(root: &Digest, size: u64, index: u64, leaf: &[u8], path: &[Digest]) -> Result<()> {
    let bad = |m: String| Error::MerkleProofInvalid(m);
    if size == 0 || size > MAX_TREE_SIZE {
        return Err(bad(format!("tree size {size} out of range")));
    }
    if index >= size {
        return Err(bad(format!("entry {index} is beyond the tree of size {size}")));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(bad("audit path too long".into()));
    }
    let proof = CtInclusionProof::<Sha256>::try_from_bytes(path.concat())
        .map_err(|e| bad(format!("malformed audit path: {e}")))?;
    RootHash::<Sha256>::new(to_output(root), size)
        .verify_inclusion(&leaf, index, &proof)
        .map_err(|e| bad(format!("entry {index} is not in the tree of size {size} with this root ({e})")))
}

/// Check an RFC 6962 consistency proof: the tree of `old_size` leaves with root `old_root` is a prefix of the tree
/// of `new_size` leaves with root `new_root`. Needs no log.
///
/// # Errors
/// [`Error::MerkleProofInvalid`] when it does not verify: the newer tree is smaller (the log shrank), does not
/// begin with the older one (rewritten), or the proof is for other sizes.
pub fn verify_consistency(
    old_size: u64,
    old_root: &Digest,
    new_size: u64,
    new_root: &Digest,
    path: &[Digest],
) -> Result<()> {
    let bad = |m: String| Error::MerkleProofInvalid(m);
    if old_size == 0 || new_size > MAX_TREE_SIZE {
        return Err(bad(format!("tree sizes {old_size} and {new_size} out of range")));
    }
    if old_size > new_size {
        return Err(bad(format!("the log shrank: {old_size} entries before, {new_size} now")));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(bad("consistency proof too long".into()));
    }
    let proof = CtConsistencyProof::<Sha256>::try_from_bytes(path.concat())
        .map_err(|e| bad(format!("malformed consistency proof: {e}")))?;
    RootHash::<Sha256>::new(to_output(new_root), new_size)
        .verify_consistency(&RootHash::new(to_output(old_root), old_size), &proof)
        .map_err(|e| {
            bad(format!(
                "the tree of size {new_size} does not extend the tree of size {old_size} (log rewritten or cut; {e})"
            ))
        })
}

/// An RFC 6962 Merkle tree over byte-string leaves (SHA-256; hashing and proofs by the `ct-merkle` crate), with the
/// root of every prefix kept (32 bytes per leaf). [`LogTree`] is one over an audit log's entry lines; this type is
/// the same tree over any leaves (the RFC 6962 test vectors use it).
pub struct MerkleTree {
    tree: MemoryBackedTree<Sha256, Box<[u8]>>,
    /// `roots[i]`: the root of the first `i + 1` leaves.
    roots: Vec<Digest>,
}

impl core::fmt::Debug for MerkleTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MerkleTree").field("size", &self.size()).finish_non_exhaustive()
    }
}

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleTree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self { tree: MemoryBackedTree::new(), roots: Vec::new() }
    }

    /// Append a leaf.
    pub fn push(&mut self, leaf: &[u8]) {
        self.tree.push(Box::from(leaf));
        self.roots.push(from_output(self.tree.root().as_bytes()));
    }

    /// The number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.tree.len()
    }

    /// The root hash (of the empty tree, `SHA-256("")`).
    #[must_use]
    pub fn root(&self) -> Digest {
        from_output(self.tree.root().as_bytes())
    }

    /// The root hash of the tree over the first `n` leaves.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `1 ≤ n ≤ size`.
    pub fn root_at(&self, n: u64) -> Result<Digest> {
        n.checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.roots.get(i).copied())
            .ok_or_else(|| Error::InvalidArgument(format!("no tree of size {n} in a tree of {}", self.size())))
    }

    /// Leaf `index`.
    #[must_use]
    pub fn leaf(&self, index: u64) -> Option<&[u8]> {
        self.tree.get(usize::try_from(index).ok()?).map(|l| &**l)
    }

    /// The RFC 6962 audit path of leaf `index` (from its sibling up to the root's child).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `index` is not below the size.
    pub fn inclusion_path(&self, index: u64) -> Result<Vec<Digest>> {
        let i = usize::try_from(index)
            .ok()
            .filter(|_| index < self.size())
            .ok_or_else(|| Error::InvalidArgument(format!("entry {index} is beyond the tree of {}", self.size())))?;
        Ok(path_from_bytes(self.tree.prove_inclusion(i).as_bytes()))
    }

    /// The RFC 6962 consistency proof from the tree of the first `old_size` leaves to this tree.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `1 ≤ old_size ≤ size`.
    pub fn consistency_path(&self, old_size: u64) -> Result<Vec<Digest>> {
        if old_size == 0 || old_size > self.size() {
            return Err(Error::InvalidArgument(format!(
                "no consistency proof from size {old_size} to size {}",
                self.size()
            )));
        }
        if old_size == self.size() {
            return Ok(Vec::new());
        }
        let additions =
            usize::try_from(self.size() - old_size).map_err(|_| Error::InvalidArgument("tree too large".into()))?;
        Ok(path_from_bytes(self.tree.prove_consistency(additions).as_bytes()))
    }
}

/// The Merkle tree over the first entries of an audit log (leaf = an entry's line without its newline), built from
/// the log file after verifying every entry (hash, chain, entry signature, checkpoint and erasure signatures, as
/// [`super::verify`] does).
///
/// It holds the entries' lines in memory (about the file's size, plus 64 bytes per entry), so that proofs and
/// bundles can be produced for any of them.
pub struct LogTree {
    log_id: [u8; LOG_ID_LEN],
    audit_key: VerifyingKey,
    tree: MerkleTree,
}

impl core::fmt::Debug for LogTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LogTree").field("log_id", &to_hex(&self.log_id)).field("size", &self.size()).finish()
    }
}

impl LogTree {
    /// Read the log at `path` (verifying it with the audit public key) and build the tree over its first `size`
    /// entries, or over all its complete entries when `size` is `None` (a final line still being written is not
    /// an entry yet).
    ///
    /// # Errors
    /// As [`super::verify`] for an entry that does not verify; [`Error::InvalidArgument`] when `size` is 0 or the
    /// log has fewer entries; [`Error::Io`] when the file cannot be read.
    pub fn read(path: &Path, audit_key: &VerifyingKey, size: Option<u64>) -> Result<Self> {
        Self::from_reader(BufReader::new(File::open(path)?), audit_key, size)
    }

    /// [`LogTree::read`] over any buffered reader.
    ///
    /// # Errors
    /// As [`LogTree::read`].
    pub fn from_reader<R: BufRead>(log: R, audit_key: &VerifyingKey, size: Option<u64>) -> Result<Self> {
        Self::from_lines(LineReader::new(log), audit_key, size)
    }

    /// [`LogTree::read`] over any source of lines (a file, a reader, the rows of a log in PostgreSQL).
    pub(crate) fn from_lines<S: LineSource>(log: S, audit_key: &VerifyingKey, size: Option<u64>) -> Result<Self> {
        if size == Some(0) {
            return Err(Error::InvalidArgument("a Merkle tree of the audit log has at least one entry".into()));
        }
        let mut entries = ChainReader::new(log, audit_key.dalek(), TornLine::End);
        let mut tree = MerkleTree::new();
        let mut at_end = false;
        while size.is_none_or(|n| tree.size() < n) {
            if entries.next_entry()?.is_none() {
                at_end = true;
                break;
            }
            tree.push(entries.line());
        }
        let log_id = entries.log_id();
        if at_end {
            entries.finish()?;
        }
        if let Some(n) = size
            && tree.size() < n
        {
            return Err(Error::InvalidArgument(format!("the log has {} entries, fewer than {n}", tree.size())));
        }
        Ok(Self { log_id, audit_key: *audit_key, tree })
    }

    /// The log's id.
    #[must_use]
    pub fn log_id(&self) -> [u8; LOG_ID_LEN] {
        self.log_id
    }

    /// The number of entries (leaves).
    #[must_use]
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The tree itself: roots of every prefix, audit paths, consistency proofs.
    #[must_use]
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The root hash of the whole tree.
    #[must_use]
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// The line (without its newline) of entry `index`.
    #[must_use]
    pub fn entry_line(&self, index: u64) -> Option<&str> {
        core::str::from_utf8(self.tree.leaf(index)?).ok()
    }

    /// Sign a checkpoint of this tree with the audit key.
    ///
    /// # Errors
    /// [`Error::AuditWrongKey`] when `key` is not the log's audit key.
    pub fn checkpoint(&self, key: &SigningKey) -> Result<MerkleCheckpoint> {
        self.check_key(&key.verifying_key())?;
        self.checkpoint_with(|t| key.sign(t.as_bytes()))
    }

    pub(crate) fn checkpoint_with(&self, sign: impl FnOnce(&NoteText) -> Result<[u8; 64]>) -> Result<MerkleCheckpoint> {
        MerkleCheckpoint::new_signed(self.log_id, self.size(), self.root(), &self.audit_key, sign)
    }

    fn check_key(&self, key: &VerifyingKey) -> Result<()> {
        if *key != self.audit_key {
            return Err(Error::AuditWrongKey {
                expected: to_hex(&self.audit_key.to_bytes()),
                found: to_hex(&key.to_bytes()),
            });
        }
        Ok(())
    }

    /// An inclusion bundle for entry `index`: the entry, its audit path and a checkpoint of this tree signed with
    /// the audit key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `index` is not below the size; [`Error::AuditWrongKey`] when `key` is not
    /// the log's audit key.
    pub fn inclusion_bundle(&self, index: u64, key: &SigningKey) -> Result<InclusionBundle> {
        let checkpoint = self.checkpoint(key)?;
        self.bundle_with(index, checkpoint)
    }

    /// An inclusion bundle for entry `index` with a checkpoint of this tree already signed.
    pub(crate) fn bundle_with(&self, index: u64, checkpoint: MerkleCheckpoint) -> Result<InclusionBundle> {
        let path = self.tree.inclusion_path(index)?;
        let entry = self.entry_line(index).ok_or_else(|| Error::Internal("entry line".into()))?.to_owned();
        Ok(InclusionBundle { entry, index, path, checkpoint })
    }

    /// A consistency proof from the first `old_size` entries to this tree, with a checkpoint of this tree signed
    /// with the audit key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `1 ≤ old_size ≤ size`; [`Error::AuditWrongKey`] when `key` is not the log's
    /// audit key.
    pub fn consistency_proof(&self, old_size: u64, key: &SigningKey) -> Result<ConsistencyProof> {
        let checkpoint = self.checkpoint(key)?;
        self.consistency_with(old_size, checkpoint)
    }

    pub(crate) fn consistency_with(&self, old_size: u64, checkpoint: MerkleCheckpoint) -> Result<ConsistencyProof> {
        Ok(ConsistencyProof { old_size, path: self.tree.consistency_path(old_size)?, checkpoint })
    }
}

/// Merkle checkpoints and proofs of the log this writer writes, signed with its audit key.
impl AuditLog {
    /// Write a checkpoint ([`AuditLog::checkpoint`]) and return it as an [`Anchor`] that also carries the signed
    /// Merkle checkpoint of the same entries ([`Anchor::merkle`], tree size = [`Anchor::count`]). Reads and verifies
    /// the whole file first (nothing is signed over a log that does not verify), so it costs about as much as
    /// [`super::verify`].
    ///
    /// # Errors
    /// As [`AuditLog::checkpoint`]; a verification error ([`Error::AuditTampered`], …) when the file does not
    /// verify or no longer holds the checkpoint just written.
    pub fn checkpoint_merkle(&self) -> Result<Anchor> {
        let anchor = self.checkpoint()?;
        let count = anchor.count();
        let tree = self.tree(Some(count))?;
        let last = tree.entry_line(count - 1).ok_or_else(|| Error::Internal("last entry".into()))?;
        if decode(last.as_bytes(), count)?.hash != anchor.head() {
            return Err(Error::AuditTampered {
                entry: count - 1,
                reason: "the file no longer holds the checkpoint just written (rewritten behind this writer)".into(),
            });
        }
        let checkpoint = tree.checkpoint_with(|t| self.sign_note(t))?;
        Ok(anchor.with_merkle(checkpoint))
    }

    /// An inclusion bundle for entry `seq` in the tree of the first `size` entries (all complete entries when
    /// `None`), with a checkpoint of that tree signed with the audit key. Writes nothing.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `seq` is not below the size or the log is shorter than `size`; a
    /// verification error when the file does not verify.
    pub fn inclusion_bundle(&self, seq: u64, size: Option<u64>) -> Result<InclusionBundle> {
        let tree = self.tree(size)?;
        tree.bundle_with(seq, tree.checkpoint_with(|t| self.sign_note(t))?)
    }

    /// A consistency proof from the tree of the first `old_size` entries to the tree of the first `new_size`
    /// entries (all complete entries when `None`), with the newer checkpoint signed with the audit key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `1 ≤ old_size ≤ new_size ≤` the entries in the file; a verification error
    /// when the file does not verify.
    pub fn consistency_proof(&self, old_size: u64, new_size: Option<u64>) -> Result<ConsistencyProof> {
        let tree = self.tree(new_size)?;
        tree.consistency_with(old_size, tree.checkpoint_with(|t| self.sign_note(t))?)
    }
}

/// Proof that one entry is in the log: the entry's line, its index, the RFC 6962 audit path, and a signed
/// checkpoint (`docs/AUDIT.md` §12.3). Verifiable with the audit public key alone
/// ([`verify_inclusion_bundle`]); reveals no other entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionBundle {
    entry: String,
    index: u64,
    path: Vec<Digest>,
    checkpoint: MerkleCheckpoint,
}

impl InclusionBundle {
    /// The entry's line, as in the log (without its newline).
    #[must_use]
    pub fn entry_line(&self) -> &str {
        &self.entry
    }

    /// The entry's index (its sequence number).
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The audit path, from the leaf's sibling up to the root's child.
    #[must_use]
    pub fn path(&self) -> &[Digest] {
        &self.path
    }

    /// The signed checkpoint the path leads to.
    #[must_use]
    pub fn checkpoint(&self) -> &MerkleCheckpoint {
        &self.checkpoint
    }

    /// The text form: `custodia.audit.inclusion/v1`, the entry line, then a C2SP `tlog-proof` (`index`, the path
    /// in base64, a blank line, the signed checkpoint).
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut t = format!("{INCLUSION_BUNDLE_HEADER}\n{}\n{TLOG_PROOF_HEADER}\nindex {}\n", self.entry, self.index);
        push_path(&mut t, &self.path);
        t.push('\n');
        t.push_str(&self.checkpoint.to_note());
        t
    }

    /// Parse the text form. Nothing is verified here: [`InclusionBundle::verify`] does that.
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] for anything but a bundle in the format of `docs/AUDIT.md` §12.3.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |m: &str| Error::CheckpointInvalid(format!("inclusion bundle: {m}"));
        if text.len() > MAX_PROOF_TEXT_LEN {
            return Err(bad("too long"));
        }
        let rest = text
            .strip_prefix(INCLUSION_BUNDLE_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or_else(|| bad("does not begin with custodia.audit.inclusion/v1"))?;
        let (entry, rest) = rest.split_once('\n').ok_or_else(|| bad("no entry line"))?;
        if entry.is_empty() || entry.len() > MAX_LINE_LEN || entry.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(bad("the entry line is empty, too long or has a control character"));
        }
        let rest = rest
            .strip_prefix(TLOG_PROOF_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or_else(|| bad("no c2sp.org/tlog-proof@v1 line after the entry"))?;
        let (index_line, rest) = rest.split_once('\n').ok_or_else(|| bad("no index line"))?;
        let index = index_line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad("the index line is not \"index <canonical decimal>\" (no extra line is accepted)"))?;
        let (path, note) = parse_path(rest).map_err(|m| bad(&m))?;
        Ok(Self { entry: entry.to_owned(), index, path, checkpoint: MerkleCheckpoint::parse(note)? })
    }

    /// Verify with the audit public key alone and return the entry: the checkpoint's audit-key signature, the audit
    /// path from the entry's line to the checkpoint's root at its index, and the entry itself (canonical form, hash,
    /// sequence number = index, its `auth` signature bound to the checkpoint's log).
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] for a checkpoint not signed by `audit_key` (or altered);
    /// [`Error::MerkleProofInvalid`] when the entry is not the one at that index of that tree (edited, wrong index,
    /// a path for another tree size, an altered root); [`Error::AuditMalformed`] / [`Error::AuditTampered`] for an
    /// entry line that is not a valid entry of this log.
    pub fn verify(&self, audit_key: &VerifyingKey) -> Result<LogEntry> {
        self.checkpoint.verify(audit_key)?;
        verify_inclusion(&self.checkpoint.root, self.checkpoint.size, self.index, self.entry.as_bytes(), &self.path)?;
        let line_no = self.index.saturating_add(1);
        let e = if self.index == 0 {
            decode_genesis(self.entry.as_bytes())?
        } else {
            decode(self.entry.as_bytes(), line_no)?
        };
        if e.seq != self.index {
            return Err(Error::AuditTampered {
                entry: self.index,
                reason: format!("the entry says sequence number {} at index {}", e.seq, self.index),
            });
        }
        check_auth(&e, &self.checkpoint.log_id, audit_key.dalek())?;
        Ok(e)
    }
}

/// Parse [`InclusionBundle::to_text`] and verify it with the audit public key alone; returns the verified entry.
/// This is what an authority that receives one entry of another's log calls.
///
/// # Errors
/// As [`InclusionBundle::parse`] and [`InclusionBundle::verify`].
pub fn verify_inclusion_bundle(bundle: &str, audit_key: &VerifyingKey) -> Result<LogEntry> {
    InclusionBundle::parse(bundle)?.verify(audit_key)
}

fn push_path(t: &mut String, path: &[Digest]) {
    for h in path {
        t.push_str(&Base64::encode_string(h));
        t.push('\n');
    }
}

/// Hash lines (canonical base64 of 32 bytes each) up to an empty line; returns them and what follows the empty line.
fn parse_path(mut rest: &str) -> core::result::Result<(Vec<Digest>, &str), String> {
    let mut path = Vec::new();
    loop {
        let (line, next) = rest.split_once('\n').ok_or("no blank line before the checkpoint")?;
        rest = next;
        if line.is_empty() {
            return Ok((path, rest));
        }
        if path.len() == MAX_PATH_LEN {
            return Err("too many hashes".into());
        }
        let h = b64_decode(line)
            .and_then(|h| <Digest>::try_from(h.as_slice()).ok())
            .ok_or("a hash is not the canonical base64 of 32 bytes")?;
        path.push(h);
    }
}

/// Proof that the log only grew: a consistency proof from an older tree size to a newer signed checkpoint, in the
/// text of a C2SP `tlog-witness` add-checkpoint request (`old <size>`, the proof in base64, a blank line, the new
/// checkpoint; `docs/AUDIT.md` §12.4). A counter-signer checks it against the checkpoint it signed last
/// ([`ConsistencyProof::verify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    old_size: u64,
    path: Vec<Digest>,
    checkpoint: MerkleCheckpoint,
}

impl ConsistencyProof {
    /// The older tree size the proof starts from.
    #[must_use]
    pub fn old_size(&self) -> u64 {
        self.old_size
    }

    /// The proof's hashes.
    #[must_use]
    pub fn path(&self) -> &[Digest] {
        &self.path
    }

    /// The newer checkpoint.
    #[must_use]
    pub fn checkpoint(&self) -> &MerkleCheckpoint {
        &self.checkpoint
    }

    /// The text form.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut t = format!("old {}\n", self.old_size);
        push_path(&mut t, &self.path);
        t.push('\n');
        t.push_str(&self.checkpoint.to_note());
        t
    }

    /// Parse the text form. Nothing is verified here.
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] for anything but a consistency proof in the format of `docs/AUDIT.md` §12.4.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |m: &str| Error::CheckpointInvalid(format!("consistency proof: {m}"));
        if text.len() > MAX_PROOF_TEXT_LEN {
            return Err(bad("too long"));
        }
        let (old_line, rest) = text.split_once('\n').ok_or_else(|| bad("no old line"))?;
        let old_size = old_line
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad("the first line is not \"old <canonical decimal>\""))?;
        let (path, note) = parse_path(rest).map_err(|m| bad(&m))?;
        Ok(Self { old_size, path, checkpoint: MerkleCheckpoint::parse(note)? })
    }

    /// Check that the newer checkpoint extends `older` (the checkpoint the verifier holds, e.g. the last one it
    /// counter-signed): both signed by `audit_key`, of the same log, and the proof leads from `older`'s tree to
    /// the newer one.
    ///
    /// # Errors
    /// [`Error::CheckpointInvalid`] for a checkpoint not signed by `audit_key`, or of another log;
    /// [`Error::MerkleProofInvalid`] when the proof starts from another size than `older`'s, the log shrank, or its
    /// first `older.size()` entries changed (rewritten).
    pub fn verify(&self, older: &MerkleCheckpoint, audit_key: &VerifyingKey) -> Result<()> {
        older.verify(audit_key)?;
        self.checkpoint.verify(audit_key)?;
        if older.log_id != self.checkpoint.log_id {
            return Err(Error::CheckpointInvalid(format!(
                "the checkpoints are of two logs, {} and {}",
                older.origin(),
                self.checkpoint.origin()
            )));
        }
        if self.old_size != older.size {
            return Err(Error::MerkleProofInvalid(format!(
                "the proof starts from size {}, the older checkpoint has size {}",
                self.old_size, older.size
            )));
        }
        verify_consistency(older.size, &older.root, self.checkpoint.size, &self.checkpoint.root, &self.path)
    }

    /// Whether the newer checkpoint is `checkpoint` (same log, size and root).
    #[must_use]
    pub fn is_for(&self, checkpoint: &MerkleCheckpoint) -> bool {
        self.checkpoint.same_tree(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes([5; 32])
    }

    fn checkpoint(size: u64) -> MerkleCheckpoint {
        let k = key();
        MerkleCheckpoint::new_signed([7; 16], size, [9; 32], &k.verifying_key(), |t| k.sign(t.as_bytes()))
            .expect("signed")
    }

    #[test]
    fn note_round_trips_and_verifies() {
        let c = checkpoint(12);
        let note = c.to_note();
        assert!(note.starts_with("custodia.audit/07070707070707070707070707070707\n12\n"), "{note}");
        let p = MerkleCheckpoint::open(&note, &key().verifying_key()).expect("verifies");
        assert_eq!(p, c);
        let other = SigningKey::from_bytes([6; 32]).verifying_key();
        assert!(matches!(p.verify(&other), Err(Error::CheckpointInvalid(_))));
    }

    #[test]
    fn key_id_follows_the_signed_note_spec() {
        let k = key().verifying_key();
        let mut pre = b"custodia.audit/x\n\x01".to_vec();
        pre.extend_from_slice(&k.to_bytes());
        let d = Sha256::digest(&pre);
        assert_eq!(note_key_id("custodia.audit/x", &k), [d[0], d[1], d[2], d[3]]);
    }

    #[test]
    fn decimals_and_base64_must_be_canonical() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("012"), None);
        assert_eq!(parse_decimal("+1"), None);
        assert_eq!(parse_decimal(""), None);
        assert!(b64_decode("AA==").is_some());
        assert!(b64_decode("AB==").is_none(), "non-zero padding bits");
        assert!(b64_decode("AA").is_none(), "unpadded");
    }

    #[test]
    fn cosignature_is_checked() {
        let mut c = checkpoint(3);
        let w = SigningKey::from_bytes([8; 32]);
        c.cosign(&w).expect("cosign");
        c.cosign(&w).expect("cosign");
        assert_eq!(c.signatures().len(), 2, "a witness replaces its own line");
        let p = MerkleCheckpoint::open(&c.to_note(), &key().verifying_key()).expect("parses");
        assert!(p.is_cosigned_by(&w.verifying_key()));
        assert!(!p.is_cosigned_by(&key().verifying_key()));
    }
}
