package org.custodia;

/** A key or keyring problem (4xx). */
public class KeyException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyException(int code, String message) {
        super(code, message);
    }
}
