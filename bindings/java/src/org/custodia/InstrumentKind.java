package org.custodia;

/** The legal instrument a transfer is made under ({@code custodia_instrument_kind}). */
public enum InstrumentKind {
    /** A bilateral mutual legal assistance treaty. */
    BILATERAL_TREATY(1),
    /** A European Investigation Order (Directive 2014/41/EU). */
    EUROPEAN_INVESTIGATION_ORDER(2),
    /** A multilateral convention (the Budapest Convention, the 1959 Council of Europe Convention). */
    MULTILATERAL_CONVENTION(3),
    /** A letter rogatory (comity, no treaty). */
    LETTER_ROGATORY(4),
    /** Anything else; say what in the transfer basis. */
    OTHER(255);

    private final int code;

    InstrumentKind(int code) {
        this.code = code;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }
}
