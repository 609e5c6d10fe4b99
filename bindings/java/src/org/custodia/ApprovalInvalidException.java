package org.custodia;

/** An approval's text is malformed (311): not a canonical {@code custodia-approval}. */
public class ApprovalInvalidException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ApprovalInvalidException(int code, String message) {
        super(code, message);
    }
}
