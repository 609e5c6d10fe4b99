package org.custodia;

/** The keyring could not be unlocked: wrong passphrase or master key. */
public class WrongPassphraseException extends KeyException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public WrongPassphraseException(int code, String message) {
        super(code, message);
    }
}
