package org.custodia;

/** The keyring file is corrupt or of an unknown version, or a key in text form is malformed. */
public class KeyringException extends KeyException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyringException(int code, String message) {
        super(code, message);
    }
}
