package org.custodia;

import java.util.Locale;

/** What sensitive data is ({@code custodia_category}); each category has a minimum {@link Classification}. */
public enum Category {
    PERSONAL_IDENTITY(1, Classification.RESTRICTED),
    CONTACT_DETAILS(2, Classification.RESTRICTED),
    FINANCIAL_RECORDS(3, Classification.CONFIDENTIAL),
    BIOMETRIC(4, Classification.CONFIDENTIAL),
    HEALTH(5, Classification.CONFIDENTIAL),
    COMMUNICATIONS_CONTENT(6, Classification.CONFIDENTIAL),
    COMMUNICATIONS_METADATA(7, Classification.RESTRICTED),
    EVIDENCE(8, Classification.RESTRICTED),
    PRIVILEGED_LEGAL(9, Classification.CONFIDENTIAL),
    INVESTIGATIVE_NOTES(10, Classification.RESTRICTED),
    WITNESS_IDENTITY(11, Classification.SECRET),
    CASE_ADMINISTRATION(12, Classification.PUBLIC);

    private final int code;
    private final Classification minimum;

    Category(int code, Classification minimum) {
        this.code = code;
        this.minimum = minimum;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }

    /** The lowest classification data of this category may carry. */
    public Classification minimumClassification() {
        return minimum;
    }

    /** The stable snake_case name ({@code "financial_records"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The category with this code. */
    public static Category fromCode(int code) {
        for (Category c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new InvalidArgumentException(Status.UNKNOWN_CODE.code(), "unknown category code " + code);
    }
}
