package org.custodia;

/** The audit log is in a format this library does not write or verify (e.g. a custodia-audit/1 log). */
public class AuditUnsupportedFormatException extends AuditException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public AuditUnsupportedFormatException(int code, String message) {
        super(code, message);
    }
}
