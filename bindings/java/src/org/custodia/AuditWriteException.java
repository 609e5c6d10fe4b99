package org.custodia;

/** An audit event could not be durably recorded, so the operation was refused (fail closed). */
public class AuditWriteException extends AuditException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public AuditWriteException(int code, String message) {
        super(code, message);
    }
}
