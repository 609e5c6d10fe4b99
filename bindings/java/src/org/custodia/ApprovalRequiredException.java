package org.custodia;

/** Refused by four eyes (214): an exception on this data needs a second approver's valid approval; the message says why. */
public class ApprovalRequiredException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ApprovalRequiredException(int code, String message) {
        super(code, message);
    }
}
