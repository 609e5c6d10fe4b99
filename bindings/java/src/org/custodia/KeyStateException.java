package org.custodia;

/** The key exists but may not be used for this (for example a decrypt-only key asked to seal). */
public class KeyStateException extends KeyException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyStateException(int code, String message) {
        super(code, message);
    }
}
