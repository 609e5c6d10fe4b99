// Typed exceptions for custodia's status codes, and the one function that throws them. Messages come verbatim from
// custodia_last_error_message() of the calling thread, read right after the failing call; they never contain plaintext
// or key material. One class per status code, under one base class per family (1xx invalid input, 2xx refusal by
// policy, 3xx envelope, 4xx keyring, 5xx audit, 9xx environment), as the Python binding's _errors.py maps them.
using System;
using Custodia.Raw;

namespace Custodia
{
    /// <summary>Base of every error custodia reports: <see cref="Code"/> is the stable status code, <see cref="Message"/>
    /// the library's text of the calling thread.</summary>
    public class CustodiaException : Exception
    {
        public uint Code { get; private set; }

        public CustodiaException(uint code, string message) : base(message)
        {
            Code = code;
        }

        /// <summary>The stable snake_case name of the code ("purpose_not_permitted").</summary>
        public string StatusName { get { return Status.Name(Code); } }

        /// <summary>Whether this is a decision by policy (recorded in the audit log), not a fault.</summary>
        public bool IsRefusal { get { return Status.IsRefusal(Code); } }

        public override string ToString()
        {
            return GetType().FullName + ": " + (Message.Length > 0 ? Message + " " : "") + "[" + Code + " " + StatusName + "]";
        }
    }

    /// <summary>100: an argument was malformed; the message names the argument and the rule.</summary>
    public class InvalidArgumentException : CustodiaException
    {
        public InvalidArgumentException(uint code, string message) : base(code, message) { }
    }
    /// <summary>101: a purpose does not follow the purpose grammar.</summary>
    public class InvalidPurposeException : InvalidArgumentException
    {
        public InvalidPurposeException(uint code, string message) : base(code, message) { }
    }
    /// <summary>102: more than 32 purposes.</summary>
    public class TooManyPurposesException : InvalidArgumentException
    {
        public TooManyPurposesException(uint code, string message) : base(code, message) { }
    }
    /// <summary>103: no purpose where at least one is required.</summary>
    public class NoPurposeException : InvalidArgumentException
    {
        public NoPurposeException(uint code, string message) : base(code, message) { }
    }
    /// <summary>104: not an assigned ISO 3166-1 alpha-2 code.</summary>
    public class InvalidJurisdictionException : InvalidArgumentException
    {
        public InvalidJurisdictionException(uint code, string message) : base(code, message) { }
    }
    /// <summary>105: a classification below the minimum its category allows.</summary>
    public class ClassificationBelowMinimumException : InvalidArgumentException
    {
        public ClassificationBelowMinimumException(uint code, string message) : base(code, message) { }
    }
    /// <summary>106: an exception (court order, consent, ...) lacks its reference or a sufficient justification.</summary>
    public class InvalidExceptionGroundException : InvalidArgumentException
    {
        public InvalidExceptionGroundException(uint code, string message) : base(code, message) { }
    }
    /// <summary>107: an unknown category, classification or other enumerated code.</summary>
    public class UnknownCodeException : InvalidArgumentException
    {
        public UnknownCodeException(uint code, string message) : base(code, message) { }
    }
    /// <summary>108: the access policy (file or text) is invalid; the message gives the line and column.</summary>
    public class PolicyInvalidException : InvalidArgumentException
    {
        public PolicyInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>109: the caller's output buffer is too small; nothing was written (the message gives the size needed).</summary>
    public class BufferTooSmallException : InvalidArgumentException
    {
        public BufferTooSmallException(uint code, string message) : base(code, message) { }
    }
    /// <summary>110: the call conflicts with recorded state: a legal hold placed twice or released without one, a key already</summary>
    public class ConflictException : InvalidArgumentException
    {
        public ConflictException(uint code, string message) : base(code, message) { }
    }
    /// <summary>120: a required argument was missing (NULL).</summary>
    public class NullPointerException : InvalidArgumentException
    {
        public NullPointerException(uint code, string message) : base(code, message) { }
    }
    /// <summary>121: text that is not valid UTF-8.</summary>
    public class InvalidUtf8Exception : InvalidArgumentException
    {
        public InvalidUtf8Exception(uint code, string message) : base(code, message) { }
    }
    /// <summary>122: the object was closed (freed), or never valid.</summary>
    public class InvalidHandleException : InvalidArgumentException
    {
        public InvalidHandleException(uint code, string message) : base(code, message) { }
    }
    /// <summary>A refusal by policy: a decision, recorded in the audit log, that says exactly which rule refused.</summary>
    public class RefusedException : CustodiaException
    {
        public RefusedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>200: the stated purpose is not among (or under) the purposes the data was given for.</summary>
    public class PurposeNotPermittedException : RefusedException
    {
        public PurposeNotPermittedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>201: the envelope's not-after time has passed.</summary>
    public class ExpiredException : RefusedException
    {
        public ExpiredException(uint code, string message) : base(code, message) { }
    }
    /// <summary>202: the actor's jurisdiction is not one the data may be opened in.</summary>
    public class JurisdictionNotPermittedException : RefusedException
    {
        public JurisdictionNotPermittedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>203: the actor's clearance is below the data's classification.</summary>
    public class ClearanceInsufficientException : RefusedException
    {
        public ClearanceInsufficientException(uint code, string message) : base(code, message) { }
    }
    /// <summary>204: the key needed was destroyed (crypto-shredded).</summary>
    public class KeyDestroyedException : RefusedException
    {
        public KeyDestroyedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>205: a legal hold blocks destroying this key or case.</summary>
    public class LegalHoldException : RefusedException
    {
        public LegalHoldException(uint code, string message) : base(code, message) { }
    }
    /// <summary>206: a signature by a specific signer was required but the envelope was signed by another key or not at all.</summary>
    public class SignerMismatchException : RefusedException
    {
        public SignerMismatchException(uint code, string message) : base(code, message) { }
    }
    /// <summary>207: adding another authority's key (sharing) needs the purpose mla.execution (or one under it), granted</summary>
    public class TransferNotPermittedException : RefusedException
    {
        public TransferNotPermittedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>208: the other authority whose key was to be added acts in a jurisdiction the envelope does not permit.</summary>
    public class RecipientNotPermittedException : RefusedException
    {
        public RecipientNotPermittedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>209: the other authority's key was imported without a jurisdiction; import it again with one.</summary>
    public class RecipientJurisdictionUnknownException : RefusedException
    {
        public RecipientJurisdictionUnknownException(uint code, string message) : base(code, message) { }
    }
    /// <summary>210: need-to-know: the access policy assigns case teams and the actor is not on the envelope's case.</summary>
    public class NotOnCaseException : RefusedException
    {
        public NotOnCaseException(uint code, string message) : base(code, message) { }
    }
    /// <summary>211: need-to-know: the actor's role may not open this category, or for this purpose.</summary>
    public class RoleNotPermittedException : RefusedException
    {
        public RoleNotPermittedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>212: a transfer rule of the access policy refuses this category going to this jurisdiction.</summary>
    public class TransferRefusedException : RefusedException
    {
        public TransferRefusedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>213: a transfer rule needs a stated legal basis (a legal instrument with a transfer basis) and there is none.</summary>
    public class LegalBasisRequiredException : RefusedException
    {
        public LegalBasisRequiredException(uint code, string message) : base(code, message) { }
    }
    /// <summary>214: four eyes: an exception on this data needs a second approver's valid approval; the message says why.</summary>
    public class ApprovalRequiredException : RefusedException
    {
        public ApprovalRequiredException(uint code, string message) : base(code, message) { }
    }
    /// <summary>217: the other authority's key was revoked; nothing new is sealed or shared to it.</summary>
    public class KeyRevokedException : RefusedException
    {
        public KeyRevokedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>218: sealing for another authority's key needs the envelope's destinations to name its jurisdiction; the</summary>
    public class DestinationRequiredException : RefusedException
    {
        public DestinationRequiredException(uint code, string message) : base(code, message) { }
    }
    /// <summary>219: the key was marked compromised; it seals, signs and receives nothing new.</summary>
    public class KeyCompromisedException : RefusedException
    {
        public KeyCompromisedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>215: an onward transfer (adding another authority's key) by a custodian that is not the envelope's</summary>
    public class OnwardTransferNotGrantedException : RefusedException
    {
        public OnwardTransferNotGrantedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>216: a purpose extension without a valid grant of the originator; the message says which check failed.</summary>
    public class PurposeExtensionNotGrantedException : RefusedException
    {
        public PurposeExtensionNotGrantedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>220: a disclosure receipt names an object this custodian never sealed or shared (import) or never received</summary>
    public class ReceiptNotApplicableException : RefusedException
    {
        public ReceiptNotApplicableException(uint code, string message) : base(code, message) { }
    }
    /// <summary>An envelope could not be read or opened.</summary>
    public class EnvelopeException : CustodiaException
    {
        public EnvelopeException(uint code, string message) : base(code, message) { }
    }
    /// <summary>300: not a custodia envelope, or not a well-formed one.</summary>
    public class MalformedException : EnvelopeException
    {
        public MalformedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>301: an envelope format version this library does not support.</summary>
    public class UnsupportedVersionException : EnvelopeException
    {
        public UnsupportedVersionException(uint code, string message) : base(code, message) { }
    }
    /// <summary>302: a cipher suite this library does not support.</summary>
    public class UnsupportedSuiteException : EnvelopeException
    {
        public UnsupportedSuiteException(uint code, string message) : base(code, message) { }
    }
    /// <summary>303: the input ended before the structure it declared.</summary>
    public class TruncatedException : EnvelopeException
    {
        public TruncatedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>304: a declared size exceeds one of the format's limits.</summary>
    public class LimitExceededException : EnvelopeException
    {
        public LimitExceededException(uint code, string message) : base(code, message) { }
    }
    /// <summary>305: a critical header field this library does not know.</summary>
    public class UnknownCriticalFieldException : EnvelopeException
    {
        public UnknownCriticalFieldException(uint code, string message) : base(code, message) { }
    }
    /// <summary>306: the envelope failed authentication (deliberately nothing more).</summary>
    public class OpenFailedException : EnvelopeException
    {
        public OpenFailedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>307: none of the available keys is a recipient of the envelope.</summary>
    public class NoMatchingRecipientException : EnvelopeException
    {
        public NoMatchingRecipientException(uint code, string message) : base(code, message) { }
    }
    /// <summary>308: the envelope's signature does not verify.</summary>
    public class SignatureInvalidException : EnvelopeException
    {
        public SignatureInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>309: the armored text form is malformed.</summary>
    public class ArmorException : EnvelopeException
    {
        public ArmorException(uint code, string message) : base(code, message) { }
    }
    /// <summary>310: a seekable reader found a chunk changed since it was verified (the source was modified while open).</summary>
    public class EnvelopeChangedException : EnvelopeException
    {
        public EnvelopeChangedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>311: an approval's text is malformed (not a canonical custodia-approval).</summary>
    public class ApprovalInvalidException : EnvelopeException
    {
        public ApprovalInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>312: bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor).</summary>
    public class GrantInvalidException : EnvelopeException
    {
        public GrantInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>313: a disclosure receipt is malformed, oversized, or its signature does not verify.</summary>
    public class ReceiptInvalidException : EnvelopeException
    {
        public ReceiptInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>314: a disclosure receipt is signed by a key that is not the one expected (not an imported public signing key</summary>
    public class ReceiptIssuerUnknownException : EnvelopeException
    {
        public ReceiptIssuerUnknownException(uint code, string message) : base(code, message) { }
    }
    /// <summary>A key or keyring problem.</summary>
    public class KeyringException : CustodiaException
    {
        public KeyringException(uint code, string message) : base(code, message) { }
    }
    /// <summary>400: no key with this id is known. Also a :class:`LookupError`, as a missing key is a failed lookup.</summary>
    public class KeyNotFoundException : KeyringException
    {
        public KeyNotFoundException(uint code, string message) : base(code, message) { }
    }
    /// <summary>401: the key may not be used for this (e.g. a decrypt-only key asked to seal).</summary>
    public class KeyStateException : KeyringException
    {
        public KeyStateException(uint code, string message) : base(code, message) { }
    }
    /// <summary>402: the keyring could not be unlocked: wrong passphrase or master key.</summary>
    public class WrongPassphraseException : KeyringException
    {
        public WrongPassphraseException(uint code, string message) : base(code, message) { }
    }
    /// <summary>403: the keyring file is corrupt.</summary>
    public class KeyringCorruptException : KeyringException
    {
        public KeyringCorruptException(uint code, string message) : base(code, message) { }
    }
    /// <summary>404: a keyring file version this library does not know.</summary>
    public class KeyringVersionException : KeyringException
    {
        public KeyringVersionException(uint code, string message) : base(code, message) { }
    }
    /// <summary>405: a key in text form is malformed or fails its checksum.</summary>
    public class InvalidKeyTextException : KeyringException
    {
        public InvalidKeyTextException(uint code, string message) : base(code, message) { }
    }
    /// <summary>406: Argon2id costs outside the accepted range, in the keyring file (refused before any derivation) or asked</summary>
    public class KdfParamsOutOfRangeException : KeyringException
    {
        public KdfParamsOutOfRangeException(uint code, string message) : base(code, message) { }
    }
    /// <summary>407: no custodian (directory or keyring) at the path given, and create=True was not passed.</summary>
    public class CustodianNotFoundException : KeyringException
    {
        public CustodianNotFoundException(uint code, string message) : base(code, message) { }
    }
    /// <summary>408: the other authority's key is outside the validity period it was imported with.</summary>
    public class KeyNotValidException : KeyringException
    {
        public KeyNotValidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>409: a key provider (an HSM over PKCS#11, a host's KMS) could not be reached; nothing was wrapped or</summary>
    public class ProviderUnavailableException : KeyringException
    {
        public ProviderUnavailableException(uint code, string message) : base(code, message) { }
    }
    /// <summary>410: a key provider was reached but failed or refused the operation.</summary>
    public class ProviderFailedException : KeyringException
    {
        public ProviderFailedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>An audit log problem.</summary>
    public class AuditException : CustodiaException
    {
        public AuditException(uint code, string message) : base(code, message) { }
    }
    /// <summary>500: an audit event could not be durably recorded, so the operation was refused (fail closed).</summary>
    public class AuditWriteFailedException : AuditException
    {
        public AuditWriteFailedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>501: the audit log is malformed.</summary>
    public class AuditMalformedException : AuditException
    {
        public AuditMalformedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>502: audit verification found the log altered.</summary>
    public class AuditTamperedException : AuditException
    {
        public AuditTamperedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>503: the log (or certificate, or anchor) was signed by another audit key than the one given.</summary>
    public class AuditWrongKeyException : AuditException
    {
        public AuditWrongKeyException(uint code, string message) : base(code, message) { }
    }
    /// <summary>506: the custodian was closed (its closing checkpoint written): it records nothing more and touches no key.</summary>
    public class CustodianClosedException : AuditException
    {
        public CustodianClosedException(uint code, string message) : base(code, message) { }
    }
    /// <summary>507: an audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the</summary>
    public class AnchorInvalidException : AuditException
    {
        public AnchorInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>508: a Merkle inclusion or consistency proof does not verify: the entry is not the one at that index of that</summary>
    public class MerkleProofInvalidException : AuditException
    {
        public MerkleProofInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>509: a Merkle checkpoint or proof bundle is malformed, not signed by the audit key given, or of another</summary>
    public class CheckpointInvalidException : AuditException
    {
        public CheckpointInvalidException(uint code, string message) : base(code, message) { }
    }
    /// <summary>504: the audit log is in a format this library does not write or verify (e.g. custodia-audit/1).</summary>
    public class AuditUnsupportedFormatException : AuditException
    {
        public AuditUnsupportedFormatException(uint code, string message) : base(code, message) { }
    }
    /// <summary>The operating system failed custodia.</summary>
    public class EnvironmentFaultException : CustodiaException
    {
        public EnvironmentFaultException(uint code, string message) : base(code, message) { }
    }
    /// <summary>900: an operating-system I/O error. Also an :class:`OSError`; :attr:`filename` names the path when the call</summary>
    public class IoFaultException : EnvironmentFaultException
    {
        public IoFaultException(uint code, string message) : base(code, message) { }
    }
    /// <summary>901: the operating system's random number generator failed.</summary>
    public class RngFaultException : EnvironmentFaultException
    {
        public RngFaultException(uint code, string message) : base(code, message) { }
    }
    /// <summary>902: a file custodia needs exclusively is held by another writer.</summary>
    public class InUseException : EnvironmentFaultException
    {
        public InUseException(uint code, string message) : base(code, message) { }
    }
    /// <summary>903: a file custodia relies on (the audit log, the keyring) can be written by its group or by others.</summary>
    public class InsecurePermissionsException : EnvironmentFaultException
    {
        public InsecurePermissionsException(uint code, string message) : base(code, message) { }
    }
    /// <summary>999: a bug in custodia (e.g. a caught panic).</summary>
    public class InternalException : CustodiaException
    {
        public InternalException(uint code, string message) : base(code, message) { }
    }
    /// <summary>998: the object is unusable because an earlier call on it hit an internal error; close it and make another.</summary>
    public class PoisonedException : InternalException
    {
        public PoisonedException(uint code, string message) : base(code, message) { }
    }


    /// <summary>Status codes: names, families, and the mapping to exception classes.</summary>
    public static class Status
    {
        public const uint Ok = 0;

        public static string Name(uint code)
        {
            return Text.FromUtf8Z(Native.custodia_status_name(code)) ?? "unknown";
        }

        public static bool IsRefusal(uint code)
        {
            return Native.custodia_status_is_refusal(code) != 0;
        }

        /// <summary>The exception for a code and message; an unknown code maps to its family's base class (codes are
        /// never reused, later library versions may add some), or to <see cref="CustodiaException"/>.</summary>
        public static CustodiaException ToException(uint code, string message)
        {
            switch (code)
            {
                case 1: return new InvalidArgumentException(code, message);
                case 2: return new RefusedException(code, message);
                case 3: return new EnvelopeException(code, message);
                case 4: return new KeyringException(code, message);
                case 5: return new AuditException(code, message);
                case 9: return new EnvironmentFaultException(code, message);
                case 100: return new InvalidArgumentException(code, message);
                case 101: return new InvalidPurposeException(code, message);
                case 102: return new TooManyPurposesException(code, message);
                case 103: return new NoPurposeException(code, message);
                case 104: return new InvalidJurisdictionException(code, message);
                case 105: return new ClassificationBelowMinimumException(code, message);
                case 106: return new InvalidExceptionGroundException(code, message);
                case 107: return new UnknownCodeException(code, message);
                case 108: return new PolicyInvalidException(code, message);
                case 109: return new BufferTooSmallException(code, message);
                case 110: return new ConflictException(code, message);
                case 120: return new NullPointerException(code, message);
                case 121: return new InvalidUtf8Exception(code, message);
                case 122: return new InvalidHandleException(code, message);
                case 200: return new PurposeNotPermittedException(code, message);
                case 201: return new ExpiredException(code, message);
                case 202: return new JurisdictionNotPermittedException(code, message);
                case 203: return new ClearanceInsufficientException(code, message);
                case 204: return new KeyDestroyedException(code, message);
                case 205: return new LegalHoldException(code, message);
                case 206: return new SignerMismatchException(code, message);
                case 207: return new TransferNotPermittedException(code, message);
                case 208: return new RecipientNotPermittedException(code, message);
                case 209: return new RecipientJurisdictionUnknownException(code, message);
                case 210: return new NotOnCaseException(code, message);
                case 211: return new RoleNotPermittedException(code, message);
                case 212: return new TransferRefusedException(code, message);
                case 213: return new LegalBasisRequiredException(code, message);
                case 214: return new ApprovalRequiredException(code, message);
                case 215: return new OnwardTransferNotGrantedException(code, message);
                case 216: return new PurposeExtensionNotGrantedException(code, message);
                case 217: return new KeyRevokedException(code, message);
                case 218: return new DestinationRequiredException(code, message);
                case 219: return new KeyCompromisedException(code, message);
                case 220: return new ReceiptNotApplicableException(code, message);
                case 300: return new MalformedException(code, message);
                case 301: return new UnsupportedVersionException(code, message);
                case 302: return new UnsupportedSuiteException(code, message);
                case 303: return new TruncatedException(code, message);
                case 304: return new LimitExceededException(code, message);
                case 305: return new UnknownCriticalFieldException(code, message);
                case 306: return new OpenFailedException(code, message);
                case 307: return new NoMatchingRecipientException(code, message);
                case 308: return new SignatureInvalidException(code, message);
                case 309: return new ArmorException(code, message);
                case 310: return new EnvelopeChangedException(code, message);
                case 311: return new ApprovalInvalidException(code, message);
                case 312: return new GrantInvalidException(code, message);
                case 313: return new ReceiptInvalidException(code, message);
                case 314: return new ReceiptIssuerUnknownException(code, message);
                case 400: return new KeyNotFoundException(code, message);
                case 401: return new KeyStateException(code, message);
                case 402: return new WrongPassphraseException(code, message);
                case 403: return new KeyringCorruptException(code, message);
                case 404: return new KeyringVersionException(code, message);
                case 405: return new InvalidKeyTextException(code, message);
                case 406: return new KdfParamsOutOfRangeException(code, message);
                case 407: return new CustodianNotFoundException(code, message);
                case 408: return new KeyNotValidException(code, message);
                case 409: return new ProviderUnavailableException(code, message);
                case 410: return new ProviderFailedException(code, message);
                case 500: return new AuditWriteFailedException(code, message);
                case 501: return new AuditMalformedException(code, message);
                case 502: return new AuditTamperedException(code, message);
                case 503: return new AuditWrongKeyException(code, message);
                case 504: return new AuditUnsupportedFormatException(code, message);
                case 506: return new CustodianClosedException(code, message);
                case 507: return new AnchorInvalidException(code, message);
                case 508: return new MerkleProofInvalidException(code, message);
                case 509: return new CheckpointInvalidException(code, message);
                case 900: return new IoFaultException(code, message);
                case 901: return new RngFaultException(code, message);
                case 902: return new InUseException(code, message);
                case 903: return new InsecurePermissionsException(code, message);
                case 998: return new PoisonedException(code, message);
                case 999: return new InternalException(code, message);
            }
            switch (code / 100)
            {
                case 1: return new InvalidArgumentException(code, message);
                case 2: return new RefusedException(code, message);
                case 3: return new EnvelopeException(code, message);
                case 4: return new KeyringException(code, message);
                case 5: return new AuditException(code, message);
                case 9: return new EnvironmentFaultException(code, message);
                default: return new CustodiaException(code, message);
            }
        }

        /// <summary>Return on CUSTODIA_OK; otherwise throw the typed exception with the last error message of the
        /// calling thread. Must be called right after the failing call, before any other custodia call here.</summary>
        public static void Check(uint code)
        {
            if (code != 0)
            {
                throw ToException(code, Text.FromUtf8Z(Native.custodia_last_error_message()) ?? "");
            }
        }
    }
}
