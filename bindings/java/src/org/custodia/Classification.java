package org.custodia;

import java.util.Locale;

/** How tightly data is held, lowest first ({@code custodia_classification}); also an actor's clearance. */
public enum Classification {
    PUBLIC(0),
    RESTRICTED(1),
    CONFIDENTIAL(2),
    SECRET(3);

    private final int code;

    Classification(int code) {
        this.code = code;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }

    /** The stable snake_case name ({@code "secret"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The classification with this code. */
    public static Classification fromCode(int code) {
        for (Classification c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new InvalidArgumentException(Status.UNKNOWN_CODE.code(), "unknown classification code " + code);
    }
}
