package org.custodia;

/** Audit verification found the log malformed or altered. */
public class AuditTamperedException extends AuditException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public AuditTamperedException(int code, String message) {
        super(code, message);
    }
}
