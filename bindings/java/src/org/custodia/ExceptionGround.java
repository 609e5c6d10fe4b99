package org.custodia;

import java.util.Locale;
import java.util.Objects;
import org.custodia.handles.ExceptionGroundHandle;

/**
 * A legal ground, stated to open data for a purpose it was not given for: its {@link Kind}, a reference (court
 * order number, consent record, legal provision) and a written justification of at least 5 words and 30
 * characters. Opening under an exception is recorded in the audit log with all three. Owns a native handle.
 */
public final class ExceptionGround implements AutoCloseable {
    /** The legal grounds custodia knows ({@code custodia_exception_kind}). */
    public enum Kind {
        /** A court order; its number is the reference. */
        COURT_ORDER(1),
        /** The data subject's consent; the consent record is the reference. */
        CONSENT(2),
        /** An imminent threat to life or limb; no reference needed. */
        IMMINENT_THREAT(3),
        /** A legal obligation; the provision is the reference. */
        LEGAL_OBLIGATION(4),
        /** The protection of national security; the decision or provision invoked is the reference. */
        NATIONAL_SECURITY(5),
        /** An overriding public interest; the provision or decision relied on is the reference. */
        OVERRIDING_PUBLIC_INTEREST(6);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        /** The stable C code. */
        public int code() {
            return code;
        }

        /** The stable name ({@code "court_order"}). */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;
    private final ExceptionGroundHandle handle;

    private ExceptionGround(Kind kind, ExceptionGroundHandle handle) {
        this.kind = kind;
        this.handle = handle;
    }

    /**
     * An exception of any kind.
     *
     * @param reference required except for {@link Kind#IMMINENT_THREAT}, where it may be null
     * @throws InvalidExceptionGroundException when the reference is missing or the justification too short
     */
    public static ExceptionGround of(Kind kind, String reference, String justification) {
        Objects.requireNonNull(kind, "kind");
        return new ExceptionGround(kind, ExceptionGroundHandle.create(kind.code(), reference, justification));
    }

    /** A court order, by its number. */
    public static ExceptionGround courtOrder(String orderNumber, String justification) {
        return of(Kind.COURT_ORDER, Objects.requireNonNull(orderNumber, "orderNumber"), justification);
    }

    /** The data subject's consent, by its record. */
    public static ExceptionGround consent(String consentRecord, String justification) {
        return of(Kind.CONSENT, Objects.requireNonNull(consentRecord, "consentRecord"), justification);
    }

    /** An imminent threat to life or limb. */
    public static ExceptionGround imminentThreat(String justification) {
        return of(Kind.IMMINENT_THREAT, null, justification);
    }

    /** A legal obligation, by its provision. */
    public static ExceptionGround legalObligation(String provision, String justification) {
        return of(Kind.LEGAL_OBLIGATION, Objects.requireNonNull(provision, "provision"), justification);
    }

    /** The protection of national security, by the decision or provision invoked. */
    public static ExceptionGround nationalSecurity(String reference, String justification) {
        return of(Kind.NATIONAL_SECURITY, Objects.requireNonNull(reference, "reference"), justification);
    }

    /** An overriding public interest, by the provision or decision relied on. */
    public static ExceptionGround overridingPublicInterest(String reference, String justification) {
        return of(Kind.OVERRIDING_PUBLIC_INTEREST, Objects.requireNonNull(reference, "reference"), justification);
    }

    /** The legal ground. */
    public Kind kind() {
        return kind;
    }

    /**
     * The same exception with a second approver's approval attached (four eyes): the text form
     * ({@code custodia-approval:...}) that {@link Custodian#approveException} gave the approver. A new object; this
     * one is unchanged.
     *
     * @throws ApprovalInvalidException for text that is not an approval
     */
    public ExceptionGround withApproval(String approval) {
        return new ExceptionGround(kind, handle.withApproval(Objects.requireNonNull(approval, "approval")));
    }

    /** As the audit log states it ({@code "court_order LG-Berlin-123/26: <justification>"}). */
    public String describe() {
        return handle.describe();
    }

    ExceptionGroundHandle handle() {
        return handle;
    }

    /** Release the native handle; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return handle.isClosed() ? "ExceptionGround (closed)" : "ExceptionGround[" + describe() + "]";
    }
}
