package org.custodia;

import java.util.Objects;
import org.custodia.handles.ActorHandle;

/**
 * Who performs a call: a stable user id, a role, the jurisdiction where they act and their clearance. Every seal,
 * open and refusal is recorded in the audit log under the actor. Owns a native handle: close it (or let the
 * cleaner do so); usable from several threads at once.
 */
public final class Actor implements AutoCloseable {
    private final ActorHandle handle;

    private Actor(ActorHandle handle) {
        this.handle = handle;
    }

    /**
     * Make an actor.
     *
     * @param userId 1 to 128 bytes of printable UTF-8
     * @param role 1 to 128 bytes of printable UTF-8 ({@code "prosecutor"})
     * @param jurisdiction ISO 3166-1 alpha-2 code where they act ({@code "DE"})
     * @param clearance the highest classification they may open
     * @throws InvalidArgumentException for a malformed user id or role
     * @throws InvalidJurisdictionException for an unassigned jurisdiction code
     */
    public static Actor of(String userId, String role, String jurisdiction, Classification clearance) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(jurisdiction, "jurisdiction");
        Objects.requireNonNull(clearance, "clearance");
        return new Actor(ActorHandle.create(userId, role, jurisdiction, clearance.code()));
    }

    /** How the audit log names this actor ({@code "anna (prosecutor, DE, clearance secret)"}). */
    public String describe() {
        return handle.describe();
    }

    ActorHandle handle() {
        return handle;
    }

    /** Release the native handle; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return handle.isClosed() ? "Actor (closed)" : "Actor[" + describe() + "]";
    }
}
