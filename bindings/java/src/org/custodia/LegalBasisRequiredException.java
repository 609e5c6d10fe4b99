package org.custodia;

/** Refused (213): a transfer rule needs a stated legal basis (a legal instrument with a transfer basis) and there is none. */
public class LegalBasisRequiredException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public LegalBasisRequiredException(int code, String message) {
        super(code, message);
    }
}
