//! Where bytes come from and go to: stdin/stdout by default, files with `-o`, never binary to a terminal, output
//! files written beside their destination and renamed over it only on success, progress on stderr only when it is a
//! terminal, and secrets (the keyring's passphrase) from a prompt, a file or the environment, never from the command
//! line.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use custodia_core::{Error, Unlock, zeroize::Zeroizing};

use crate::Failure;

/// Environment variable holding the keyring's passphrase.
pub(crate) const PASSPHRASE_ENV: &str = "CUSTODIA_PASSPHRASE";
/// Environment variable naming a file whose first line is the keyring's passphrase.
pub(crate) const PASSPHRASE_FILE_ENV: &str = "CUSTODIA_PASSPHRASE_FILE";

/// Whether to refuse writing `binary` output to standard output: only when it is binary, goes to standard output
/// because no `-o` was given, and standard output is a terminal (age's rule: a terminal mangles binary, and a
/// screen is no place for an envelope). `-o -` forces standard output.
pub(crate) fn refuse_binary_to_terminal(binary: bool, explicit_output: bool, stdout_is_terminal: bool) -> bool {
    binary && !explicit_output && stdout_is_terminal
}

/// An input: a file, or standard input for none or `-`.
pub(crate) fn open_input(path: Option<&Path>) -> Result<(Box<dyn BufRead>, Option<u64>), Failure> {
    match path {
        None => Ok((Box::new(io::stdin().lock()), None)),
        Some(p) if p.as_os_str() == "-" => Ok((Box::new(io::stdin().lock()), None)),
        Some(p) => {
            let f = File::open(p).map_err(|e| Failure::file(p, e))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(BufReader::with_capacity(1 << 16, f)), len))
        }
    }
}

/// Read a whole input (for the in-memory verbs: armor, rewrap, grants, receipts).
pub(crate) fn read_all(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    let (mut src, _) = open_input(path)?;
    let mut buf = Vec::new();
    src.read_to_end(&mut buf).map_err(|e| Failure::Custodia(Error::Io(e)))?;
    Ok(buf)
}

/// Read a small text file named by the user (keys, anchors, grants, receipts, justifications).
pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        io::stdin().read_to_end(&mut b).map_err(|e| Failure::Custodia(Error::Io(e)))?;
        b
    } else {
        fs::read(path).map_err(|e| Failure::file(path, e))?
    };
    String::from_utf8(bytes).map_err(|_| Failure::Usage(format!("{}: not UTF-8 text", path.display())))
}

/// A value given as `@FILE` (its contents, trimmed) or as text.
pub(crate) fn text_or_file(value: &str) -> Result<String, Failure> {
    match value.strip_prefix('@') {
        Some(path) => Ok(read_text(Path::new(path))?.trim().to_owned()),
        None => Ok(value.to_owned()),
    }
}

/// Where output goes: standard output, or a file written atomically.
pub(crate) enum Output {
    /// Standard output, buffered.
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    /// A file, committed by [`Output::finish`].
    File(AtomicFile),
}

impl Output {
    /// Output for `-o PATH` (`-` is standard output), or standard output; refuses binary to a terminal.
    pub(crate) fn open(path: Option<&Path>, binary: bool) -> Result<Self, Failure> {
        match path {
            Some(p) if p.as_os_str() != "-" => Ok(Self::File(AtomicFile::create(p)?)),
            _ => {
                if refuse_binary_to_terminal(binary, path.is_some(), io::stdout().is_terminal()) {
                    return Err(Failure::Usage(
                        "refusing to write binary output to a terminal: use -o FILE, -a (armor), or -o - to force"
                            .into(),
                    ));
                }
                Ok(Self::Stdout(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())))
            }
        }
    }

    /// Flush, and for a file, sync it and rename it over its destination.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        match self {
            Self::Stdout(mut w) => w.flush().map_err(|e| Failure::Custodia(Error::Io(e))),
            Self::File(f) => f.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Stdout(w) => w.write(buf),
            Self::File(f) => f.file.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Stdout(w) => w.flush(),
            Self::File(f) => f.file.flush(),
        }
    }
}

/// A file written under a private temporary name beside its destination (mode 0600, never following or replacing
/// an existing file), renamed over the destination only by [`AtomicFile::commit`]; dropped uncommitted, the
/// temporary file is removed, so a failed seal or open leaves no partial envelope or plaintext.
pub(crate) struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    file: io::BufWriter<File>,
    committed: bool,
}

impl AtomicFile {
    fn create(path: &Path) -> Result<Self, Failure> {
        let name = path.file_name().ok_or_else(|| Failure::Usage(format!("{}: names no file", path.display())))?;
        let temp = path.with_file_name(format!(".{}.{}.custodia-tmp", name.to_string_lossy(), std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|e| Failure::file(&temp, e))?;
        Ok(Self { path: path.to_owned(), temp, file: io::BufWriter::with_capacity(1 << 16, file), committed: false })
    }

    fn commit(mut self) -> Result<(), Failure> {
        self.file.flush().map_err(|e| Failure::file(&self.temp, e))?;
        self.file.get_ref().sync_all().map_err(|e| Failure::file(&self.temp, e))?;
        fs::rename(&self.temp, &self.path).map_err(|e| Failure::file(&self.path, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Where the keyring's secret comes from, first match wins: `--master-key-file`, `--passphrase-file`,
/// `CUSTODIA_PASSPHRASE_FILE`, `CUSTODIA_PASSPHRASE`, then a prompt on the terminal (`/dev/tty`). `confirm` asks twice
/// (a new keyring).
pub(crate) fn unlock(
    master_key_file: Option<&Path>,
    passphrase_file: Option<&Path>,
    confirm: bool,
) -> Result<Unlock, Failure> {
    if let Some(p) = master_key_file {
        let raw = Zeroizing::new(fs::read(p).map_err(|e| Failure::file(p, e))?);
        let text = std::str::from_utf8(&raw).ok().map(str::trim).filter(|t| t.len() == 64);
        return match text {
            Some(hex) => {
                let mut key = Zeroizing::new([0_u8; 32]);
                for (i, b) in key.iter_mut().enumerate() {
                    *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16).map_err(|_| {
                        Failure::Usage(format!("{}: a master key is 32 raw bytes or 64 hex digits", p.display()))
                    })?;
                }
                Ok(Unlock::master_key_from_slice(&key[..])?)
            }
            None => Ok(Unlock::master_key_from_slice(&raw)?),
        };
    }
    let from_file =
        passphrase_file.map(Path::to_owned).or_else(|| std::env::var_os(PASSPHRASE_FILE_ENV).map(PathBuf::from));
    if let Some(p) = from_file {
        let text = Zeroizing::new(fs::read_to_string(&p).map_err(|e| Failure::file(&p, e))?);
        let first = text.lines().next().unwrap_or("");
        return Ok(Unlock::passphrase(first));
    }
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        let p = Zeroizing::new(p);
        return Ok(Unlock::passphrase(&p));
    }
    let prompt = |text: &str| {
        rpassword::prompt_password(text).map(Zeroizing::new).map_err(|_| {
            Failure::Usage(format!(
                "no passphrase: no terminal to prompt on; set {PASSPHRASE_ENV}, {PASSPHRASE_FILE_ENV} or \
                 --passphrase-file"
            ))
        })
    };
    let first = prompt("custodia keyring passphrase: ")?;
    if confirm {
        let again = prompt("again: ")?;
        if *first != *again {
            return Err(Failure::Usage("the passphrases differ".into()));
        }
    }
    Ok(Unlock::passphrase(&first))
}

/// A reader that reports the bytes it passes to a progress bar on stderr (only drawn when stderr is a terminal).
pub(crate) struct Progress<R> {
    inner: R,
    bar: Option<indicatif::ProgressBar>,
}

impl<R: Read> Progress<R> {
    /// Progress over `inner`, a bar of `len` bytes when known, a counter otherwise; hidden unless stderr is a
    /// terminal (or when `quiet`).
    pub(crate) fn new(inner: R, len: Option<u64>, quiet: bool) -> Self {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = match len {
                Some(n) => indicatif::ProgressBar::new(n),
                None => indicatif::ProgressBar::new_spinner(),
            };
            let style = match len {
                Some(_) => "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                None => "{spinner} {bytes} {bytes_per_sec}",
            };
            if let Ok(s) = indicatif::ProgressStyle::with_template(style) {
                bar.set_style(s);
            }
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar
        });
        Self { inner, bar }
    }

    /// Remove the bar.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = &self.bar {
            b.inc(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_goes_to_a_terminal_only_when_forced() {
        // Binary, no -o, a terminal: refused.
        assert!(refuse_binary_to_terminal(true, false, true));
        // `-o -` forces it; a pipe or file is fine; text (armor, JSON) is fine.
        assert!(!refuse_binary_to_terminal(true, true, true));
        assert!(!refuse_binary_to_terminal(true, false, false));
        assert!(!refuse_binary_to_terminal(false, false, true));
    }

    #[test]
    fn an_uncommitted_output_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dst = dir.path().join("out.bin");
        let mut f = AtomicFile::create(&dst).expect("create");
        f.file.write_all(b"partial plaintext").expect("write");
        drop(f);
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 0);
        let mut f = AtomicFile::create(&dst).expect("create");
        f.file.write_all(b"whole").expect("write");
        f.commit().expect("commit");
        assert_eq!(fs::read(&dst).expect("read"), b"whole");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
