package org.custodia;

import java.time.Instant;
import java.util.List;

/**
 * A legal hold in force ({@link Custodian#legalHolds}): the case, the hold's reference and reason, who placed it and
 * when, and the keys of the keyring it keeps from destruction (the case's keys).
 *
 * @param caseRef the case held
 * @param reference the hold's reference (order, instruction)
 * @param reason why it was placed
 * @param setBy the id of the actor who placed it
 * @param setAt when it was placed
 * @param keys the keys it holds
 */
public record LegalHoldInfo(String caseRef, String reference, String reason, String setBy, Instant setAt,
        List<KeyId> keys) {
    /** A hold; {@code keys} is copied. */
    public LegalHoldInfo {
        keys = List.copyOf(keys);
    }
}
