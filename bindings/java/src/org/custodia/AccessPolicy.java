package org.custodia;

import java.nio.file.Path;
import java.util.Objects;
import org.custodia.handles.AccessPolicyHandle;

/**
 * A validated access policy: need-to-know (roles, case teams), transfer rules and four eyes ({@code docs/POLICY.md}).
 * Put in force with {@link Custodian#setAccessPolicy}. Owns a native handle; immutable.
 */
public final class AccessPolicy implements AutoCloseable {
    private final AccessPolicyHandle handle;

    private AccessPolicy(AccessPolicyHandle handle) {
        this.handle = handle;
    }

    /**
     * Parse and validate a policy from its TOML text.
     *
     * @throws PolicyInvalidException naming the line and column of the problem
     */
    public static AccessPolicy parse(String toml) {
        return new AccessPolicy(AccessPolicyHandle.parse(Objects.requireNonNull(toml, "toml")));
    }

    /**
     * Read and validate a policy from a file (at most 1 MiB of UTF-8 TOML).
     *
     * @throws PolicyInvalidException naming the line and column of the problem
     */
    public static AccessPolicy load(Path path) {
        return new AccessPolicy(AccessPolicyHandle.load(Objects.requireNonNull(path, "path").toString()));
    }

    /** The SHA-256 of the policy's text, 64 lowercase hex digits: what {@code policy_changed} records. */
    public String sha256() {
        return handle.sha256();
    }

    AccessPolicyHandle handle() {
        return handle;
    }

    /** Release the native handle; idempotent. A policy in force stays in force. */
    @Override
    public void close() {
        handle.close();
    }
}
