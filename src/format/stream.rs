//! The payload: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over ChaCha20-Poly1305, and the optional Ed25519
//! signature trailer.
//!
//! Each chunk is sealed under the envelope's payload key with nonce `counter (11 bytes BE) || last flag`, so chunks
//! cannot be dropped, duplicated, reordered, truncated or extended. Plaintext of a chunk leaves this module only
//! after its tag has verified; buffers are fixed-size, reused and zeroized.

use std::io::{self, Read, Seek, SeekFrom, Write};

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::MAX_CHUNKS;
use crate::format::header::{Header, KeySchedule};
use crate::format::recipient::{DataKey, SigningKey, VerifyingKey, X25519Recipient};

/// Length of a chunk's Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the signature trailer of a signed envelope.
pub(crate) const SIGNATURE_LEN: usize = 64;
/// Domain label of the signed message.
pub(crate) const SIGNATURE_LABEL: &[u8] = b"custodia/v1/signature\0";

/// What opening a stream established, besides the plaintext.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OpenReport {
    /// Plaintext length in bytes.
    pub len: u64,
    /// The key whose signature verified, if the envelope is signed.
    pub signer: Option<VerifyingKey>,
    /// The sender authenticated by the HPKE auth-mode stanza the data key came from, if any.
    pub sender: Option<X25519Recipient>,
}

pub(crate) fn nonce(counter: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    n
}

fn cipher(keys: &KeySchedule) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new((&*keys.payload).into())
}

/// Read until `buf` is full or the source ends; the count read.
fn read_full<R: Read + ?Sized>(src: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Ok(n)
}

fn check_count(counter: u64) -> Result<()> {
    if counter >= MAX_CHUNKS {
        return Err(Error::LimitExceeded { what: "chunk count", value: counter + 1, max: MAX_CHUNKS });
    }
    Ok(())
}

/// Seal everything `src` yields as chunks into `dst`, then the signature trailer if `signer` is given. Returns the
/// plaintext length.
pub(crate) fn seal_payload<R: Read + ?Sized, W: Write + ?Sized>(
    keys: &KeySchedule,
    bound: &[u8],
    chunk_size: usize,
    signer: Option<&SigningKey>,
    src: &mut R,
    dst: &mut W,
) -> Result<u64> {
    let aead = cipher(keys);
    let mut transcript = Sha256::new();
    transcript.update(bound);
    let mut buf = Zeroizing::new(vec![0u8; chunk_size + TAG_LEN]);
    let mut peek = Zeroizing::new([0u8; 1]);
    let mut have_peek = false;
    let mut counter = 0u64;
    let mut total = 0u64;
    loop {
        check_count(counter)?;
        let mut filled = 0;
        if have_peek {
            buf[0] = peek[0];
            filled = 1;
            have_peek = false;
        }
        filled += read_full(src, &mut buf[filled..chunk_size])?;
        // A full chunk is the last one only if the source ends right after it: look one byte ahead.
        let last = filled < chunk_size || {
            have_peek = read_full(src, peek.as_mut())? == 1;
            !have_peek
        };
        let tag = aead
            .encrypt_inout_detached(&nonce(counter, last).into(), &[], (&mut buf[..filled]).into())
            .map_err(|_| Error::Internal("chunk encryption failed".into()))?;
        buf[filled..filled + TAG_LEN].copy_from_slice(&tag);
        transcript.update(&buf[..filled + TAG_LEN]);
        dst.write_all(&buf[..filled + TAG_LEN])?;
        total += filled as u64;
        counter += 1;
        if last {
            break;
        }
    }
    if let Some(sk) = signer {
        dst.write_all(&sign_transcript(sk, transcript))?;
    }
    dst.flush()?;
    Ok(total)
}

fn signed_message(transcript: Sha256) -> [u8; SIGNATURE_LABEL.len() + 32] {
    let mut msg = [0u8; SIGNATURE_LABEL.len() + 32];
    msg[..SIGNATURE_LABEL.len()].copy_from_slice(SIGNATURE_LABEL);
    msg[SIGNATURE_LABEL.len()..].copy_from_slice(&transcript.finalize());
    msg
}

fn sign_transcript(sk: &SigningKey, transcript: Sha256) -> [u8; SIGNATURE_LEN] {
    sk.sign(&signed_message(transcript))
}

fn verify_transcript(vk: &VerifyingKey, transcript: Sha256, sig: &[u8]) -> Result<()> {
    let sig: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| Error::SignatureInvalid)?;
    vk.verify(&signed_message(transcript), sig)
}

/// The checks before any chunk: key commitment, header MAC, then the required signer.
pub(crate) fn verify_for_open(
    header: &Header,
    dk: &DataKey,
    required_signer: Option<&VerifyingKey>,
) -> Result<KeySchedule> {
    let keys = KeySchedule::derive(dk.expose(), header.object_id());
    keys.verify_header(header)?;
    if let Some(want) = required_signer
        && header.signer() != Some(want)
    {
        return Err(Error::SignerMismatch {
            expected: want.id().to_string(),
            found: header.signer_id().map_or_else(|| "none".to_owned(), |s| s.to_string()),
        });
    }
    Ok(keys)
}

fn open_chunk(aead: &ChaCha20Poly1305, counter: u64, last: bool, chunk: &mut [u8]) -> Result<usize> {
    let n = chunk.len().checked_sub(TAG_LEN).ok_or(Error::Truncated)?;
    let (data, tag) = chunk.split_at_mut(n);
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::OpenFailed)?;
    aead.decrypt_inout_detached(&nonce(counter, last).into(), &[], data.into(), tag.into())
        .map_err(|_| Error::OpenFailed)?;
    Ok(n)
}

/// Open the payload that follows the header in `src`, writing each chunk's plaintext to `dst` once its tag verifies.
///
/// The header must have been verified with [`verify_for_open`]. On an error, `dst` may hold plaintext of the chunks
/// before the failure (each authentic under the data key); discard it. For a signed envelope the signature is
/// checked only at the end.
pub(crate) fn open_payload<R: Read + ?Sized, W: Write + ?Sized>(
    header: &Header,
    keys: &KeySchedule,
    dk: &DataKey,
    src: &mut R,
    dst: &mut W,
) -> Result<OpenReport> {
    let aead = cipher(keys);
    let chunk_ct = header.chunk_size() + TAG_LEN;
    let trailer = if header.signer().is_some() { SIGNATURE_LEN } else { 0 };
    let mut transcript = Sha256::new();
    transcript.update(header.bound_context());
    // One chunk, the trailer, and one byte more: enough to tell a full non-final chunk from the last one.
    let want = chunk_ct + trailer + 1;
    let mut buf = Zeroizing::new(vec![0u8; want]);
    let mut filled = 0;
    let mut counter = 0u64;
    let mut total = 0u64;
    loop {
        check_count(counter)?;
        filled += read_full(src, &mut buf[filled..want])?;
        if filled == want {
            transcript.update(&buf[..chunk_ct]);
            let n = open_chunk(&aead, counter, false, &mut buf[..chunk_ct])?;
            dst.write_all(&buf[..n])?;
            total += n as u64;
            buf.copy_within(chunk_ct..filled, 0);
            filled -= chunk_ct;
            counter += 1;
            continue;
        }
        let chunk_len = filled.checked_sub(trailer).filter(|&l| l >= TAG_LEN).ok_or(Error::Truncated)?;
        if chunk_len == TAG_LEN && counter > 0 {
            // Only an empty plaintext has an empty final chunk.
            return Err(Error::OpenFailed);
        }
        transcript.update(&buf[..chunk_len]);
        let n = open_chunk(&aead, counter, true, &mut buf[..chunk_len])?;
        if let Some(vk) = header.signer() {
            verify_transcript(vk, transcript, &buf[chunk_len..filled])?;
        }
        dst.write_all(&buf[..n])?;
        dst.flush()?;
        total += n as u64;
        return Ok(OpenReport { len: total, signer: header.signer().copied(), sender: dk.sender().cloned() });
    }
}

/// A reader of an envelope's plaintext with random access: `Read + Seek` over a `Read + Seek` source.
///
/// Built after the header is parsed and the data key unwrapped. Construction verifies the key commitment, the header
/// MAC, the required signer and, for a signed envelope, the signature (hashing the whole ciphertext once, without
/// decrypting it); it also opens the final chunk, which authenticates the plaintext length. After that, a read
/// decrypts only the chunk it needs. Chunk-level errors surface as [`io::Error`]s wrapping [`Error::OpenFailed`].
pub struct Reader<R> {
    src: R,
    base: u64,
    chunk_size: usize,
    chunks: u64,
    last_ct_len: usize,
    plain_len: u64,
    aead: ChaCha20Poly1305,
    pos: u64,
    cur: Option<u64>,
    buf: Zeroizing<Vec<u8>>,
    buf_len: usize,
    report: OpenReport,
}

impl<R: Read + Seek> Reader<R> {
    /// A reader over the envelope in `src`, which must be positioned right after the header (as
    /// [`crate::format::read_header`] leaves it).
    ///
    /// # Errors
    /// [`Error::OpenFailed`] when the data key does not match or anything is altered; [`Error::SignerMismatch`] or
    /// [`Error::SignatureInvalid`] for signature problems; [`Error::Truncated`] for a payload shorter than one
    /// chunk; [`Error::Io`] from the source.
    pub fn new(header: &Header, dk: &DataKey, mut src: R, required_signer: Option<&VerifyingKey>) -> Result<Self> {
        let keys = verify_for_open(header, dk, required_signer)?;
        let base = src.stream_position()?;
        let end = src.seek(SeekFrom::End(0))?;
        let trailer = if header.signer().is_some() { SIGNATURE_LEN as u64 } else { 0 };
        let chunk_size = header.chunk_size();
        let chunk_ct = (chunk_size + TAG_LEN) as u64;
        let payload_len = end.checked_sub(base).and_then(|l| l.checked_sub(trailer)).ok_or(Error::Truncated)?;
        if payload_len < TAG_LEN as u64 {
            return Err(Error::Truncated);
        }
        let chunks = payload_len.div_ceil(chunk_ct);
        if chunks > MAX_CHUNKS {
            return Err(Error::LimitExceeded { what: "chunk count", value: chunks, max: MAX_CHUNKS });
        }
        let last_ct_len = usize::try_from(payload_len - (chunks - 1) * chunk_ct).map_err(|_| Error::OpenFailed)?;
        if last_ct_len < TAG_LEN || (last_ct_len == TAG_LEN && chunks > 1) {
            return Err(Error::OpenFailed);
        }
        let plain_len = payload_len - chunks * TAG_LEN as u64;
        let mut buf = Zeroizing::new(vec![0u8; chunk_size + TAG_LEN]);
        if let Some(vk) = header.signer() {
            let mut transcript = Sha256::new();
            transcript.update(header.bound_context());
            src.seek(SeekFrom::Start(base))?;
            let mut left = payload_len;
            while left > 0 {
                let n = usize::try_from(left.min(chunk_ct)).map_err(|_| Error::OpenFailed)?;
                src.read_exact(&mut buf[..n]).map_err(truncated)?;
                transcript.update(&buf[..n]);
                left -= n as u64;
            }
            let mut sig = [0u8; SIGNATURE_LEN];
            src.read_exact(&mut sig).map_err(truncated)?;
            verify_transcript(vk, transcript, &sig)?;
        }
        let report = OpenReport { len: plain_len, signer: header.signer().copied(), sender: dk.sender().cloned() };
        let mut reader = Self {
            src,
            base,
            chunk_size,
            chunks,
            last_ct_len,
            plain_len,
            aead: cipher(&keys),
            pos: 0,
            cur: None,
            buf,
            buf_len: 0,
            report,
        };
        reader.load(chunks - 1)?;
        Ok(reader)
    }

    /// Plaintext length in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.plain_len
    }

    /// Whether the plaintext is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.plain_len == 0
    }

    /// The verified signer and the authenticated sender.
    #[must_use]
    pub fn report(&self) -> &OpenReport {
        &self.report
    }

    /// Decrypt chunk `i` into the buffer (verifying its tag first).
    fn load(&mut self, i: u64) -> Result<()> {
        if self.cur == Some(i) {
            return Ok(());
        }
        self.cur = None;
        let chunk_ct = (self.chunk_size + TAG_LEN) as u64;
        let last = i + 1 == self.chunks;
        let len = if last { self.last_ct_len } else { self.chunk_size + TAG_LEN };
        self.src.seek(SeekFrom::Start(self.base + i * chunk_ct))?;
        self.src.read_exact(&mut self.buf[..len]).map_err(truncated)?;
        self.buf_len = open_chunk(&self.aead, i, last, &mut self.buf[..len])?;
        self.cur = Some(i);
        Ok(())
    }
}

fn truncated(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof { Error::Truncated } else { Error::Io(e) }
}

fn to_io(e: Error) -> io::Error {
    match e {
        Error::Io(e) => e,
        e => io::Error::new(io::ErrorKind::InvalidData, e),
    }
}

impl<R: Read + Seek> Read for Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.plain_len || out.is_empty() {
            return Ok(0);
        }
        let cs = self.chunk_size as u64;
        let i = self.pos / cs;
        self.load(i).map_err(to_io)?;
        let off = usize::try_from(self.pos - i * cs).map_err(|_| io::Error::other("offset"))?;
        let n = out.len().min(self.buf_len - off);
        out[..n].copy_from_slice(&self.buf[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Reader<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.plain_len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = new.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

impl<R> core::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader").field("len", &self.plain_len).field("pos", &self.pos).finish_non_exhaustive()
    }
}
