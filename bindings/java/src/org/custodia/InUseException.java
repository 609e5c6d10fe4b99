package org.custodia;

/** A file custodia needs exclusively (the audit log) is held by another writer, in this process or another. */
public class InUseException extends EnvironmentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InUseException(int code, String message) {
        super(code, message);
    }
}
