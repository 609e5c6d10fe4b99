package org.custodia;

/** Refused: the key needed was destroyed (crypto-shredded); nobody holding only that key can open the data again. */
public class KeyDestroyedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyDestroyedException(int code, String message) {
        super(code, message);
    }
}
