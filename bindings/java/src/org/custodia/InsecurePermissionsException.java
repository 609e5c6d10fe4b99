package org.custodia;

/** A file custodia relies on (the audit log, the keyring) can be written by its group or by others. */
public class InsecurePermissionsException extends EnvironmentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InsecurePermissionsException(int code, String message) {
        super(code, message);
    }
}
