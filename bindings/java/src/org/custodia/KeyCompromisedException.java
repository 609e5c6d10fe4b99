package org.custodia;

/** Refused: the key was marked compromised; it seals, signs and receives nothing new. */
public class KeyCompromisedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyCompromisedException(int code, String message) {
        super(code, message);
    }
}
