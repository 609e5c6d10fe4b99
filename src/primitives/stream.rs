//! STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over ChaCha20-Poly1305, and the threads that run it.
//!
//! Each chunk is sealed under a payload key with nonce `counter (11 bytes BE) || last flag`, so chunks cannot be
//! dropped, duplicated, reordered, truncated or extended. A chunk's plaintext is written out only after its tag has
//! verified; on failure the buffer is zeroed.
//!
//! Bulk payloads use every core: an in-memory value is cut into contiguous runs of chunks, one per thread; a stream
//! goes through a bounded pipeline (this thread reads, workers seal or open chunks in place, this thread writes them
//! back in order). Chunk `i` always goes to worker `i mod n`, so results come back in order without a reorder
//! buffer, and at most a fixed number of chunk buffers exist at once whatever the stream's length. The bytes are
//! the same on any number of threads.
//!
//! This module knows chunks, not envelopes: the header, the key schedule and the signature trailer are `format/`'s.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::primitives::aead::ChunkCipher;

/// Length of a chunk's Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;

/// Fewest chunks worth handing to other threads (spawning one costs about as much as sealing a chunk).
const PARALLEL_MIN_CHUNKS: usize = 4;
/// Fewest bytes worth handing to other threads.
const PARALLEL_MIN_BYTES: usize = 256 * 1024;
/// Bytes of chunks a stream pipeline keeps in flight: enough to ride out the jitter of the calling thread's reads
/// and writes (a file system's writeback can hold up a `write` for milliseconds: with 4 chunks of 64 KiB in flight
/// instead of 32, a 512 MiB seal to ext4 here ran at 200-650 MB/s instead of a steady 550-620), few enough that
/// memory stays bounded whatever the stream's length.
const IN_FLIGHT_BYTES: usize = 2 << 20;

static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Limit the threads that sealing and opening a large payload use (this thread included). `0`, the default, means
/// one per CPU the process may run on; `1` keeps everything on the calling thread.
///
/// The envelope's bytes do not depend on this setting. It is process-wide: a host that runs many envelopes in
/// parallel itself may prefer `1`.
pub fn set_max_threads(threads: usize) {
    MAX_THREADS.store(threads, Ordering::Relaxed);
}

/// The threads that sealing and opening a large payload may use (see [`set_max_threads`]); at least 1.
#[must_use]
pub fn max_threads() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    match MAX_THREADS.load(Ordering::Relaxed) {
        0 => *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from)),
        n => n,
    }
}

/// Threads for `chunks` chunks totalling `bytes` bytes: 1 when not worth it.
pub(crate) fn threads_for(chunks: usize, bytes: usize) -> usize {
    if chunks < PARALLEL_MIN_CHUNKS || bytes < PARALLEL_MIN_BYTES { 1 } else { max_threads().min(chunks) }
}

/// The nonce of chunk `counter`: the counter (11 bytes, big-endian) and the last-chunk flag.
pub(crate) fn nonce(counter: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// The chunks of `data`: `size` bytes each, the last shorter; one empty chunk for empty data.
pub(crate) fn chunk_slices(data: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    data.chunks(size).chain(data.is_empty().then_some(empty))
}

/// Cut `chunks` chunks into `threads` contiguous runs: (first chunk index, input, output). Chunks are `in_step`
/// bytes apart in `input` and `out_step` bytes apart in `output`; the last chunk may be shorter.
pub(crate) fn split_runs<'i, 'o>(
    chunks: usize,
    threads: usize,
    (in_step, out_step): (usize, usize),
    mut input: &'i [u8],
    mut output: &'o mut [u8],
) -> Vec<(u64, &'i [u8], &'o mut [u8])> {
    let threads = threads.clamp(1, chunks.max(1));
    let mut runs = Vec::with_capacity(threads);
    let mut first = 0;
    for t in 0..threads {
        let n = chunks / threads + usize::from(t < chunks % threads);
        if t + 1 == threads {
            runs.push((first as u64, input, core::mem::take(&mut output)));
        } else {
            let (i, rest_i) = input.split_at(n * in_step);
            let (o, rest_o) = core::mem::take(&mut output).split_at_mut(n * out_step);
            runs.push((first as u64, i, o));
            input = rest_i;
            output = rest_o;
        }
        first += n;
    }
    runs
}

/// Run `f` on every run, all but the last on scoped threads; the first error wins.
pub(crate) fn run_parallel<F>(mut runs: Vec<(u64, &[u8], &mut [u8])>, f: F) -> Result<()>
where
    F: Fn(u64, &[u8], &mut [u8]) -> Result<()> + Sync,
{
    let Some((first, input, output)) = runs.pop() else { return Ok(()) };
    if runs.is_empty() {
        return f(first, input, output);
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = runs.into_iter().map(|(n, i, o)| s.spawn(move || f(n, i, o))).collect();
        let mut result = f(first, input, output);
        for h in handles {
            let r = h.join().unwrap_or_else(|_| Err(Error::Internal("payload worker panicked".into())));
            if result.is_ok() {
                result = r;
            }
        }
        result
    })
}

/// Open one chunk (ciphertext and tag) from `chunk` into `out` (exactly its plaintext length): the tag is checked
/// over the ciphertext in `chunk`, then the plaintext is written to `out`. On failure `out` is zeroed; it holds
/// plaintext only if the tag verified.
pub(crate) fn open_chunk_into(
    aead: &ChunkCipher,
    counter: u64,
    last: bool,
    chunk: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let n = chunk.len().checked_sub(TAG_LEN).ok_or(Error::Truncated)?;
    let (data, tag) = chunk.split_at(n);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::OpenFailed)?;
    if out.len() != n {
        return Err(Error::OpenFailed);
    }
    aead.open_to(nonce(counter, last), &[], data, out, tag)
}

/// Open one chunk (ciphertext and tag) in place; the plaintext length. On failure the chunk is zeroed.
pub(crate) fn open_chunk_in_place(aead: &ChunkCipher, counter: u64, last: bool, chunk: &mut [u8]) -> Result<usize> {
    let n = chunk.len().checked_sub(TAG_LEN).ok_or(Error::Truncated)?;
    let (data, tag) = chunk.split_at_mut(n);
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::OpenFailed)?;
    aead.open(nonce(counter, last), &[], data, tag)?;
    Ok(n)
}

/// One chunk travelling through the pipeline: its buffer, and what to do with how much of it.
pub(crate) struct Job {
    pub(crate) counter: u64,
    pub(crate) last: bool,
    /// Bytes of input in `buf` (plaintext when sealing, ciphertext and tag when opening).
    pub(crate) len: usize,
    pub(crate) buf: Zeroizing<Vec<u8>>,
    /// After the work: the output length (ciphertext and tag, or plaintext), or why it failed.
    pub(crate) done: Result<usize>,
}

/// The pipeline's workers, or none (everything on this thread). Chunk `i` goes to lane `i mod n` and comes back
/// from the same lane, so results arrive in submission order.
pub(crate) struct Lanes<'w> {
    jobs: Vec<mpsc::Sender<Job>>,
    results: Vec<mpsc::Receiver<Job>>,
    inline: VecDeque<Job>,
    work: &'w (dyn Fn(&mut Job) + Sync),
    submitted: u64,
    completed: u64,
}

impl Lanes<'_> {
    pub(crate) fn submit(&mut self, mut job: Job) -> Result<()> {
        if self.jobs.is_empty() {
            (self.work)(&mut job);
            self.inline.push_back(job);
        } else {
            let lane = usize::try_from(self.submitted % self.jobs.len() as u64).expect("lane index < lanes");
            self.jobs[lane].send(job).map_err(|_| Error::Internal("payload worker stopped".into()))?;
        }
        self.submitted += 1;
        Ok(())
    }

    pub(crate) fn in_flight(&self) -> u64 {
        self.submitted - self.completed
    }

    pub(crate) fn next(&mut self) -> Result<Job> {
        let job = if self.results.is_empty() {
            self.inline.pop_front().ok_or_else(|| Error::Internal("no chunk in flight".into()))?
        } else {
            let lane = usize::try_from(self.completed % self.results.len() as u64).expect("lane index < lanes");
            self.results[lane].recv().map_err(|_| Error::Internal("payload worker stopped".into()))?
        };
        self.completed += 1;
        Ok(job)
    }
}

/// Run `body` with `workers` pipeline workers doing `work` (none: `work` runs inline on submit). At most `depth`
/// chunks are in flight; `body` must respect that with [`Lanes::in_flight`].
pub(crate) fn with_lanes<T>(
    workers: usize,
    work: &(dyn Fn(&mut Job) + Sync),
    body: impl FnOnce(&mut Lanes<'_>) -> Result<T>,
) -> Result<T> {
    if workers == 0 {
        let mut lanes =
            Lanes { jobs: Vec::new(), results: Vec::new(), inline: VecDeque::new(), work, submitted: 0, completed: 0 };
        return body(&mut lanes);
    }
    std::thread::scope(|s| {
        let mut lanes = Lanes {
            jobs: Vec::with_capacity(workers),
            results: Vec::with_capacity(workers),
            inline: VecDeque::new(),
            work,
            submitted: 0,
            completed: 0,
        };
        for _ in 0..workers {
            let (job_tx, job_rx) = mpsc::channel::<Job>();
            let (done_tx, done_rx) = mpsc::channel::<Job>();
            s.spawn(move || {
                for mut job in job_rx {
                    work(&mut job);
                    if done_tx.send(job).is_err() {
                        break;
                    }
                }
            });
            lanes.jobs.push(job_tx);
            lanes.results.push(done_rx);
        }
        // Dropping the lanes closes the job channels: the workers finish and the scope joins them.
        body(&mut lanes)
    })
}

/// Pipeline workers for a stream whose first chunk is not its last, and how many chunks may be in flight.
///
/// This thread is itself busy reading and writing (for files, the kernel's copies cost about as much as the
/// cryptography), so it counts as one of the threads: with `n` threads allowed, `n - 1` workers seal or open.
pub(crate) fn pipeline_shape(first_is_last: bool, chunk_size: usize) -> (usize, u64) {
    let workers = max_threads().saturating_sub(1);
    let depth = (IN_FLIGHT_BYTES / chunk_size.max(1)).max(2 * workers);
    if first_is_last || workers == 0 { (0, 1) } else { (workers, depth as u64) }
}
