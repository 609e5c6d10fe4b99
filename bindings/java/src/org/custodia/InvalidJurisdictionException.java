package org.custodia;

/** A jurisdiction is not an assigned ISO 3166-1 alpha-2 code. */
public class InvalidJurisdictionException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InvalidJurisdictionException(int code, String message) {
        super(code, message);
    }
}
