package org.custodia;

/** A refusal by policy (2xx): a decision recorded in the audit log, not a fault. The message names the rule that refused; it is no oracle, it is what an auditor needs. */
public class RefusalException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public RefusalException(int code, String message) {
        super(code, message);
    }
}
