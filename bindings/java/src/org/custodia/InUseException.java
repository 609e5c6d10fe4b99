package org.custodia;

/**
 * A file custodia needs exclusively is held by another writer (status 902). No current operation throws it: the audit
 * log is shared by every writer on its directory (docs/AUDIT.md); kept because status codes are never reused.
 */
public class InUseException extends EnvironmentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InUseException(int code, String message) {
        super(code, message);
    }
}
