//! The payload: the envelope's chunks laid out after the header, sealed and opened in memory, as a stream or through
//! a seekable [`Reader`], and the optional Ed25519 signature trailer over the bound context and the chunks.
//!
//! The STREAM construction itself (chunk nonces, the per-chunk seal and open, the thread runs and the bounded
//! pipeline) is `primitives/stream.rs`; this module decides what goes into the chunks and where they sit in the
//! envelope. Plaintext of a chunk leaves this module only after its tag has verified; buffers are fixed-size, reused
//! and zeroized.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom, Write};

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::format::MAX_CHUNKS;
use crate::format::header::{Header, KeySchedule};
use crate::keys::{DataKey, SigningKey, VerifyingKey, X25519Recipient};
use crate::primitives::aead::ChunkCipher;
use crate::primitives::stream::{
    Job, TAG_LEN, chunk_slices, nonce, open_chunk_in_place, open_chunk_into, pipeline_shape, run_parallel, split_runs,
    threads_for, with_lanes,
};

/// Length of the signature trailer of a signed envelope.
pub(crate) const SIGNATURE_LEN: usize = 64;
/// Domain label of the signed message.
pub(crate) const SIGNATURE_LABEL: &[u8] = b"custodia/v1/signature\0";

/// What opening a stream established, besides the plaintext.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StreamReport {
    /// Plaintext length in bytes.
    pub len: u64,
    /// The key whose signature verified, if the envelope is signed.
    pub signer: Option<VerifyingKey>,
    /// The sender authenticated by the HPKE auth-mode stanza the data key came from, if any.
    pub sender: Option<X25519Recipient>,
}

impl StreamReport {
    pub(crate) fn new(len: u64, signer: Option<VerifyingKey>, sender: Option<X25519Recipient>) -> Self {
        Self { len, signer, sender }
    }
}

fn chunk_cipher(keys: &KeySchedule) -> ChunkCipher {
    ChunkCipher::new(&keys.payload)
}

/// The RustCrypto implementation, for the long-lived [`Reader`] (it zeroizes its key on drop).
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

/// Seal `plaintext` as chunks after `head`, then the signature trailer if `signer` is given, into `out` (replaced;
/// its capacity is reused). Each thread encrypts its chunks straight from `plaintext` into place (no copy).
pub(crate) fn seal_slice(
    keys: &KeySchedule,
    bound: &[u8],
    chunk_size: usize,
    signer: Option<&SigningKey>,
    plaintext: &[u8],
    head: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    let chunks = plaintext.len().div_ceil(chunk_size).max(1);
    check_count(chunks as u64 - 1)?;
    let body_len = plaintext.len() + chunks * TAG_LEN;
    let trailer = if signer.is_some() { SIGNATURE_LEN } else { 0 };
    let total = head.len() + body_len + trailer;
    // Every byte is overwritten below, so old contents may stay until then: no pass to clear them. A fresh buffer
    // comes zeroed from the allocator (for large sizes straight from the OS, without a pass either), and a large one
    // advised for huge pages, so writing it takes a fault per 2 MiB rather than per 4 KiB.
    if out.capacity() < total {
        *out = custodia_mem::zeroed_output(total);
    } else {
        out.resize(total, 0);
        out.truncate(total);
    }
    let (h, rest) = out.split_at_mut(head.len());
    h.copy_from_slice(head);
    let (body, sig) = rest.split_at_mut(body_len);
    let aead = chunk_cipher(keys);
    let last = chunks as u64 - 1;
    let threads = threads_for(chunks, plaintext.len());
    let runs = split_runs(chunks, threads, (chunk_size, chunk_size + TAG_LEN), plaintext, body);
    run_parallel(runs, |first, pt, ct| {
        let mut off = 0;
        for (k, p) in chunk_slices(pt, chunk_size).enumerate() {
            let i = first + k as u64;
            let c = &mut ct[off..off + p.len() + TAG_LEN];
            let (data, tag) = c.split_at_mut(p.len());
            tag.copy_from_slice(&aead.seal_to(nonce(i, i == last), &[], p, data)?);
            off += c.len();
        }
        Ok(())
    })?;
    if let Some(sk) = signer {
        let mut transcript = Sha256::new();
        transcript.update(bound);
        transcript.update(&*body);
        sig.copy_from_slice(&sign_transcript(sk, transcript)?);
    }
    Ok(())
}

/// Open the payload `body` (everything after the header) in memory into `out` (replaced; its capacity is reused):
/// every chunk, then the signature. Checks in the order of the sequential reader, so errors are the same. On any
/// error `out` is zeroized and left empty: it holds plaintext only if everything verified.
pub(crate) fn open_slice(header: &Header, keys: &KeySchedule, body: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let r = open_slice_inner(header, keys, body, out);
    if r.is_err() {
        crate::vocabulary::sensitive::wipe_bytes(out);
    }
    r
}

/// The plaintext length of a payload `body` (everything after the header) and how it splits: full chunks, and the
/// final chunk's ciphertext length.
fn slice_shape(header: &Header, body: &[u8]) -> Result<(usize, usize, usize)> {
    let cs = header.chunk_size();
    let chunk_ct = cs + TAG_LEN;
    let trailer = if header.signer().is_some() { SIGNATURE_LEN } else { 0 };
    let payload = body.len().checked_sub(trailer).ok_or(Error::Truncated)?;
    // A chunk is non-final iff more than one chunk's worth follows it (section 5 of FORMAT.md).
    let full = payload.saturating_sub(1) / chunk_ct;
    let last_len = payload - full * chunk_ct;
    check_count(full as u64)?;
    Ok((full * cs + last_len.saturating_sub(TAG_LEN), full, last_len))
}

/// Open the payload `body` straight into the caller's `out`, which must hold at least the plaintext; returns the
/// plaintext length. Checks as [`open_slice`]. On any error the bytes written are zeroized: `out` holds plaintext
/// only if everything verified.
pub(crate) fn open_slice_to(header: &Header, keys: &KeySchedule, body: &[u8], out: &mut [u8]) -> Result<usize> {
    let (plain_len, _, _) = slice_shape(header, body)?;
    let given = out.len() as u64;
    let dst = out.get_mut(..plain_len).ok_or(Error::BufferTooSmall { needed: plain_len as u64, given })?;
    let r = open_slice_exact(header, keys, body, dst);
    if r.is_err() {
        dst.zeroize();
    }
    r.map(|()| plain_len)
}

fn open_slice_inner(header: &Header, keys: &KeySchedule, body: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let (plain_len, _, _) = slice_shape(header, body)?;
    // Every byte up to `plain_len` is overwritten below; what a previous use left beyond it is wiped now.
    if out.len() > plain_len {
        out[plain_len..].zeroize();
        out.truncate(plain_len);
    } else if out.capacity() < plain_len {
        crate::vocabulary::sensitive::wipe_bytes(out);
        *out = custodia_mem::zeroed_output(plain_len);
    } else {
        out.resize(plain_len, 0);
    }
    open_slice_exact(header, keys, body, out)
}

/// Decrypt and verify the payload `body` into `out`, exactly the plaintext's length.
fn open_slice_exact(header: &Header, keys: &KeySchedule, body: &[u8], out: &mut [u8]) -> Result<()> {
    let cs = header.chunk_size();
    let chunk_ct = cs + TAG_LEN;
    let trailer = if header.signer().is_some() { SIGNATURE_LEN } else { 0 };
    let (plain_len, full, last_len) = slice_shape(header, body)?;
    let payload = body.len() - trailer;
    if out.len() != plain_len {
        return Err(Error::Internal("plaintext buffer of the wrong length".into()));
    }
    let aead = chunk_cipher(keys);
    let (out_full, out_last) = out.split_at_mut(full * cs);
    let runs = split_runs(full, threads_for(full, full * cs), (chunk_ct, cs), &body[..full * chunk_ct], out_full);
    run_parallel(runs, |first, ct, pt| {
        for (k, (c, p)) in ct.chunks(chunk_ct).zip(pt.chunks_mut(cs)).enumerate() {
            open_chunk_into(&aead, first + k as u64, false, c, p)?;
        }
        Ok(())
    })?;
    if last_len < TAG_LEN {
        return Err(Error::Truncated);
    }
    if last_len == TAG_LEN && full > 0 {
        // Only an empty plaintext has an empty final chunk.
        return Err(Error::OpenFailed);
    }
    open_chunk_into(&aead, full as u64, true, &body[full * chunk_ct..payload], out_last)?;
    if let Some(vk) = header.signer() {
        let mut transcript = Sha256::new();
        transcript.update(header.sealed_context());
        transcript.update(&body[..payload]);
        verify_transcript(vk, transcript, &body[payload..])?;
    }
    Ok(())
}

/// Reads a plaintext stream chunk by chunk, looking one byte ahead to tell the last chunk.
struct PlainChunks<'s, R: Read + ?Sized> {
    src: &'s mut R,
    chunk_size: usize,
    peek: Zeroizing<[u8; 1]>,
    have_peek: bool,
    counter: u64,
    finished: bool,
}

impl<R: Read + ?Sized> PlainChunks<'_, R> {
    fn next(&mut self, mut buf: Zeroizing<Vec<u8>>) -> Result<Job> {
        check_count(self.counter)?;
        let cs = self.chunk_size;
        let mut filled = 0;
        if self.have_peek {
            buf[0] = self.peek[0];
            filled = 1;
            self.have_peek = false;
        }
        // The chunk and the byte after it in one read: a full chunk is the last one only if the source ends right
        // after it. The byte after it is carried into the next chunk.
        filled += read_full(self.src, &mut buf[filled..=cs])?;
        let last = filled <= cs;
        if !last {
            self.peek[0] = buf[cs];
            buf[cs] = 0;
            self.have_peek = true;
            filled = cs;
        }
        self.finished = last;
        let job = Job { counter: self.counter, last, len: filled, buf, done: Ok(0) };
        self.counter += 1;
        Ok(job)
    }
}

/// Seal everything `src` yields as chunks into `dst`, then the signature trailer if `signer` is given. Returns the
/// plaintext length. Memory stays bounded: at most `max(2 MiB / chunk_size, 2 * workers) + 1` chunk buffers exist
/// at once.
pub(crate) fn seal_payload<R: Read + ?Sized, W: Write + ?Sized>(
    keys: &KeySchedule,
    bound: &[u8],
    chunk_size: usize,
    signer: Option<&SigningKey>,
    src: &mut R,
    dst: &mut W,
) -> Result<u64> {
    let aead = chunk_cipher(keys);
    let mut transcript = signer.map(|_| {
        let mut t = Sha256::new();
        t.update(bound);
        t
    });
    let new_buf = || Zeroizing::new(vec![0u8; chunk_size + TAG_LEN]);
    let mut chunks =
        PlainChunks { src, chunk_size, peek: Zeroizing::new([0u8; 1]), have_peek: false, counter: 0, finished: false };
    let first = chunks.next(new_buf())?;
    let (workers, depth) = pipeline_shape(first.last, chunk_size);
    let work = |job: &mut Job| {
        let n = job.len;
        let (data, rest) = job.buf.split_at_mut(n);
        job.done = aead.seal(nonce(job.counter, job.last), &[], data).map(|tag| {
            rest[..TAG_LEN].copy_from_slice(&tag);
            n + TAG_LEN
        });
    };
    let total = with_lanes(workers, &work, |lanes| {
        let mut free: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut failed = None;
        let mut total = 0u64;
        lanes.submit(first)?;
        loop {
            while lanes.in_flight() >= depth || (chunks.finished && lanes.in_flight() > 0) {
                let mut job = lanes.next()?;
                let n = core::mem::replace(&mut job.done, Ok(0))?;
                if let Some(t) = transcript.as_mut() {
                    t.update(&job.buf[..n]);
                }
                dst.write_all(&job.buf[..n])?;
                total += job.len as u64;
                free.push(job.buf);
            }
            if let Some(e) = failed.take() {
                return Err(e);
            }
            if chunks.finished {
                return Ok(total);
            }
            match chunks.next(free.pop().unwrap_or_else(new_buf)) {
                Ok(job) => lanes.submit(job)?,
                // Write the chunks before it first, as a sequential sealer would.
                Err(e) => (failed, chunks.finished) = (Some(e), true),
            }
        }
    })?;
    if let (Some(sk), Some(t)) = (signer, transcript) {
        dst.write_all(&sign_transcript(sk, t)?)?;
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

fn sign_transcript(sk: &SigningKey, transcript: Sha256) -> Result<[u8; SIGNATURE_LEN]> {
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
/// checked only at the end, before the final chunk's plaintext is written. Memory stays bounded as when sealing.
pub(crate) fn open_payload<R: Read + ?Sized, W: Write + ?Sized>(
    header: &Header,
    keys: &KeySchedule,
    dk: &DataKey,
    src: &mut R,
    dst: &mut W,
) -> Result<StreamReport> {
    let aead = chunk_cipher(keys);
    let chunk_ct = header.chunk_size() + TAG_LEN;
    let trailer = if header.signer().is_some() { SIGNATURE_LEN } else { 0 };
    // Only a signed envelope needs the hash of its ciphertext (hashing costs about a third of decrypting).
    let mut transcript = header.signer().map(|_| {
        let mut t = Sha256::new();
        t.update(header.sealed_context());
        t
    });
    // One chunk, the trailer, and one byte more: enough to tell a full non-final chunk from the last one.
    let want = chunk_ct + trailer + 1;
    let new_buf = || Zeroizing::new(vec![0u8; want]);
    // The bytes read past the previous chunk (at most the trailer and one byte), carried into the next buffer.
    let mut carry = Zeroizing::new([0u8; SIGNATURE_LEN + 1]);
    let mut carried = 0;
    let mut counter = 0u64;
    // Frame the next chunk into `buf` (section 5 of FORMAT.md) and add its ciphertext to the transcript.
    let mut next_chunk = |mut buf: Zeroizing<Vec<u8>>| -> Result<Job> {
        check_count(counter)?;
        buf[..carried].copy_from_slice(&carry[..carried]);
        let filled = carried + read_full(src, &mut buf[carried..want])?;
        let (len, last) = if filled == want {
            carried = want - chunk_ct;
            carry[..carried].copy_from_slice(&buf[chunk_ct..want]);
            (chunk_ct, false)
        } else {
            let len = filled.checked_sub(trailer).filter(|&l| l >= TAG_LEN).ok_or(Error::Truncated)?;
            if len == TAG_LEN && counter > 0 {
                // Only an empty plaintext has an empty final chunk.
                return Err(Error::OpenFailed);
            }
            // The signature stays in the buffer after the chunk.
            carried = filled - len;
            (len, true)
        };
        if let Some(t) = transcript.as_mut() {
            t.update(&buf[..len]);
        }
        let job = Job { counter, last, len, buf, done: Ok(0) };
        counter += 1;
        Ok(job)
    };
    let first = next_chunk(new_buf())?;
    let (workers, depth) = pipeline_shape(first.last, header.chunk_size());
    let work = |job: &mut Job| {
        job.done = open_chunk_in_place(&aead, job.counter, job.last, &mut job.buf[..job.len]);
    };
    let total = with_lanes(workers, &work, |lanes| {
        let mut free: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut total = 0u64;
        let mut last_job = None;
        let mut failed = None;
        let mut finished = first.last;
        lanes.submit(first)?;
        loop {
            while lanes.in_flight() >= depth || (finished && lanes.in_flight() > 0) {
                let mut job = lanes.next()?;
                let n = core::mem::replace(&mut job.done, Ok(0))?;
                if job.last {
                    // Written only after the signature verifies, below.
                    last_job = Some((n, job));
                    break;
                }
                dst.write_all(&job.buf[..n])?;
                total += n as u64;
                free.push(job.buf);
            }
            if let Some((n, job)) = last_job {
                return Ok((total, n, job));
            }
            if let Some(e) = failed.take() {
                return Err(e);
            }
            match next_chunk(free.pop().unwrap_or_else(new_buf)) {
                Ok(job) => {
                    finished = job.last;
                    lanes.submit(job)?;
                }
                // Finish the chunks before it first, as a sequential reader would.
                Err(e) => (failed, finished) = (Some(e), true),
            }
        }
    });
    let (mut total, n, last) = total?;
    if let (Some(vk), Some(t)) = (header.signer(), transcript) {
        verify_transcript(vk, t, &last.buf[last.len..last.len + trailer])?;
    }
    dst.write_all(&last.buf[..n])?;
    dst.flush()?;
    total += n as u64;
    Ok(StreamReport { len: total, signer: header.signer().copied(), sender: dk.sender().cloned() })
}

/// A reader of an envelope's plaintext with random access: `Read + Seek` over a `Read + Seek` source.
///
/// Built after the header is parsed and the data key unwrapped. Construction verifies the key commitment, the header
/// MAC, the required signer and, for a signed envelope, the signature (hashing the whole ciphertext once, without
/// decrypting it); it also opens the final chunk, which authenticates the plaintext length. After that, a read
/// decrypts only the chunk it needs. Chunk-level errors surface as [`io::Error`]s wrapping [`Error::OpenFailed`] (or
/// [`Error::EnvelopeChanged`]).
///
/// Re-reads are checked against what was verified: the source is read again lazily, and whoever can write it (a
/// co-recipient knows the data key, so can encrypt a substitute chunk that authenticates) could otherwise change the
/// plaintext after the signature was checked. While hashing for the signature the reader keeps a 16-byte fingerprint
/// of every chunk (a MAC under a key of its own, drawn at random: not the chunk's Poly1305 tag, which a co-recipient
/// can match with other bytes); every later read of a chunk must match its fingerprint or fails with
/// [`Error::EnvelopeChanged`] before any of its plaintext is released. For an unsigned envelope (which anyone with
/// the data key could have written whole) a chunk is pinned when it is first read, so re-reads are at least
/// consistent. Memory: 16 bytes per chunk of a signed envelope (0.025 % of the file at the default 64 KiB chunk
/// size, 20 % at the 64-byte minimum), or per chunk read so far of an unsigned one (in a map).
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
    pins: Pins,
    report: StreamReport,
}

/// Length of a chunk fingerprint kept by a [`Reader`].
const FINGERPRINT_LEN: usize = 16;

/// What a [`Reader`] verified of each chunk: a 16-byte MAC of the chunk's bytes (ciphertext and tag) under a key
/// drawn at random for this reader and never shown. The MAC is ChaCha20-Poly1305 with an empty plaintext, the chunk
/// as associated data and the chunk index as nonce: Poly1305 under a one-time key per chunk, about as fast as the
/// decryption it guards rather than a second hash pass.
///
/// Not the chunk's own Poly1305 tag: a co-recipient knows the payload key and so every chunk's one-time Poly1305
/// key, and can make a different chunk with the same tag (FORMAT.md section 6); nor an unkeyed hash, whose
/// collisions a signer could prepare in advance. Nobody outside this reader knows its key, so a substitute matches a
/// fingerprint with probability below 2^-90 (Poly1305's bound for a 64 KiB chunk).
struct Pins {
    mac: ChunkCipher,
    prints: Prints,
}

enum Prints {
    /// Every chunk, in order: taken while hashing a signed envelope for its signature.
    All(Vec<[u8; FINGERPRINT_LEN]>),
    /// The chunks read so far of an unsigned envelope, taken on the first read of each.
    FirstRead(BTreeMap<u64, [u8; FINGERPRINT_LEN]>),
}

impl Pins {
    fn new(signed_chunks: Option<u64>) -> Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| Error::Rng)?;
        let mac = ChunkCipher::new(&key);
        let prints = match signed_chunks {
            Some(n) => {
                let mut all = Vec::new();
                let max = usize::MAX as u64;
                let n = usize::try_from(n).map_err(|_| Error::LimitExceeded { what: "chunk count", value: n, max })?;
                all.try_reserve_exact(n).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
                Prints::All(all)
            }
            None => Prints::FirstRead(BTreeMap::new()),
        };
        Ok(Self { mac, prints })
    }

    fn fingerprint(&self, i: u64, chunk: &[u8]) -> [u8; FINGERPRINT_LEN] {
        fingerprint(&self.mac, i, chunk)
    }

    /// Record the next chunk while verifying a signed envelope (chunks arrive in order, from 0).
    fn record(&mut self, chunk: &[u8]) {
        if let Prints::All(all) = &mut self.prints {
            let print = fingerprint(&self.mac, all.len() as u64, chunk);
            all.push(print);
        }
    }

    /// The fingerprint of chunk `i` as re-read, after checking it against the one kept: `EnvelopeChanged` if they
    /// differ. `None` when nothing is kept for it yet (an unsigned envelope's first read): pin it with
    /// [`Pins::pin`] once the chunk authenticates.
    fn check(&self, i: u64, chunk: &[u8]) -> Result<Option<[u8; FINGERPRINT_LEN]>> {
        let kept = match &self.prints {
            Prints::All(all) => usize::try_from(i).ok().and_then(|i| all.get(i)),
            Prints::FirstRead(seen) => seen.get(&i),
        };
        let print = self.fingerprint(i, chunk);
        match kept {
            Some(kept) if bool::from(kept.ct_eq(&print)) => Ok(None),
            Some(_) => Err(Error::EnvelopeChanged { chunk: i }),
            // A signed envelope has every chunk's fingerprint: a missing one means the source grew.
            None if matches!(self.prints, Prints::All(_)) => Err(Error::EnvelopeChanged { chunk: i }),
            None => Ok(Some(print)),
        }
    }

    fn pin(&mut self, i: u64, print: [u8; FINGERPRINT_LEN]) {
        if let Prints::FirstRead(seen) = &mut self.prints {
            seen.insert(i, print);
        }
    }
}

/// Authenticate the first `count` of the `chunks` chunks of the payload (`payload_len` bytes at `base`, `chunk_ct`
/// bytes a chunk but the last), in order; the first that fails gives its error. Only on the error paths of
/// [`Reader::new`], so that it reports what the in-memory opener reports for the same bytes.
fn check_chunks<R: Read + Seek>(
    src: &mut R,
    base: u64,
    count: u64,
    (chunks, payload_len, chunk_ct): (u64, u64, u64),
    aead: &ChaCha20Poly1305,
    buf: &mut [u8],
) -> Result<()> {
    src.seek(SeekFrom::Start(base))?;
    for i in 0..count {
        let n = usize::try_from((payload_len - i * chunk_ct).min(chunk_ct)).map_err(|_| Error::OpenFailed)?;
        src.read_exact(&mut buf[..n]).map_err(truncated)?;
        open_chunk(aead, i, i + 1 == chunks, &mut buf[..n])?;
    }
    Ok(())
}

/// The MAC of chunk `i` under a reader's key (see [`Pins`]).
fn fingerprint(mac: &ChunkCipher, i: u64, chunk: &[u8]) -> [u8; FINGERPRINT_LEN] {
    let mut nonce = [0u8; 12];
    nonce[..8].copy_from_slice(&i.to_be_bytes());
    // Sealing an empty plaintext cannot fail; if it ever did, the all-zero print would match a real chunk's MAC only
    // with probability 2^-128, so a re-read would be refused, never wrongly accepted.
    mac.seal(nonce, chunk, &mut []).unwrap_or([0u8; FINGERPRINT_LEN])
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
        let mut buf = Zeroizing::new(vec![0u8; chunk_size + TAG_LEN]);
        if last_ct_len < TAG_LEN || (last_ct_len == TAG_LEN && chunks > 1) {
            // The chunks before the bad final one are checked first, and a final chunk shorter than a tag is
            // `Truncated`, as the in-memory opener reports them (found by the `envelope_open` fuzz target).
            check_chunks(&mut src, base, chunks - 1, (chunks, payload_len, chunk_ct), &cipher(&keys), &mut buf)?;
            return Err(if last_ct_len < TAG_LEN { Error::Truncated } else { Error::OpenFailed });
        }
        let plain_len = payload_len - chunks * TAG_LEN as u64;
        let mut pins = Pins::new(header.signer().map(|_| chunks))?;
        if let Some(vk) = header.signer() {
            let mut transcript = Sha256::new();
            transcript.update(header.sealed_context());
            src.seek(SeekFrom::Start(base))?;
            let mut left = payload_len;
            while left > 0 {
                let n = usize::try_from(left.min(chunk_ct)).map_err(|_| Error::OpenFailed)?;
                src.read_exact(&mut buf[..n]).map_err(truncated)?;
                transcript.update(&buf[..n]);
                pins.record(&buf[..n]);
                left -= n as u64;
            }
            let mut sig = [0u8; SIGNATURE_LEN];
            src.read_exact(&mut sig).map_err(truncated)?;
            if let Err(e) = verify_transcript(vk, transcript, &sig) {
                // docs/FORMAT.md section 9, step 8: the chunks are checked before the signature, so an altered chunk
                // is `OpenFailed` here as from the in-memory and stream openers (found by the `envelope_open` fuzz
                // target). Only on this error path: a good signature costs no second pass.
                check_chunks(&mut src, base, chunks, (chunks, payload_len, chunk_ct), &cipher(&keys), &mut buf)?;
                return Err(e);
            }
        }
        let report = StreamReport { len: plain_len, signer: header.signer().copied(), sender: dk.sender().cloned() };
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
            pins,
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
    pub fn report(&self) -> &StreamReport {
        &self.report
    }

    /// Decrypt chunk `i` into the buffer: its bytes are checked against the fingerprint kept when it was verified
    /// (or first read), then its tag, and only then decrypted.
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
        let first_read = self.pins.check(i, &self.buf[..len])?;
        self.buf_len = open_chunk(&self.aead, i, last, &mut self.buf[..len])?;
        if let Some(print) = first_read {
            self.pins.pin(i, print);
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use std::fs::{File, OpenOptions};
    use std::io::{Read, Seek, SeekFrom};
    use std::os::unix::fs::FileExt;

    use super::*;
    use crate::format::{self, EnvelopeOptions, Metadata, Recipient};
    use crate::keys::Kek;
    use crate::{Category, PurposeSet, Timestamp};

    const CS: usize = 64;

    fn plaintext() -> Vec<u8> {
        (0..CS * 4 + 9).map(|i| u8::try_from(i % 251).unwrap()).collect()
    }

    /// A sealed envelope written to a file, and what a co-recipient holds: the data key (unwrapped with a KEK they
    /// share) and so the payload key.
    struct Setup {
        _dir: tempfile::TempDir,
        path: std::path::PathBuf,
        header: Header,
        dk: DataKey,
        keys: KeySchedule,
    }

    fn setup(signed: bool) -> Setup {
        let kek = Kek::from_bytes([7; 32]);
        let signer = SigningKey::from_bytes([9; 32]);
        let mut meta =
            Metadata::new(Category::Evidence, PurposeSet::parse(&["investigation"]).unwrap(), Timestamp::from_unix(1));
        meta.chunk_size = u32::try_from(CS).unwrap();
        let mut opts = EnvelopeOptions::new(meta, vec![Recipient::Kek(&kek)]);
        if signed {
            opts = opts.with_signer(&signer);
        }
        let env = format::seal(&plaintext(), &opts).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("envelope");
        std::fs::write(&path, &env).unwrap();
        let header = format::parse_header(&env).unwrap();
        let dk = format::unwrap_with_kek(&header, &kek).unwrap();
        let keys = KeySchedule::derive(dk.expose(), header.object_id());
        Setup { _dir: dir, path, header, dk, keys }
    }

    /// The attack: chunk `i` of the file replaced by other plaintext encrypted under the same payload key and nonce,
    /// so that its tag verifies. Returns the substitute's plaintext.
    fn substitute(s: &Setup, i: u64) -> Vec<u8> {
        let forged = vec![b'X'; CS];
        let mut chunk = vec![0u8; CS + TAG_LEN];
        let (data, tag) = chunk.split_at_mut(CS);
        tag.copy_from_slice(&chunk_cipher(&s.keys).seal_to(nonce(i, false), &[], &forged, data).unwrap());
        // The substitute authenticates: a reader that only re-checks the AEAD would release it.
        let mut check = chunk.clone();
        assert_eq!(open_chunk(&cipher(&s.keys), i, false, &mut check).unwrap(), CS);
        assert_eq!(&check[..CS], &forged[..]);
        let at = s.header.len() as u64 + i * (CS + TAG_LEN) as u64;
        OpenOptions::new().write(true).open(&s.path).unwrap().write_all_at(&chunk, at).unwrap();
        forged
    }

    fn reader(s: &Setup) -> Reader<File> {
        let mut f = File::open(&s.path).unwrap();
        f.seek(SeekFrom::Start(s.header.len() as u64)).unwrap();
        Reader::new(&s.header, &s.dk, f, None).unwrap()
    }

    fn read_chunk(r: &mut Reader<File>, i: u64) -> io::Result<Vec<u8>> {
        r.seek(SeekFrom::Start(i * CS as u64))?;
        let mut out = vec![0u8; CS];
        r.read_exact(&mut out)?;
        Ok(out)
    }

    fn changed(e: &io::Error) -> Option<u64> {
        match e.get_ref()?.downcast_ref::<Error>()? {
            Error::EnvelopeChanged { chunk } => Some(*chunk),
            _ => None,
        }
    }

    #[test]
    fn a_signed_envelope_refuses_a_chunk_swapped_after_verification() {
        let s = setup(true);
        let pt = plaintext();
        let mut r = reader(&s); // the signature is verified here, over the file as it is now
        assert_eq!(read_chunk(&mut r, 0).unwrap(), pt[..CS]);
        // Chunk 2 was never read before the swap, chunk 1 was: both are refused.
        assert_eq!(read_chunk(&mut r, 1).unwrap(), pt[CS..2 * CS]);
        let forged1 = substitute(&s, 1);
        let forged2 = substitute(&s, 2);
        for i in [2, 1] {
            let mut out = vec![0u8; CS];
            r.seek(SeekFrom::Start(i * CS as u64)).unwrap();
            let e = r.read(&mut out).unwrap_err();
            assert_eq!(changed(&e), Some(i), "{e}");
            assert_eq!(out, vec![0u8; CS], "no plaintext of the substituted chunk is released");
            assert_ne!(out, forged1);
            assert_ne!(out, forged2);
        }
        // Unchanged chunks still read.
        assert_eq!(read_chunk(&mut r, 0).unwrap(), pt[..CS]);
        assert_eq!(read_chunk(&mut r, 3).unwrap(), pt[3 * CS..4 * CS]);
        // A new reader over the changed file fails the signature, as before.
        let mut f = File::open(&s.path).unwrap();
        f.seek(SeekFrom::Start(s.header.len() as u64)).unwrap();
        assert!(matches!(Reader::new(&s.header, &s.dk, f, None), Err(Error::SignatureInvalid)));
    }

    #[test]
    fn an_unsigned_envelope_keeps_each_chunk_as_first_read() {
        let s = setup(false);
        let pt = plaintext();
        let mut r = reader(&s);
        assert_eq!(read_chunk(&mut r, 1).unwrap(), pt[CS..2 * CS]);
        substitute(&s, 1);
        assert_eq!(read_chunk(&mut r, 0).unwrap(), pt[..CS]); // so that chunk 1 is read from the file again
        let e = read_chunk(&mut r, 1).unwrap_err();
        assert_eq!(changed(&e), Some(1), "{e}");
        // The limit: anyone with the data key can write an unsigned envelope whole, so a chunk not yet read when it
        // was replaced is taken as first read (and then kept).
        let forged = substitute(&s, 2);
        assert_eq!(read_chunk(&mut r, 2).unwrap(), forged);
        assert_eq!(read_chunk(&mut r, 0).unwrap(), pt[..CS]);
        assert_eq!(read_chunk(&mut r, 2).unwrap(), forged);
    }

    #[test]
    fn fingerprints_are_keyed_per_reader_and_cover_the_ciphertext() {
        let a = Pins::new(Some(1)).unwrap();
        let b = Pins::new(Some(1)).unwrap();
        let chunk = [5u8; CS + TAG_LEN];
        assert_ne!(a.fingerprint(0, &chunk), b.fingerprint(0, &chunk), "random key per reader");
        let mut other = chunk;
        other[0] ^= 1; // same tag, other ciphertext
        assert_ne!(a.fingerprint(0, &chunk), a.fingerprint(0, &other));
        assert_ne!(a.fingerprint(0, &chunk), a.fingerprint(1, &chunk), "bound to the chunk's index");
    }
}
