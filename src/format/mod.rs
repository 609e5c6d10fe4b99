//! Envelope format v1: the bytes of a sealed envelope, and nothing else.
//!
//! `format` knows bytes, not policy: it never decides who may open what, and does no I/O beyond the `Read`, `Write`
//! and `Seek` handed to it. `docs/FORMAT.md` specifies every byte; this module implements it.
//!
//! An envelope is a header (the bound context: purposes, category, jurisdictions, times, ...; one stanza per
//! recipient with the data key wrapped for it; a MAC), a STREAM payload of ChaCha20-Poly1305 chunks, and, when
//! signed, an Ed25519 signature.
//!
//! Opening is in three steps so that the policy gate can run before any key is touched:
//!
//! 1. [`parse_header`] (or [`read_header`]) reads the header with no secret;
//! 2. [`unwrap_with_kek`], [`unwrap_with_x25519`], [`unwrap_with_xwing`] (or any [`Unwrap`]) recover the
//!    [`DataKey`];
//! 3. [`open_payload`], [`open_stream`] or [`Reader`] check the key commitment, the header MAC, the signer, then
//!    decrypt.
//!
//! ```
//! use custodia::format::{self, EnvelopeOptions, Metadata, Recipient};
//! use custodia::format::Kek;
//! use custodia::{Category, PurposeSet, Timestamp};
//!
//! # fn main() -> custodia::Result<()> {
//! let kek = Kek::generate()?;
//! let meta = Metadata::new(Category::FinancialRecords, PurposeSet::parse(&["investigation"])?, Timestamp::from_unix(1_800_000_000));
//! let sealed = format::seal(b"IBAN NL91ABNA0417164300", &EnvelopeOptions::new(meta, vec![Recipient::Kek(&kek)]))?;
//!
//! let header = format::parse_header(&sealed)?; // no key needed: hand header.terms() to the policy gate
//! assert_eq!(header.terms().purposes.to_string(), "investigation");
//! let dk = format::unwrap_with_kek(&header, &kek)?;
//! let opened = format::open_payload(&header, &dk, &sealed, None)?;
//! assert_eq!(opened.plaintext.expose_secret(), b"IBAN NL91ABNA0417164300");
//! # Ok(()) }
//! ```

mod armor;
mod header;
pub(crate) mod receipt;
mod recipient;
mod record;
mod stream;
mod wrap;

use std::io::{Read, Write};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

pub use crate::keys::{
    DataKey, ED25519_PUBLIC_LEN, KEY_LEN, Kek, SigningKey, VerifyingKey, X25519_PUBLIC_LEN, X25519Identity,
    X25519Recipient, XWING_PUBLIC_LEN,
};
#[cfg(feature = "xwing")]
pub use crate::keys::{XWingIdentity, XWingRecipient};
pub use crate::primitives::stream::{max_threads, set_max_threads};
pub use armor::{
    BEGIN as ARMOR_BEGIN, END as ARMOR_END, LINE_LEN as ARMOR_LINE_LEN, armor, dearmor, is_armored, to_binary,
};
pub(crate) use armor::{armor_labeled, dearmor_labeled};
pub use header::{
    Header, InstrumentKind, LegalInstrument, MAX_EXTERNAL_WRAPPED, Metadata, PayloadType, Stanza, StanzaKind,
    UnknownField,
};
pub use recipient::Recipient;
pub use record::{
    FieldDescriptor, FieldKind, FieldName, FieldSpec, FieldValue, MAX_FIELD_NAME_LEN, MAX_FIELD_VALUE_LEN, MAX_NESTING,
    MAX_RECORD_FIELDS, OpenedRecordPayload, RECORD_VERSION, Record, RecordDate, open_record, seal_record,
    seal_record_with_rng,
};
pub(crate) use record::{FieldKeys, open_field, parse_payload};
pub use stream::{Reader, StreamReport};
pub(crate) use wrap::unwrap_with_provider;
#[cfg(feature = "xwing")]
pub use wrap::unwrap_with_xwing;
pub use wrap::{Unwrap, ViaProvider, unwrap_with_kek, unwrap_with_x25519};

use crate::error::{ConflictReason, Error, Result};
use crate::primitives::rng::OsRng;
use crate::vocabulary::KeyId;
use crate::vocabulary::sensitive::Sensitive;
use header::KeySchedule;

/// The first 8 bytes of every binary envelope.
pub const MAGIC: &[u8; 8] = b"CUSTODIA";
/// The format version this library writes and reads.
pub const VERSION: u16 = 1;
/// The one cipher suite of version 1 (see `docs/FORMAT.md`).
pub const SUITE: u16 = 1;
/// Length of the random object id.
pub const OBJECT_ID_LEN: usize = 16;
/// Largest header, stanzas and MAC included.
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Most recipient stanzas in one envelope.
pub const MAX_STANZAS: usize = 64;
/// Most fields in the bound context.
pub const MAX_FIELDS: usize = 64;
/// Longest free text (instrument reference, transfer basis), in bytes.
pub const MAX_TEXT_LEN: usize = 1024;
/// Most grants in one envelope's `grants` field.
pub const MAX_GRANTS: usize = 16;
/// Longest encoded grant, in bytes.
pub const MAX_GRANT_LEN: usize = 8 * 1024;
/// Most destination jurisdictions.
pub const MAX_DESTINATIONS: usize = 64;
/// Smallest chunk size (small so that test vectors stay small).
pub const MIN_CHUNK_SIZE: u32 = 64;
/// Largest chunk size.
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Default chunk size.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Most chunks in one payload (2^32; 256 TiB at the default chunk size).
pub const MAX_CHUNKS: u64 = 1 << 32;

/// What to seal for whom.
#[derive(Debug)]
#[non_exhaustive]
pub struct EnvelopeOptions<'a> {
    /// The bound fields.
    pub metadata: Metadata,
    /// Who can open it; at least one, at most [`MAX_STANZAS`], no key twice.
    pub recipients: Vec<Recipient<'a>>,
    /// The sender's X25519 identity: X25519 stanzas use HPKE auth mode, so their recipients learn and
    /// authenticate the sender. Ignored for KEK and X-Wing stanzas.
    pub sender: Option<&'a X25519Identity>,
    /// Sign the envelope (header and every chunk) with this key.
    pub signer: Option<&'a SigningKey>,
}

impl<'a> EnvelopeOptions<'a> {
    /// Options with no sender and no signer.
    #[must_use]
    pub fn new(metadata: Metadata, recipients: Vec<Recipient<'a>>) -> Self {
        Self { metadata, recipients, sender: None, signer: None }
    }

    /// The same, with HPKE auth mode from `sender`.
    #[must_use]
    pub fn with_sender(mut self, sender: &'a X25519Identity) -> Self {
        self.sender = Some(sender);
        self
    }

    /// The same, signed by `signer`.
    #[must_use]
    pub fn with_signer(mut self, signer: &'a SigningKey) -> Self {
        self.signer = Some(signer);
        self
    }
}

/// An opened envelope.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenedPayload {
    /// The plaintext, tagged with the envelope's category and classification.
    pub plaintext: Sensitive<Vec<u8>>,
    /// The object id.
    pub object_id: [u8; OBJECT_ID_LEN],
    /// The recipient stanza the data key came from.
    pub recipient: KeyId,
    /// The key whose signature verified, if signed.
    pub signer: Option<VerifyingKey>,
    /// The sender authenticated by HPKE auth mode, if the data key came from an auth-mode stanza.
    pub sender: Option<X25519Recipient>,
}

// ---- seal ---------------------------------------------------------------------------------------------------------

/// Seal `plaintext` with the operating system's RNG.
///
/// Chunks are sealed in parallel on up to [`max_threads`] threads when the value is large; the bytes are the same
/// as sealed on one thread.
///
/// # Errors
/// Invalid options ([`Error::NoPurpose`], [`Error::InvalidArgument`], [`Error::ClassificationBelowMinimum`],
/// [`Error::LimitExceeded`]); [`Error::Rng`].
pub fn seal(plaintext: &[u8], opts: &EnvelopeOptions<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    seal_into(plaintext, opts, &mut out)?;
    Ok(out)
}

/// [`seal`] into `out`, replacing its contents and reusing its capacity: a caller that seals many values can keep
/// one buffer and never pay again for fresh memory (which, for large values, costs more than the encryption).
///
/// # Errors
/// As [`seal`]; on an error `out` is left empty.
pub fn seal_into(plaintext: &[u8], opts: &EnvelopeOptions<'_>, out: &mut Vec<u8>) -> Result<()> {
    let mut rng = OsRng::new();
    let r = prepare(opts, &mut rng, &[]).and_then(|prepared| {
        // All randomness is drawn by now: an RNG failure returns before any ciphertext exists.
        rng.check()?;
        prepared.seal_slice(plaintext, opts, out)
    });
    if r.is_err() {
        out.clear();
    }
    r
}

/// Seal `plaintext` drawing all randomness from `rng` (tests, vectors).
///
/// # Errors
/// As [`seal`], without [`Error::Rng`].
pub fn seal_with_rng<R: CryptoRng>(plaintext: &[u8], opts: &EnvelopeOptions<'_>, rng: &mut R) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    prepare(opts, rng, &[])?.seal_slice(plaintext, opts, &mut out)?;
    Ok(out)
}

/// Seal everything `src` yields into `dst`, in constant memory, with the operating system's RNG. Returns the
/// plaintext length.
///
/// # Errors
/// As [`seal`], and [`Error::Io`] from `src` or `dst`.
pub fn seal_stream<R: Read + ?Sized, W: Write + ?Sized>(
    src: &mut R,
    dst: &mut W,
    opts: &EnvelopeOptions<'_>,
) -> Result<u64> {
    // All randomness is drawn before the first byte is written, and checked there: an RNG failure writes nothing.
    seal_inner(src, dst, opts, &mut OsRng::new(), &[], OsRng::check)
}

/// [`seal_stream`] drawing all randomness from `rng`.
///
/// # Errors
/// As [`seal_stream`], without [`Error::Rng`].
pub fn seal_stream_with_rng<R: Read + ?Sized, W: Write + ?Sized, G: CryptoRng>(
    src: &mut R,
    dst: &mut W,
    opts: &EnvelopeOptions<'_>,
    rng: &mut G,
) -> Result<u64> {
    seal_inner(src, dst, opts, rng, &[], |_| Ok(()))
}

fn seal_inner<R: Read + ?Sized, W: Write + ?Sized, G: CryptoRng>(
    src: &mut R,
    dst: &mut W,
    opts: &EnvelopeOptions<'_>,
    rng: &mut G,
    unknown: &[UnknownField],
    rng_ok: impl FnOnce(&G) -> Result<()>,
) -> Result<u64> {
    let prepared = prepare(opts, rng, unknown)?;
    rng_ok(rng)?;
    dst.write_all(&prepared.head)?;
    stream::seal_payload(&prepared.keys, prepared.bound(), opts.metadata.chunk_size as usize, opts.signer, src, dst)
}

/// Everything of an envelope but its payload: the key schedule and the encoded header.
struct Prepared {
    keys: KeySchedule,
    data_key: Zeroizing<[u8; KEY_LEN]>,
    object_id: [u8; OBJECT_ID_LEN],
    bound_len: usize,
    head: Vec<u8>,
}

impl Prepared {
    fn bound(&self) -> &[u8] {
        &self.head[..self.bound_len]
    }

    fn data_key(&self) -> &[u8; KEY_LEN] {
        &self.data_key
    }

    fn seal_slice(&self, plaintext: &[u8], opts: &EnvelopeOptions<'_>, out: &mut Vec<u8>) -> Result<()> {
        let cs = opts.metadata.chunk_size as usize;
        stream::seal_slice(&self.keys, self.bound(), cs, opts.signer, plaintext, &self.head, out)
    }
}

/// Draw the data key and object id, derive the key schedule, encode the bound context, wrap the data key for every
/// recipient and assemble the header. Draws all the randomness sealing needs.
fn prepare<G: CryptoRng>(opts: &EnvelopeOptions<'_>, rng: &mut G, unknown: &[UnknownField]) -> Result<Prepared> {
    if opts.recipients.is_empty() {
        return Err(Error::InvalidArgument("at least one recipient is required".into()));
    }
    let mut dk = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(dk.as_mut());
    let mut object_id = [0u8; OBJECT_ID_LEN];
    rng.fill_bytes(&mut object_id);
    let keys = KeySchedule::derive(&dk, &object_id);
    let signer = opts.signer.map(SigningKey::verifying_key);
    let bound = header::encode_bound(&opts.metadata, &object_id, &keys.commitment, signer.as_ref(), unknown)?;
    let stanzas = opts
        .recipients
        .iter()
        .map(|r| wrap::wrap(r, opts.sender, &dk, &object_id, &bound, rng))
        .collect::<Result<Vec<_>>>()?;
    let bound_len = bound.len();
    let head = header::assemble(bound, &stanzas, &keys)?;
    Ok(Prepared { keys, data_key: dk, object_id, bound_len, head })
}

/// The object id of a binary envelope this library sealed (it is always the first bound field), without parsing
/// the rest of the header.
///
/// # Errors
/// [`Error::Malformed`] when `envelope` does not start with a bound context whose first field is the object id.
pub fn sealed_object_id(envelope: &[u8]) -> Result<[u8; OBJECT_ID_LEN]> {
    header::object_id_prefix(envelope)
}

// ---- open ---------------------------------------------------------------------------------------------------------

/// Parse the header of an envelope (binary or armored). Needs no key and touches none.
///
/// # Errors
/// [`Error::Malformed`], [`Error::UnsupportedVersion`], [`Error::UnsupportedSuite`], [`Error::Truncated`],
/// [`Error::LimitExceeded`], [`Error::UnknownCriticalField`], [`Error::Armor`] (see `docs/FORMAT.md` for the order).
pub fn parse_header(envelope: &[u8]) -> Result<Header> {
    let bin = to_binary(envelope)?;
    let mut src: &[u8] = &bin;
    header::read_header(&mut src)
}

/// Read exactly the header of a binary envelope from `src`, leaving it positioned at the payload.
///
/// # Errors
/// As [`parse_header`], and [`Error::Io`].
pub fn read_header<R: Read + ?Sized>(src: &mut R) -> Result<Header> {
    header::read_header(src)
}

/// Open the payload of an envelope (binary or armored) whose header is `header`, with its data key.
///
/// Checks, in order: the key commitment, the header MAC, the required signer, each chunk, the signature. No
/// plaintext is returned unless all pass.
///
/// # Errors
/// [`Error::OpenFailed`] for a wrong key or any alteration; [`Error::Truncated`]; [`Error::SignerMismatch`];
/// [`Error::SignatureInvalid`]; [`Error::Malformed`] when `envelope` does not start with `header`.
pub fn open_payload(
    header: &Header,
    dk: &DataKey,
    envelope: &[u8],
    required_signer: Option<&VerifyingKey>,
) -> Result<OpenedPayload> {
    // Sized exactly once, so the plaintext buffer never reallocates (and leaves no copies behind).
    let mut out = Zeroizing::new(Vec::new());
    let report = open_payload_into(header, dk, envelope, required_signer, &mut out)?;
    let m = header.metadata();
    let plaintext =
        Sensitive::with_classification(core::mem::take(&mut *out), m.category, m.classification)?.with_fast_wipe();
    Ok(OpenedPayload {
        plaintext,
        object_id: *header.object_id(),
        recipient: dk.recipient(),
        signer: report.signer,
        sender: report.sender,
    })
}

/// [`open_payload`] into `out`, replacing its contents (zeroized first) and reusing its capacity: for a caller
/// that opens many values into one buffer. `out` then holds plaintext: the caller must zeroize it when done (e.g.
/// keep it in a [`Zeroizing`]). On any error `out` is zeroized and left empty.
///
/// # Errors
/// As [`open_payload`].
pub fn open_payload_into(
    header: &Header,
    dk: &DataKey,
    envelope: &[u8],
    required_signer: Option<&VerifyingKey>,
    out: &mut Vec<u8>,
) -> Result<StreamReport> {
    let r = open_payload_into_inner(header, dk, envelope, required_signer, out);
    if r.is_err() {
        crate::vocabulary::sensitive::wipe_bytes(out);
    }
    r
}

fn open_payload_into_inner(
    header: &Header,
    dk: &DataKey,
    envelope: &[u8],
    required_signer: Option<&VerifyingKey>,
    out: &mut Vec<u8>,
) -> Result<StreamReport> {
    let bin = to_binary(envelope)?;
    if bin.get(..header.len()) != Some(header.as_bytes()) {
        return Err(Error::Malformed("envelope does not start with this header".into()));
    }
    let keys = stream::verify_for_open(header, dk, required_signer)?;
    stream::open_slice(header, &keys, &bin[header.len()..], out)?;
    Ok(StreamReport::new(out.len() as u64, header.signer().copied(), dk.sender().cloned()))
}

/// [`open_payload`] straight into the caller's `out` (at least [`plaintext_len`] bytes; [`Error::BufferTooSmall`]
/// otherwise, with nothing written): no allocation for the plaintext, no copy. `out` then holds plaintext: the caller
/// must zeroize it when done. On any error the bytes written are zeroized.
///
/// # Errors
/// As [`open_payload`], and [`Error::BufferTooSmall`].
pub fn open_payload_to_slice(
    header: &Header,
    dk: &DataKey,
    envelope: &[u8],
    required_signer: Option<&VerifyingKey>,
    out: &mut [u8],
) -> Result<StreamReport> {
    let bin = to_binary(envelope)?;
    if bin.get(..header.len()) != Some(header.as_bytes()) {
        return Err(Error::Malformed("envelope does not start with this header".into()));
    }
    let keys = stream::verify_for_open(header, dk, required_signer)?;
    let n = stream::open_slice_to(header, &keys, &bin[header.len()..], out)?;
    Ok(StreamReport::new(n as u64, header.signer().copied(), dk.sender().cloned()))
}

/// Open an envelope (binary or armored) with the first of `keys` that has a stanza in it.
///
/// # Errors
/// [`Error::NoMatchingRecipient`] when no key has a stanza; otherwise as [`parse_header`] and [`open_payload`].
pub fn open(envelope: &[u8], keys: &[&dyn Unwrap], required_signer: Option<&VerifyingKey>) -> Result<OpenedPayload> {
    let header = parse_header(envelope)?;
    let dk = unwrap_any(&header, keys)?;
    open_payload(&header, &dk, envelope, required_signer)
}

fn unwrap_any(header: &Header, keys: &[&dyn Unwrap]) -> Result<DataKey> {
    let mut err = Error::NoMatchingRecipient;
    for k in keys {
        match k.unwrap_data_key(header) {
            Ok(dk) => return Ok(dk),
            Err(Error::NoMatchingRecipient) => {}
            Err(e) => err = e,
        }
    }
    Err(err)
}

/// Open the payload that follows the header in `src` (as [`read_header`] leaves it), writing plaintext to `dst`
/// chunk by chunk, in constant memory.
///
/// Each chunk is written only after its tag verifies, but a signature is checked only at the end: on any error,
/// discard what `dst` received. Use [`Reader`] over a seekable source to check the signature first.
///
/// # Errors
/// As [`open_payload`], and [`Error::Io`].
pub fn open_stream<R: Read + ?Sized, W: Write + ?Sized>(
    header: &Header,
    dk: &DataKey,
    src: &mut R,
    dst: &mut W,
    required_signer: Option<&VerifyingKey>,
) -> Result<StreamReport> {
    let keys = stream::verify_for_open(header, dk, required_signer)?;
    stream::open_payload(header, &keys, dk, src, dst)
}

// ---- re-wrap ------------------------------------------------------------------------------------------------------

/// Re-wrap an envelope (binary or armored; the result is binary): remove the stanzas of `remove`, add stanzas for
/// `add`. The bound context, the payload and any signature stay byte-identical; the header MAC is recomputed.
///
/// # Errors
/// As [`open`] for `key`; [`Error::Conflict`] when a removed id has no stanza
/// ([`ConflictReason::StanzaNotFound`]) or an added key already has one ([`ConflictReason::RecipientExists`]);
/// [`Error::InvalidArgument`] when no stanza would remain or a key is added twice; [`Error::LimitExceeded`] past [`MAX_STANZAS`]; [`Error::Rng`].
pub fn rewrap(envelope: &[u8], key: &dyn Unwrap, remove: &[KeyId], add: &[Recipient<'_>]) -> Result<Vec<u8>> {
    let mut rng = OsRng::new();
    let out = rewrap_with_rng(envelope, key, remove, add, &mut rng);
    rng.check()?;
    out
}

/// [`rewrap`] drawing randomness from `rng`.
///
/// # Errors
/// As [`rewrap`], without [`Error::Rng`].
pub fn rewrap_with_rng<G: CryptoRng>(
    envelope: &[u8],
    key: &dyn Unwrap,
    remove: &[KeyId],
    add: &[Recipient<'_>],
    rng: &mut G,
) -> Result<Vec<u8>> {
    let bin = to_binary(envelope)?;
    let header = parse_header(&bin)?;
    let dk = key.unwrap_data_key(&header)?;
    let (mut out, at) = rewrap_header_with_rng(&header, &dk, remove, add, rng)?;
    out.reserve_exact(bin.len() - at);
    out.extend_from_slice(&bin[at..]);
    Ok(out)
}

/// Re-wrap a header only, for files: returns the new header's bytes and the offset in the old envelope where the
/// untouched payload starts (write the new header, then copy the old envelope from that offset).
///
/// The header is authenticated with `dk` (commitment and MAC) before anything is re-wrapped.
///
/// # Errors
/// [`Error::OpenFailed`] when `dk` does not match the header; otherwise as [`rewrap`].
pub fn rewrap_header(
    header: &Header,
    dk: &DataKey,
    remove: &[KeyId],
    add: &[Recipient<'_>],
) -> Result<(Vec<u8>, usize)> {
    let mut rng = OsRng::new();
    let out = rewrap_header_with_rng(header, dk, remove, add, &mut rng);
    rng.check()?;
    out
}

/// [`rewrap_header`] drawing randomness from `rng`. New X25519 stanzas use HPKE base mode.
///
/// # Errors
/// As [`rewrap_header`], without [`Error::Rng`].
pub fn rewrap_header_with_rng<G: CryptoRng>(
    header: &Header,
    dk: &DataKey,
    remove: &[KeyId],
    add: &[Recipient<'_>],
    rng: &mut G,
) -> Result<(Vec<u8>, usize)> {
    reissue_header_with_rng(header, dk, remove, add, &[], rng)
}

/// Re-issue a header: [`rewrap_header`], and add `grants` (grant encodings, which this layer does not interpret) to
/// the header's critical `grants` field. The sealed context (every other bound field), the payload and any signature
/// stay byte-identical; stanza AADs and the signature cover the context without the `grants` field, the header MAC
/// covers it all (see `docs/FORMAT.md`).
///
/// # Errors
/// As [`rewrap_header`]; [`Error::LimitExceeded`] past [`MAX_GRANTS`] or [`MAX_GRANT_LEN`].
pub fn reissue_header(
    header: &Header,
    dk: &DataKey,
    remove: &[KeyId],
    add: &[Recipient<'_>],
    grants: &[Vec<u8>],
) -> Result<(Vec<u8>, usize)> {
    let mut rng = OsRng::new();
    let out = reissue_header_with_rng(header, dk, remove, add, grants, &mut rng);
    rng.check()?;
    out
}

/// [`reissue_header`] drawing randomness from `rng`.
///
/// # Errors
/// As [`reissue_header`], without [`Error::Rng`].
pub fn reissue_header_with_rng<G: CryptoRng>(
    header: &Header,
    dk: &DataKey,
    remove: &[KeyId],
    add: &[Recipient<'_>],
    grants: &[Vec<u8>],
    rng: &mut G,
) -> Result<(Vec<u8>, usize)> {
    let keys = KeySchedule::derive(dk.expose(), header.object_id());
    keys.verify_header(header)?;
    for id in remove {
        if !header.stanzas().iter().any(|s| s.key_id() == *id) {
            return Err(Error::Conflict { what: ConflictReason::StanzaNotFound, key_id: Some(*id), case_ref: None });
        }
    }
    for r in add {
        let id = r.id();
        if !remove.contains(&id) && header.stanzas().iter().any(|s| s.key_id() == id) {
            return Err(Error::Conflict { what: ConflictReason::RecipientExists, key_id: Some(id), case_ref: None });
        }
    }
    let mut stanzas: Vec<Stanza> = header.stanzas().iter().filter(|s| !remove.contains(&s.key_id())).cloned().collect();
    for r in add {
        stanzas.push(wrap::wrap(r, None, dk.expose(), header.object_id(), header.sealed_context(), rng)?);
    }
    Ok((header::with_stanzas(header, &stanzas, grants, &keys)?, header.len()))
}

/// The most bytes an envelope sealing `plaintext_len` bytes can take, whatever its recipients and terms: the largest
/// header ([`MAX_HEADER_LEN`]), the payload in chunks of `chunk_size` bytes each with its 16-byte tag, the 64-byte
/// signature trailer when `signed`, and the armored text form's expansion when `armored`. Sizes a caller's buffer
/// before a seal (`custodia_seal_into`); `None` when the bound does not fit in a `u64` or `chunk_size` is 0.
#[must_use]
pub fn sealed_len_bound(plaintext_len: u64, chunk_size: u32, signed: bool, armored: bool) -> Option<u64> {
    if chunk_size == 0 {
        return None;
    }
    let chunks = plaintext_len.div_ceil(u64::from(chunk_size)).max(1);
    let trailer = if signed { stream::SIGNATURE_LEN as u64 } else { 0 };
    let binary = (MAX_HEADER_LEN as u64)
        .checked_add(plaintext_len)?
        .checked_add(chunks.checked_mul(crate::primitives::stream::TAG_LEN as u64)?)?
        .checked_add(trailer)?;
    if !armored {
        return Some(binary);
    }
    // BEGIN line, base64 in lines of LINE_LEN characters each ending in a newline, END line.
    let b64 = binary.div_ceil(3).checked_mul(4)?;
    let lines = b64.div_ceil(ARMOR_LINE_LEN as u64);
    b64.checked_add(lines)?.checked_add(ARMOR_BEGIN.len() as u64 + ARMOR_END.len() as u64 + 2)
}

/// The plaintext length of `envelope` (binary or armored), from its header and its length alone: no key, nothing
/// decrypted or authenticated (opening checks everything). Sizes a caller's buffer before an open
/// (`custodia_open_into`).
///
/// # Errors
/// As [`parse_header`]; [`Error::Truncated`] for a payload shorter than one chunk's tag; [`Error::OpenFailed`]
/// for a payload whose last chunk could not be valid.
pub fn plaintext_len(envelope: &[u8]) -> Result<u64> {
    let bin = to_binary(envelope)?;
    let mut src: &[u8] = &bin;
    let header = header::read_header(&mut src)?;
    let trailer = if header.signer().is_some() { stream::SIGNATURE_LEN } else { 0 };
    let tag = crate::primitives::stream::TAG_LEN;
    let payload = src.len().checked_sub(trailer).filter(|&p| p >= tag).ok_or(Error::Truncated)?;
    let chunk_ct = header.chunk_size() + tag;
    let chunks = payload.div_ceil(chunk_ct);
    let last = payload - (chunks - 1) * chunk_ct;
    if last < tag || (last == tag && chunks > 1) {
        return Err(Error::OpenFailed);
    }
    Ok((payload - chunks * tag) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Kek;
    use crate::vocabulary::sensitive::Category;
    use crate::{PurposeSet, Timestamp};

    fn sealed_with(unknown: &[UnknownField], kek: &Kek) -> Vec<u8> {
        let meta =
            Metadata::new(Category::Evidence, PurposeSet::parse(&["investigation"]).unwrap(), Timestamp::from_unix(5));
        let mut out = Vec::new();
        let mut rng = OsRng::new();
        seal_inner(
            &mut &b"payload"[..],
            &mut out,
            &EnvelopeOptions::new(meta, vec![Recipient::Kek(kek)]),
            &mut rng,
            unknown,
            OsRng::check,
        )
        .unwrap();
        out
    }

    #[test]
    fn unknown_optional_field_is_kept_and_authenticated() {
        let kek = Kek::from_bytes([3; 32]);
        let env = sealed_with(&[UnknownField { tag: 0x0100, value: b"future".to_vec() }], &kek);
        let h = parse_header(&env).unwrap();
        assert_eq!(h.unknown_fields(), &[UnknownField { tag: 0x0100, value: b"future".to_vec() }]);
        assert_eq!(open(&env, &[&kek], None).unwrap().plaintext.expose_secret(), b"payload");
        // Kept through a re-wrap, and still authenticated: altering it fails.
        let re = rewrap(&env, &kek, &[], &[Recipient::Kek(&Kek::from_bytes([4; 32]))]).unwrap();
        assert_eq!(parse_header(&re).unwrap().unknown_fields().len(), 1);
        let i = env.windows(6).position(|w| w == b"future").unwrap();
        let mut bad = env.clone();
        bad[i] = b'F';
        assert!(matches!(open(&bad, &[&kek], None), Err(Error::OpenFailed)));
    }

    /// The size queries behind caller-sized output (`custodia_seal_into`, `custodia_open_into`): the bound holds for
    /// every length, chunk size, signature and armor tried (a buffer of that size always fits), and the plaintext
    /// length read from a header and an envelope's length is exact; an envelope cut short is refused, not sized.
    #[test]
    fn size_queries_bound_the_envelope_and_give_the_plaintext_length() {
        let kek = Kek::from_bytes([3; 32]);
        let sk = SigningKey::from_bytes([9; 32]);
        for chunk in [64_u32, 1000, DEFAULT_CHUNK_SIZE] {
            for len in [0_usize, 1, 63, 64, 65, 999, 1000, 1001, 4096] {
                for signed in [false, true] {
                    let mut meta = Metadata::new(
                        Category::Evidence,
                        PurposeSet::parse(&["investigation"]).unwrap(),
                        Timestamp::from_unix(5),
                    );
                    meta.chunk_size = chunk;
                    let mut opts = EnvelopeOptions::new(meta, vec![Recipient::Kek(&kek)]);
                    opts.signer = signed.then_some(&sk);
                    let plain = vec![7_u8; len];
                    let env = seal(&plain, &opts).unwrap();
                    let what = format!("chunk {chunk}, len {len}, signed {signed}");
                    let bound = sealed_len_bound(len as u64, chunk, signed, false).unwrap();
                    assert!(env.len() as u64 <= bound, "{what}: {} > {bound}", env.len());
                    let armored = armor(&env);
                    let abound = sealed_len_bound(len as u64, chunk, signed, true).unwrap();
                    assert!(armored.len() as u64 <= abound, "{what}: armored {} > {abound}", armored.len());
                    assert_eq!(plaintext_len(&env).unwrap(), len as u64, "{what}");
                    assert_eq!(plaintext_len(armored.as_bytes()).unwrap(), len as u64, "{what}: armored");
                    let h = parse_header(&env).unwrap().len();
                    assert!(plaintext_len(&env[..h + 15]).is_err(), "{what}: a payload shorter than a tag");
                }
            }
        }
        assert_eq!(sealed_len_bound(1, 0, false, false), None);
        assert_eq!(sealed_len_bound(u64::MAX, 64, false, false), None);
    }

    #[test]
    fn unknown_critical_field_refuses_to_parse() {
        let kek = Kek::from_bytes([3; 32]);
        let env = sealed_with(&[UnknownField { tag: 0x8100, value: vec![1] }], &kek);
        assert!(matches!(parse_header(&env), Err(Error::UnknownCriticalField(0x8100))));
    }

    /// The `grants` field as a hostile writer could lay it out: each deviation from the canonical encoding is refused
    /// when the header is parsed (the values are opaque here; the custodian checks the grants themselves).
    #[test]
    fn the_grants_field_is_parsed_strictly() {
        let kek = Kek::from_bytes([3; 32]);
        let grant = |n: u16, fill: u8| -> Vec<u8> {
            let mut v = n.to_be_bytes().to_vec();
            v.extend(std::iter::repeat_n(fill, usize::from(n)));
            v
        };
        let field = |count: u8, parts: &[Vec<u8>]| -> Vec<u8> {
            let mut v = vec![count];
            for p in parts {
                v.extend_from_slice(p);
            }
            v
        };
        let good = field(2, &[grant(3, 1), grant(3, 2)]);
        let env = sealed_with(&[UnknownField { tag: header::tag::GRANTS, value: good }], &kek);
        assert_eq!(parse_header(&env).unwrap().grants(), &[vec![1; 3], vec![2; 3]]);
        for (what, value) in [
            ("empty", field(0, &[])),
            ("out of order", field(2, &[grant(3, 2), grant(3, 1)])),
            ("duplicate", field(2, &[grant(3, 1), grant(3, 1)])),
            ("empty grant", field(1, &[grant(0, 0)])),
            ("count beyond the bytes", field(2, &[grant(3, 1)])),
            ("trailing byte", [field(1, &[grant(3, 1)]), vec![0]].concat()),
            ("too many", field(17, &(0..17u8).map(|i| grant(1, i)).collect::<Vec<_>>())),
        ] {
            let env = sealed_with(&[UnknownField { tag: header::tag::GRANTS, value }], &kek);
            assert!(
                matches!(parse_header(&env), Err(Error::Malformed(_) | Error::LimitExceeded { .. })),
                "{what}: {:?}",
                parse_header(&env).map(|h| h.grants().len())
            );
        }
    }

    #[test]
    fn stream_nonce_layout() {
        assert_eq!(crate::primitives::stream::nonce(0, false), [0; 12]);
        assert_eq!(crate::primitives::stream::nonce(0x0102, true), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1]);
    }
}
