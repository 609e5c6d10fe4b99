package org.custodia;

/**
 * The call conflicts with recorded state (110): a legal hold placed twice or released without one, a key already in
 * the keyring, already revoked or marked compromised, imported for another jurisdiction, or the custodian's own key
 * where another authority's is meant; a stanza removed that the envelope lacks or added that it has. Catch it to make
 * an operation idempotent. An {@link InvalidArgumentException}, as every 1xx code is, so handlers written before code
 * 110 existed still catch it.
 */
public class ConflictException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ConflictException(int code, String message) {
        super(code, message);
    }
}
