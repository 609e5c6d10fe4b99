//! Files and reports through the facade: atomic `seal_file`/`open_file` (a new 0600 file beside the destination,
//! renamed over it only on success, removed on failure) and the `describe` text report. Policy, keys and audit are
//! those of `seal_stream`, `open_stream` and `inspect`; this file owns only the file handling around them.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Custodian, EnvelopeInfo, Opened, SealOptions, Sealed};
use crate::error::{Error, Result};
use crate::exchange::{Grant, GrantScope};
use crate::policy::OpenRequest;
use crate::vocabulary::Actor;
use crate::vocabulary::sensitive::DataTag;

impl Custodian {
    /// Seal the file at `src_path` into an envelope file at `dst_path`, in constant memory, and record it. Returns
    /// the envelope's summary. `options.armor` is ignored (files are sealed binary, as streams).
    ///
    /// The envelope is written to a new file (mode 0600) beside `dst_path` and renamed over it only on success; on
    /// failure the partial file is removed and `dst_path` is untouched. `dst_path` may be `src_path` (sealing in
    /// place).
    ///
    /// # Errors
    /// As [`Custodian::seal_stream`]; [`Error::InvalidArgument`] when `dst_path` names no file; [`Error::Io`].
    pub fn seal_file(
        &self,
        actor: &Actor,
        tag: DataTag,
        options: &SealOptions,
        src_path: &Path,
        dst_path: &Path,
    ) -> Result<Sealed> {
        let mut input = File::open(src_path)?;
        let mut output = OutputFile::create(dst_path)?;
        let sealed = self.seal_stream(actor, tag, options, &mut input, output.file())?;
        output.finish()?;
        Ok(sealed)
    }

    /// Open the envelope file at `src_path` into a plaintext file at `dst_path`, chunk by chunk in constant memory,
    /// each chunk written only after it authenticates. Returns what is known about the envelope.
    ///
    /// The plaintext is written to a new file (mode 0600) beside `dst_path` and renamed over it only when
    /// everything (signature included) has checked; on any failure the partial file is removed and `dst_path` is
    /// untouched.
    ///
    /// # Errors
    /// As [`Custodian::open_stream`]; [`Error::InvalidArgument`] when `dst_path` names no file; [`Error::Io`].
    pub fn open_file(&self, request: &OpenRequest, src_path: &Path, dst_path: &Path) -> Result<Opened<()>> {
        let mut input = File::open(src_path)?;
        let mut output = OutputFile::create(dst_path)?;
        let opened = self.open_stream(request, &mut input, output.file())?;
        output.finish()?;
        Ok(opened)
    }

    /// Describe an envelope's bound metadata as text, one `name: value` per line (object, category, classification,
    /// purposes, case, origin, destinations, created, not_after, recipients, signer, instrument, instrument_reference,
    /// transfer_basis; `-` for none). Needs no key,
    /// makes no policy decision and is not audited, as [`Custodian::inspect`].
    ///
    /// # Errors
    /// As [`Custodian::inspect`].
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
    /// # let records = Sensitive::new(b"IBAN NL91ABNA0417164300".to_vec(), Category::FinancialRecords);
    /// # let envelope = custodian
    /// #     .seal(&jan, &records, &SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![team_key]))?
    /// #     .envelope;
    /// let text = custodian.describe(&envelope)?;
    /// assert!(text.contains("financial_records"));
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn describe(&self, envelope: &[u8]) -> Result<String> {
        Ok(self.inspect(envelope)?.describe())
    }
}

impl EnvelopeInfo {
    /// This metadata as text, one `name: value` per line, exactly as [`Custodian::describe`] gives it (which is this
    /// on [`Custodian::inspect`]); with [`EnvelopeInfo::from_header`], a reader without a keyring describes an
    /// envelope too (the operator CLI's `custodia inspect`).
    #[must_use]
    pub fn describe(&self) -> String {
        let i = self;
        let list = |v: Vec<String>| if v.is_empty() { "-".to_owned() } else { v.join(", ") };
        format!(
            "object: {}\ncategory: {}\nclassification: {}\npurposes: {}\ncase: {}\norigin: {}\ndestinations: {}\n\
             created: {}\nnot_after: {}\nrecipients: {}\nsigner: {}\n",
            i.object_id,
            i.category,
            i.classification,
            i.purposes,
            i.case_ref.as_ref().map_or("-".to_owned(), ToString::to_string),
            i.origin.map_or("-".to_owned(), |j| j.to_string()),
            list(i.destinations.iter().map(ToString::to_string).collect()),
            i.created,
            i.not_after.map_or("-".to_owned(), |t| t.to_string()),
            list(i.recipients.iter().map(ToString::to_string).collect()),
            i.signer.map_or("-".to_owned(), |k| k.to_string()),
        ) + &format!(
            "instrument: {}\ninstrument_reference: {}\ntransfer_basis: {}\n",
            i.instrument.as_ref().map_or("-", |x| x.kind().name()),
            i.instrument.as_ref().and_then(|x| x.reference()).unwrap_or("-"),
            i.instrument.as_ref().and_then(|x| x.transfer_basis()).unwrap_or("-"),
        ) + &i.grants.iter().map(grant_line).collect::<String>()
    }
}

/// An output file written beside its destination and renamed over it only on success, so that a failed seal or
/// open leaves no partial envelope or plaintext, and leaves an existing destination (even the source itself) as it
/// was.
struct OutputFile<'a> {
    path: &'a Path,
    temp: PathBuf,
    file: Option<File>,
}

impl<'a> OutputFile<'a> {
    fn create(path: &'a Path) -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name =
            path.file_name().ok_or_else(|| Error::InvalidArgument("dst_path: names no file".into()))?.to_string_lossy();
        let unique = format!(".{name}.{}-{}.custodia-tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let temp = path.with_file_name(unique);
        // `create_new` (O_EXCL) never follows or replaces an existing file or symlink.
        let file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        Ok(Self { path, temp, file: Some(file) })
    }

    fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("the file is present until `finish` or drop")
    }

    fn finish(mut self) -> Result<()> {
        let mut file = self.file.take().expect("the file is present until `finish` or drop");
        let synced = file.flush().and_then(|()| file.sync_all());
        drop(file);
        // The partial file goes on any failure here too (the file is taken, so `drop` will not remove it).
        if let Err(e) = synced.and_then(|()| fs::rename(&self.temp, self.path)) {
            let _ = fs::remove_file(&self.temp);
            return Err(e.into());
        }
        Ok(())
    }
}

impl Drop for OutputFile<'_> {
    fn drop(&mut self) {
        // Still here: the operation failed; remove the partial output.
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// One `grant:` line of [`Custodian::describe`]: id, scope, expiry and reference, as the header carries it.
fn grant_line(g: &Grant) -> String {
    let scope = match g.scope() {
        GrantScope::OnwardTransfer { authority, jurisdiction, key_id } => {
            format!("onward_transfer to {authority} ({jurisdiction}, key {key_id})")
        }
        GrantScope::PurposeExtension(purposes) => format!("purpose_extension {purposes}"),
    };
    format!("grant: {} {scope} until {} ({})\n", g.id(), g.not_after(), g.reference())
}
