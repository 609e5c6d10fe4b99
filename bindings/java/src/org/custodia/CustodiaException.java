package org.custodia;

/**
 * Base of every error custodia reports: an unchecked exception carrying the stable status {@link #code()} and
 * custodia's message (which never contains plaintext or key material). Programs branch on the subclass or the
 * code; the message is for people and logs. See the README for why the hierarchy is unchecked.
 */
public class CustodiaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    /** An error with status {@code code} and custodia's {@code message}. */
    public CustodiaException(int code, String message) {
        super(message == null || message.isEmpty()
                ? Status.of(code).name().toLowerCase(java.util.Locale.ROOT) + " (" + code + ")"
                : message);
        this.code = code;
    }

    /** The stable {@code custodia_status} code. */
    public final int code() {
        return code;
    }

    /** The status, or {@link Status#UNKNOWN} for a code newer than these bindings. */
    public final Status status() {
        return Status.of(code);
    }

    /** Whether this is a refusal by policy (a {@link RefusalException}). */
    public final boolean isRefusal() {
        return status().isRefusal();
    }

    /**
     * The exception for a failed call that returned {@code code} with {@code message}. Every known code maps to an
     * exception of its group (checked against the header by StatusTableTest).
     */
    public static CustodiaException of(int code, String message) {
        switch (Status.of(code)) {
            case INVALID_PURPOSE:
            case TOO_MANY_PURPOSES:
            case NO_PURPOSE:
                return new InvalidPurposeException(code, message);
            case INVALID_JURISDICTION:
                return new InvalidJurisdictionException(code, message);
            case CLASSIFICATION_BELOW_MINIMUM:
                return new ClassificationBelowMinimumException(code, message);
            case INVALID_EXCEPTION:
                return new InvalidExceptionGroundException(code, message);
            case INVALID_ARGUMENT:
            case UNKNOWN_CODE:
            case NULL_POINTER:
            case INVALID_UTF8:
                return new InvalidArgumentException(code, message);
            case INVALID_HANDLE:
                return new InvalidHandleException(code, message);
            case POLICY_INVALID:
                return new PolicyInvalidException(code, message);
            case BUFFER_TOO_SMALL:
                return new BufferTooSmallException(code, message);
            case CONFLICT:
                return new ConflictException(code, message);
            case PURPOSE_NOT_PERMITTED:
                return new PurposeNotPermittedException(code, message);
            case EXPIRED:
                return new ExpiredException(code, message);
            case JURISDICTION_NOT_PERMITTED:
                return new JurisdictionNotPermittedException(code, message);
            case CLEARANCE_INSUFFICIENT:
                return new ClearanceInsufficientException(code, message);
            case KEY_DESTROYED:
                return new KeyDestroyedException(code, message);
            case LEGAL_HOLD:
                return new LegalHoldException(code, message);
            case SIGNER_MISMATCH:
                return new SignerMismatchException(code, message);
            case TRANSFER_NOT_PERMITTED:
                return new TransferNotPermittedException(code, message);
            case RECIPIENT_NOT_PERMITTED:
                return new RecipientNotPermittedException(code, message);
            case RECIPIENT_JURISDICTION_UNKNOWN:
                return new RecipientJurisdictionUnknownException(code, message);
            case NOT_ON_CASE:
                return new NotOnCaseException(code, message);
            case ROLE_NOT_PERMITTED:
                return new RoleNotPermittedException(code, message);
            case TRANSFER_REFUSED:
                return new TransferRefusedException(code, message);
            case LEGAL_BASIS_REQUIRED:
                return new LegalBasisRequiredException(code, message);
            case APPROVAL_REQUIRED:
                return new ApprovalRequiredException(code, message);
            case KEY_REVOKED:
                return new KeyRevokedException(code, message);
            case DESTINATION_REQUIRED:
                return new DestinationRequiredException(code, message);
            case KEY_COMPROMISED:
                return new KeyCompromisedException(code, message);
            case ONWARD_TRANSFER_NOT_GRANTED:
                return new OnwardTransferNotGrantedException(code, message);
            case PURPOSE_EXTENSION_NOT_GRANTED:
                return new PurposeExtensionNotGrantedException(code, message);
            case RECEIPT_NOT_APPLICABLE:
                return new ReceiptNotApplicableException(code, message);
            case MALFORMED:
            case UNSUPPORTED_VERSION:
            case UNSUPPORTED_SUITE:
            case TRUNCATED:
            case LIMIT_EXCEEDED:
            case UNKNOWN_CRITICAL_FIELD:
            case ARMOR:
                return new MalformedEnvelopeException(code, message);
            case OPEN_FAILED:
                return new OpenFailedException(code, message);
            case NO_MATCHING_RECIPIENT:
                return new NoMatchingRecipientException(code, message);
            case SIGNATURE_INVALID:
                return new SignatureInvalidException(code, message);
            case ENVELOPE_CHANGED:
                return new EnvelopeChangedException(code, message);
            case APPROVAL_INVALID:
                return new ApprovalInvalidException(code, message);
            case GRANT_INVALID:
                return new GrantInvalidException(code, message);
            case RECEIPT_INVALID:
                return new ReceiptInvalidException(code, message);
            case RECEIPT_ISSUER_UNKNOWN:
                return new ReceiptIssuerUnknownException(code, message);
            case KEY_NOT_FOUND:
                return new KeyNotFoundException(code, message);
            case KEY_STATE:
                return new KeyStateException(code, message);
            case WRONG_PASSPHRASE:
                return new WrongPassphraseException(code, message);
            case KEYRING_CORRUPT:
            case KEYRING_VERSION:
            case INVALID_KEY_TEXT:
                return new KeyringException(code, message);
            case KDF_PARAMS_OUT_OF_RANGE:
                return new KdfParamsOutOfRangeException(code, message);
            case CUSTODIAN_NOT_FOUND:
                return new CustodianNotFoundException(code, message);
            case KEY_NOT_VALID:
                return new KeyNotValidException(code, message);
            case PROVIDER_UNAVAILABLE:
                return new ProviderUnavailableException(code, message);
            case PROVIDER_FAILED:
                return new ProviderFailedException(code, message);
            case AUDIT_WRITE:
                return new AuditWriteException(code, message);
            case AUDIT_MALFORMED:
            case AUDIT_TAMPERED:
            case AUDIT_WRONG_KEY:
            case MERKLE_PROOF_INVALID:
            case CHECKPOINT_INVALID:
                return new AuditTamperedException(code, message);
            case CUSTODIAN_CLOSED:
                return new CustodianClosedException(code, message);
            case ANCHOR_INVALID:
                return new AnchorInvalidException(code, message);
            case AUDIT_UNSUPPORTED_FORMAT:
                return new AuditUnsupportedFormatException(code, message);
            case IN_USE:
                return new InUseException(code, message);
            case INSECURE_PERMISSIONS:
                return new InsecurePermissionsException(code, message);
            case IO:
            case RNG:
                return new EnvironmentException(code, message);
            case POISONED:
            case INTERNAL:
                return new InternalException(code, message);
            default:
                if (code >= 200 && code < 300) {
                    return new RefusalException(code, message);
                }
                return new CustodiaException(code, message);
        }
    }
}
