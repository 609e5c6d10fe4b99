package org.custodia;

/** No custodian (directory or keyring) at the path given, and creation was not asked for
 * ({@link Custodian.Options#create(boolean)}). */
public class CustodianNotFoundException extends KeyringException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public CustodianNotFoundException(int code, String message) {
        super(code, message);
    }
}
