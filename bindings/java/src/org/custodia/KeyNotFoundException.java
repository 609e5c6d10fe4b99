package org.custodia;

/** No key with this id is known. */
public class KeyNotFoundException extends KeyException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyNotFoundException(int code, String message) {
        super(code, message);
    }
}
