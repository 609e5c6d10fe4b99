//! The command line, declared with clap's derive API. `--help` on each command is its reference; docs/CLI.md
//! repeats it with examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
SECRETS: the keyring's passphrase never goes on the command line. It is read, first match wins, from
  --master-key-file FILE (32 raw bytes or 64 hex digits), --passphrase-file FILE (first line),
  the file named by $CUSTODIA_PASSPHRASE_FILE, the variable $CUSTODIA_PASSPHRASE, or a prompt on the terminal.
  `inspect`, `grant inspect`, `receipt verify`, `audit export` and `audit verify --key` need none.

EXIT CODES (by the class of the library's error code, docs/CLI.md):
  0 success    10 invalid input (1xx)    20 refused by policy (2xx)    30 envelope/format (3xx)
  40 key/keyring (4xx)    50 audit (5xx)    90 I/O or environment (9xx)    99 internal    64 usage
  The error's own code and name are printed on stderr (with --json, as a JSON object).";

const EXIT_SHORT: &str = "EXIT CODES: 0 ok, 10 invalid input, 20 refused by policy, 30 envelope/format, 40 key/keyring, \
50 audit, 90 I/O, 99 internal, 64 usage (see `custodia --help` and docs/CLI.md)";

/// The operator CLI of custodia: sealed, purpose-bound, audited handling of data exchanged under mutual legal
/// assistance.
#[derive(Debug, Parser)]
#[command(name = "custodia", version, about, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// The custodian directory (keyring, audit log).
    #[arg(long, env = "CUSTODIA_DIR", global = true)]
    pub(crate) dir: Option<PathBuf>,
    /// Read the keyring's passphrase from the first line of this file.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Unlock with a 32-byte master key from this file (raw, or 64 hex digits) instead of a passphrase.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) master_key_file: Option<PathBuf>,
    /// Who acts: the actor's id (recorded in the audit log).
    #[arg(long, env = "CUSTODIA_ACTOR", global = true)]
    pub(crate) actor: Option<String>,
    /// The actor's role.
    #[arg(long, env = "CUSTODIA_ROLE", global = true, default_value = "operator")]
    pub(crate) role: String,
    /// Where the actor acts (ISO 3166-1 alpha-2).
    #[arg(long, env = "CUSTODIA_JURISDICTION", global = true)]
    pub(crate) jurisdiction: Option<String>,
    /// The actor's clearance: public, restricted, confidential or secret.
    #[arg(long, env = "CUSTODIA_CLEARANCE", global = true)]
    pub(crate) clearance: Option<String>,
    /// Machine-readable output (JSON on stdout; errors as JSON on stderr).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// No progress bar.
    #[arg(long, short = 'q', global = true)]
    pub(crate) quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start a new custodian in --dir (keyring and audit log); prints its audit public key.
    Init(InitArgs),
    /// Generate a key in the keyring; prints its id (and its public text for key pairs).
    Keygen(KeygenArgs),
    /// Key management: list, show, rotate, destroy, legal holds, export and import public keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Seal data (stdin or FILE) into an envelope, streaming in constant memory.
    #[command(after_help = EXIT_SHORT)]
    Seal(SealArgs),
    /// Open an envelope for a stated purpose; the policy gate decides before any key is touched.
    #[command(after_help = EXIT_SHORT)]
    Open(OpenArgs),
    /// Show an envelope's bound metadata from its header; never decrypts, needs no keyring.
    #[command(after_help = EXIT_SHORT)]
    Inspect(InspectArgs),
    /// Record an envelope received from another authority (what receipts are issued about).
    Receive(ReceiveArgs),
    /// Change an envelope's recipients for a stated purpose, or move it off rotated keys.
    #[command(after_help = EXIT_SHORT)]
    Rewrap(RewrapArgs),
    /// Crypto-shred keys whose retention period has ended (legal holds respected).
    Shred(ShredArgs),
    /// The audit log: verify, checkpoint, export, anchors, counter-signatures.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Grants of the originator (onward transfer, purpose extension): issue, apply, inspect.
    #[command(subcommand)]
    Grant(GrantCommand),
    /// Disclosure receipts: issue, import, verify.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
}

/// `init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Argon2id memory for the passphrase, KiB (default 65536).
    #[arg(long, default_value_t = 64 * 1024)]
    pub(crate) kdf_memory_kib: u32,
    /// Argon2id passes (default 3).
    #[arg(long, default_value_t = 3)]
    pub(crate) kdf_passes: u32,
}

/// `keygen`.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Kind: kek (symmetric), x25519, xwing (post-quantum hybrid), ed25519 (signing).
    #[arg(long, default_value = "x25519")]
    pub(crate) kind: String,
    /// A label (for people); default: the kind.
    #[arg(long)]
    pub(crate) label: Option<String>,
    /// A per-case key (a KEK) for this case reference; the same case gives the same key.
    #[arg(long, conflicts_with = "kind")]
    pub(crate) case: Option<String>,
    /// Retention: the key is shredded by `shred --expired` from this time (YYYY-MM-DD, RFC 3339, @UNIX, +Nd).
    #[arg(long)]
    pub(crate) destroy_after: Option<String>,
}

/// `keys ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Every key, tombstones included.
    List,
    /// One key.
    Show {
        /// The key id.
        id: String,
    },
    /// Rotate a key: a new active key, the old one decrypt-only; prints the new id.
    Rotate {
        /// The key id.
        id: String,
    },
    /// Crypto-shred a key; writes its signed erasure certificate (JSON).
    Destroy {
        /// The key id.
        id: String,
        /// Why (recorded, and in the certificate).
        #[arg(long)]
        reason: String,
        /// Write the certificate here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Set or clear a key's retention deadline.
    Retention {
        /// The key id.
        id: String,
        /// YYYY-MM-DD, RFC 3339, @UNIX, +Nd, or `none`.
        #[arg(long)]
        destroy_after: String,
    },
    /// Legal holds: place, release, list.
    #[command(subcommand)]
    Hold(HoldCommand),
    /// Write a key's public part in text form, to hand to another authority.
    Export {
        /// The key id.
        id: String,
        /// Write here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Import another authority's public key (text form, FILE or stdin).
    Import(ImportArgs),
}

/// `keys import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The key's text form (`custodia-...-public:...`); stdin if none or `-`.
    pub(crate) input: Option<PathBuf>,
    /// A label.
    #[arg(long, default_value = "imported key")]
    pub(crate) label: String,
    /// Where the key's authority acts (ISO 3166-1 alpha-2).
    #[arg(long = "authority-jurisdiction", value_name = "XX")]
    pub(crate) authority_jurisdiction: String,
    /// The authority's name.
    #[arg(long)]
    pub(crate) authority: Option<String>,
    /// Nothing is sealed or shared to the key before this time.
    #[arg(long, requires = "authority")]
    pub(crate) valid_from: Option<String>,
    /// Nothing is sealed or shared to the key from this time.
    #[arg(long, requires = "authority")]
    pub(crate) valid_until: Option<String>,
}

/// `keys hold ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum HoldCommand {
    /// Place a legal hold on a case: none of its keys can be destroyed.
    Place {
        /// The case reference.
        #[arg(long)]
        case: String,
        /// The hold's reference (order, instruction).
        #[arg(long)]
        reference: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Release the legal hold on a case.
    Release {
        /// The case reference.
        #[arg(long)]
        case: String,
    },
    /// The legal holds in force.
    List,
}

/// `seal`.
#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// The data; stdin if none or `-`.
    pub(crate) input: Option<PathBuf>,
    /// Write the envelope here (`-` forces stdout, even a terminal).
    #[arg(short = 'o', long)]
    pub(crate) output: Option<PathBuf>,
    /// Armored text output (held in memory: for large data use binary).
    #[arg(short = 'a', long)]
    pub(crate) armor: bool,
    /// A purpose the data may be opened for (repeat for several).
    #[arg(long = "purpose", short = 'p', required = true)]
    pub(crate) purposes: Vec<String>,
    /// A recipient key id (repeat for several).
    #[arg(long = "recipient", short = 'r', required = true)]
    pub(crate) recipients: Vec<String>,
    /// The data's category (personal_identity, financial_records, evidence, ...).
    #[arg(long)]
    pub(crate) category: String,
    /// Raise the classification above the category's minimum.
    #[arg(long)]
    pub(crate) classification: Option<String>,
    /// The case the data belongs to.
    #[arg(long)]
    pub(crate) case: Option<String>,
    /// Where the data comes from (default: the actor's jurisdiction).
    #[arg(long)]
    pub(crate) origin: Option<String>,
    /// Where it may be opened (repeat for several).
    #[arg(long = "destination")]
    pub(crate) destinations: Vec<String>,
    /// When it expires (YYYY-MM-DD, RFC 3339, @UNIX, +Nd).
    #[arg(long)]
    pub(crate) expires: Option<String>,
    /// Sign with this Ed25519 key of the keyring.
    #[arg(long)]
    pub(crate) signer: Option<String>,
    /// Authenticate as this X25519 key of the keyring (HPKE auth mode).
    #[arg(long)]
    pub(crate) sender: Option<String>,
    /// The legal instrument: bilateral_treaty, european_investigation_order, multilateral_convention,
    /// letter_rogatory, other.
    #[arg(long)]
    pub(crate) instrument: Option<String>,
    /// The instrument's reference.
    #[arg(long, requires = "instrument")]
    pub(crate) instrument_reference: Option<String>,
    /// The transfer basis the instrument states.
    #[arg(long, requires = "instrument")]
    pub(crate) transfer_basis: Option<String>,
}

/// `open`.
#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// The envelope (binary or armored); stdin if none or `-`.
    pub(crate) input: Option<PathBuf>,
    /// Write the plaintext here (`-` forces stdout, even a terminal).
    #[arg(short = 'o', long)]
    pub(crate) output: Option<PathBuf>,
    /// The purpose the data is opened for (required).
    #[arg(long, short = 'p')]
    pub(crate) purpose: String,
    /// Open under an exception: court_order, consent, imminent_threat, legal_obligation, national_security,
    /// overriding_public_interest.
    #[arg(long, requires = "justification")]
    pub(crate) exception: Option<String>,
    /// The exception's reference (order number, consent record, provision).
    #[arg(long, requires = "exception")]
    pub(crate) reference: Option<String>,
    /// The written justification, as text or @FILE (recorded in the audit log).
    #[arg(long, requires = "exception")]
    pub(crate) justification: Option<String>,
    /// A second approver's approval (four eyes), as @FILE or text.
    #[arg(long)]
    pub(crate) approval: Option<String>,
    /// Require the envelope to be signed by this key.
    #[arg(long)]
    pub(crate) require_signer: Option<String>,
}

/// `inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The envelope (binary or armored); stdin if none or `-`. Only the header is read.
    pub(crate) input: Option<PathBuf>,
}

/// `receive`.
#[derive(Debug, Args)]
pub(crate) struct ReceiveArgs {
    /// The envelope; stdin if none or `-`.
    pub(crate) input: Option<PathBuf>,
}

/// `rewrap`.
#[derive(Debug, Args)]
pub(crate) struct RewrapArgs {
    /// The envelope (binary or armored); stdin if none or `-`.
    pub(crate) input: Option<PathBuf>,
    /// Write the new envelope here.
    #[arg(short = 'o', long)]
    pub(crate) output: Option<PathBuf>,
    /// Armored text output.
    #[arg(short = 'a', long)]
    pub(crate) armor: bool,
    /// Move every stanza of a rotated key to its newest successor (needs no purpose).
    #[arg(long, conflicts_with_all = ["purpose", "add", "remove", "grant"])]
    pub(crate) rotated: bool,
    /// The purpose the re-wrap is done for.
    #[arg(long, short = 'p', required_unless_present = "rotated")]
    pub(crate) purpose: Option<String>,
    /// Add a recipient key (repeat for several).
    #[arg(long)]
    pub(crate) add: Vec<String>,
    /// Remove a recipient key (repeat for several).
    #[arg(long)]
    pub(crate) remove: Vec<String>,
    /// Apply an originator's grant (armored file; repeat for several).
    #[arg(long)]
    pub(crate) grant: Vec<PathBuf>,
}

/// `shred`.
#[derive(Debug, Args)]
pub(crate) struct ShredArgs {
    /// Destroy every key whose retention deadline has passed (the only mode).
    #[arg(long, required = true)]
    pub(crate) expired: bool,
    /// Write the report (with the erasure certificates) here as JSON.
    #[arg(short = 'o', long)]
    pub(crate) output: Option<PathBuf>,
}

/// `audit ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify the audit log: offline with --key (no passphrase), else with the custodian's own key.
    Verify {
        /// The log (default: DIR/audit.log).
        #[arg(long)]
        log: Option<PathBuf>,
        /// The audit public key (`custodia-ed25519-public:...`), as text or @FILE.
        #[arg(long)]
        key: Option<String>,
        /// An anchor held by another authority (JSON file; repeat for several).
        #[arg(long)]
        anchor: Vec<PathBuf>,
        /// Verify the log in this PostgreSQL database instead (a libpq connection string; needs --key; feature
        /// `postgres`).
        #[cfg(feature = "postgres")]
        #[arg(long, conflicts_with = "log")]
        postgres: Option<String>,
    },
    /// Write a signed checkpoint now.
    Checkpoint,
    /// Export the log's entries.
    Export {
        /// As CSV (the only format).
        #[arg(long, required = true)]
        csv: bool,
        /// The log (default: DIR/audit.log).
        #[arg(long)]
        log: Option<PathBuf>,
        /// Only this case.
        #[arg(long)]
        case: Option<String>,
        /// Only this object id.
        #[arg(long)]
        object: Option<String>,
        /// Only this actor id.
        #[arg(long = "by")]
        by: Option<String>,
        /// Only this event kind (opened, sealed, refused, ...).
        #[arg(long)]
        kind: Option<String>,
        /// From this time.
        #[arg(long)]
        from: Option<String>,
        /// Until this time.
        #[arg(long)]
        until: Option<String>,
        /// Write here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Write (or reuse) a checkpoint and export it as an anchor (JSON) to hand to another authority; or, with
    /// --check, check an anchor received against an audit key.
    Anchor {
        /// Write the anchor here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Check this anchor (JSON file) instead of writing one.
        #[arg(long, requires = "key")]
        check: Option<PathBuf>,
        /// With --check: the audit public key of the anchor's log, as text or @FILE.
        #[arg(long)]
        key: Option<String>,
    },
    /// Counter-sign another custodian's anchor as a witness.
    Cosign {
        /// The anchor (JSON file).
        anchor: PathBuf,
        /// The other custodian's audit public key, as text or @FILE.
        #[arg(long)]
        their_key: String,
        /// The Ed25519 key of this keyring to witness with.
        #[arg(long)]
        witness: String,
        /// Write the counter-signed anchor here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Print this custodian's audit public key.
    Key,
    /// Merkle checkpoints, inclusion and consistency proofs (docs/AUDIT.md §12).
    #[command(subcommand)]
    Merkle(MerkleCommand),
}

/// `audit merkle ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum MerkleCommand {
    /// Write a checkpoint and export it as an anchor carrying the signed Merkle checkpoint (JSON).
    Checkpoint {
        /// Write the anchor here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Prove one entry: write an inclusion bundle (entry, audit path, signed checkpoint).
    Prove {
        /// The entry's sequence number.
        seq: u64,
        /// The tree size to prove it in (default: every entry written so far).
        #[arg(long)]
        size: Option<u64>,
        /// Write the bundle here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Verify an inclusion bundle and print its entry: offline with --key (no passphrase), else with the
    /// custodian's own audit key.
    VerifyProof {
        /// The bundle (text file).
        file: PathBuf,
        /// The audit public key of the bundle's log, as text or @FILE.
        #[arg(long)]
        key: Option<String>,
    },
    /// Prove that the log only grew: a consistency proof from tree size N1 to N2 with the signed checkpoint of N2.
    Consistency {
        /// The older tree size.
        n1: u64,
        /// The newer tree size.
        n2: u64,
        /// Write the proof here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

/// `grant ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum GrantCommand {
    /// Issue a grant (as the originator) for an envelope; writes it armored.
    Issue {
        /// The envelope's object id (hex, from `inspect`).
        #[arg(long)]
        object: String,
        /// The Ed25519 key that signed the envelope.
        #[arg(long)]
        signer: String,
        /// Onward transfer to this key of another authority.
        #[arg(long, conflicts_with = "extend_purpose", requires_all = ["authority", "authority_jurisdiction"])]
        onward_to: Option<String>,
        /// With --onward-to: the authority's name.
        #[arg(long)]
        authority: Option<String>,
        /// With --onward-to: where it acts.
        #[arg(long, value_name = "XX")]
        authority_jurisdiction: Option<String>,
        /// Purpose extension: a purpose to add (repeat for several).
        #[arg(long)]
        extend_purpose: Vec<String>,
        /// Valid until this time.
        #[arg(long)]
        not_after: String,
        /// The request it answers.
        #[arg(long)]
        reference: String,
        /// Write here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Apply a purpose extension grant to an envelope (re-issues its header).
    Apply {
        /// The envelope; stdin if none or `-`.
        input: Option<PathBuf>,
        /// The grant (armored file).
        #[arg(long)]
        grant: PathBuf,
        /// Write the new envelope here.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Armored text output.
        #[arg(short = 'a', long)]
        armor: bool,
    },
    /// Show a grant and check its signature (needs no keyring).
    Inspect {
        /// The grant (armored or binary); stdin if none or `-`.
        input: Option<PathBuf>,
    },
}

/// `receipt ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ReceiptCommand {
    /// Issue a disclosure receipt for an envelope received here; writes it armored.
    Issue {
        /// The envelope's object id (hex).
        #[arg(long)]
        object: String,
        /// The Ed25519 key to sign with.
        #[arg(long)]
        signer: String,
        /// Name the actors (ids) in the receipt.
        #[arg(long)]
        name_actors: bool,
        /// Include refusals.
        #[arg(long)]
        include_refusals: bool,
        /// Write here instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Import a receipt from a recipient authority (checked, kept, recorded).
    Import {
        /// The receipt (armored); stdin if none or `-`.
        input: Option<PathBuf>,
    },
    /// Verify a receipt's signature with the issuer's public key (needs no keyring).
    Verify {
        /// The receipt (armored); stdin if none or `-`.
        input: Option<PathBuf>,
        /// The issuer's public key, as text or @FILE.
        #[arg(long)]
        key: String,
    },
}
