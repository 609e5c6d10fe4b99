package org.custodia;

/** An audit log problem (5xx). */
public class AuditException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public AuditException(int code, String message) {
        super(code, message);
    }
}
