package org.custodia;

/** An operating-system I/O or random-number-generator failure (9xx). */
public class EnvironmentException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public EnvironmentException(int code, String message) {
        super(code, message);
    }
}
