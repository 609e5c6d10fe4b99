package org.custodia;

/** Refused: the other authority's key was revoked; nothing new is sealed or shared to it. */
public class KeyRevokedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KeyRevokedException(int code, String message) {
        super(code, message);
    }
}
