package org.custodia;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One file of {@link Custodian#rewrapBatch}: {@code error} is empty when the file was re-wrapped (or needed no
 * change), else the typed exception a single re-wrap of it would have thrown (not thrown: the batch goes on).
 *
 * @param path the file
 * @param error what went wrong, if anything
 */
public record RewrapOutcome(Path path, Optional<CustodiaException> error) {
    /** Whether the file was re-wrapped (or needed no change). */
    public boolean ok() {
        return error.isEmpty();
    }
}
