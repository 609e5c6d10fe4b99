package org.custodia;

/** A key provider was reached but failed or refused the operation. */
public class ProviderFailedException extends KeyringException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ProviderFailedException(int code, String message) {
        super(code, message);
    }
}
