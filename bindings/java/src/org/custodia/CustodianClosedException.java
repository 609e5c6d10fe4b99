package org.custodia;

/**
 * The custodian was closed (its closing checkpoint written): it records nothing more and touches no key. A call still
 * running on another thread when {@link Custodian#close()} ran gets this.
 */
public class CustodianClosedException extends AuditException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public CustodianClosedException(int code, String message) {
        super(code, message);
    }
}
