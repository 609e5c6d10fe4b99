package org.custodia;

/**
 * The {@code custodia_status} codes of {@code include/custodia.h}: 1xx invalid input, 2xx refusals by policy, 3xx
 * envelope format, 4xx keys, 5xx audit, 9xx environment and internal faults. Codes are never reused; a code this
 * version does not know maps to {@link #UNKNOWN} (and is still a failure). One constant per {@code CUSTODIA_ERR_*}
 * of the header (written from the Rust {@code ErrorKind}), with its name: checked both ways by StatusTableTest.
 */
public enum Status {
    OK(0),
    INVALID_ARGUMENT(100),
    INVALID_PURPOSE(101),
    TOO_MANY_PURPOSES(102),
    NO_PURPOSE(103),
    INVALID_JURISDICTION(104),
    CLASSIFICATION_BELOW_MINIMUM(105),
    INVALID_EXCEPTION(106),
    UNKNOWN_CODE(107),
    POLICY_INVALID(108),
    BUFFER_TOO_SMALL(109),
    CONFLICT(110),
    NULL_POINTER(120),
    INVALID_UTF8(121),
    INVALID_HANDLE(122),
    PURPOSE_NOT_PERMITTED(200),
    EXPIRED(201),
    JURISDICTION_NOT_PERMITTED(202),
    CLEARANCE_INSUFFICIENT(203),
    KEY_DESTROYED(204),
    LEGAL_HOLD(205),
    SIGNER_MISMATCH(206),
    TRANSFER_NOT_PERMITTED(207),
    RECIPIENT_NOT_PERMITTED(208),
    RECIPIENT_JURISDICTION_UNKNOWN(209),
    NOT_ON_CASE(210),
    ROLE_NOT_PERMITTED(211),
    TRANSFER_REFUSED(212),
    LEGAL_BASIS_REQUIRED(213),
    APPROVAL_REQUIRED(214),
    KEY_REVOKED(217),
    DESTINATION_REQUIRED(218),
    KEY_COMPROMISED(219),
    ONWARD_TRANSFER_NOT_GRANTED(215),
    PURPOSE_EXTENSION_NOT_GRANTED(216),
    RECEIPT_NOT_APPLICABLE(220),
    MALFORMED(300),
    UNSUPPORTED_VERSION(301),
    UNSUPPORTED_SUITE(302),
    TRUNCATED(303),
    LIMIT_EXCEEDED(304),
    UNKNOWN_CRITICAL_FIELD(305),
    OPEN_FAILED(306),
    NO_MATCHING_RECIPIENT(307),
    SIGNATURE_INVALID(308),
    ARMOR(309),
    ENVELOPE_CHANGED(310),
    APPROVAL_INVALID(311),
    GRANT_INVALID(312),
    RECEIPT_INVALID(313),
    RECEIPT_ISSUER_UNKNOWN(314),
    KEY_NOT_FOUND(400),
    KEY_STATE(401),
    WRONG_PASSPHRASE(402),
    KEYRING_CORRUPT(403),
    KEYRING_VERSION(404),
    INVALID_KEY_TEXT(405),
    KDF_PARAMS_OUT_OF_RANGE(406),
    CUSTODIAN_NOT_FOUND(407),
    KEY_NOT_VALID(408),
    PROVIDER_UNAVAILABLE(409),
    PROVIDER_FAILED(410),
    AUDIT_WRITE(500),
    AUDIT_MALFORMED(501),
    AUDIT_TAMPERED(502),
    AUDIT_WRONG_KEY(503),
    AUDIT_UNSUPPORTED_FORMAT(504),
    CUSTODIAN_CLOSED(506),
    ANCHOR_INVALID(507),
    MERKLE_PROOF_INVALID(508),
    CHECKPOINT_INVALID(509),
    IO(900),
    RNG(901),
    IN_USE(902),
    INSECURE_PERMISSIONS(903),
    POISONED(998),
    INTERNAL(999),
    /** A code this version of the bindings does not know (a newer library); still a failure. */
    UNKNOWN(-1);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The stable numeric code ({@code -1} for {@link #UNKNOWN}). */
    public int code() {
        return code;
    }

    /** Whether this is a refusal by policy (the 2xx codes): a decision recorded in the audit log, not a fault. */
    public boolean isRefusal() {
        return code >= 200 && code < 300;
    }

    /** The status with this code, or {@link #UNKNOWN}. */
    public static Status of(int code) {
        for (Status s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
