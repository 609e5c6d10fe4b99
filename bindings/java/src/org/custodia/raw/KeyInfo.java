package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_key_info}; its strings belong to the key list and die with it. */
@Structure.FieldOrder({"key_id", "kind", "state", "label", "case_ref", "created", "destroy_after", "destroyed_at",
        "has_secret", "has_rotated_from", "rotated_from", "has_rotated_to", "rotated_to", "jurisdiction", "authority",
        "not_before", "not_after", "revoked_at", "revoked_reason", "compromised_at", "compromised_reason"})
public final class KeyInfo extends Structure {
    public byte[] key_id = new byte[16];
    public int kind;
    public int state;
    public Pointer label;
    public Pointer case_ref;
    public long created;
    public long destroy_after;
    public long destroyed_at;
    public byte has_secret;
    public byte has_rotated_from;
    public byte[] rotated_from = new byte[16];
    public byte has_rotated_to;
    public byte[] rotated_to = new byte[16];
    public Pointer jurisdiction;
    public Pointer authority;
    public long not_before;
    public long not_after;
    public long revoked_at;
    public Pointer revoked_reason;
    public long compromised_at;
    public Pointer compromised_reason;
}
