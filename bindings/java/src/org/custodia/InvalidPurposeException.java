package org.custodia;

/** A purpose does not follow the purpose grammar, or a purpose set is empty or larger than 32. */
public class InvalidPurposeException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InvalidPurposeException(int code, String message) {
        super(code, message);
    }
}
