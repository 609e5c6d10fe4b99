package org.custodia;

/** The other authority's key is outside the validity period it was imported with; nothing is sealed or shared to it. */
public class KeyNotValidException extends KeyringException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyNotValidException(int code, String message) {
        super(code, message);
    }
}
