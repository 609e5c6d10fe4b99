package org.custodia;

/** The output buffer given is too small (109); nothing was written, and the message gives the size needed. */
public class BufferTooSmallException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public BufferTooSmallException(int code, String message) {
        super(code, message);
    }
}
