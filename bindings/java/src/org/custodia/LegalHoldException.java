package org.custodia;

/** Refused: a legal hold blocks destroying this key or case. */
public class LegalHoldException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public LegalHoldException(int code, String message) {
        super(code, message);
    }
}
