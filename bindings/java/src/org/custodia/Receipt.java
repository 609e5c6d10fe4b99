package org.custodia;

import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.custodia.handles.Native;
import org.custodia.raw.CustodiaBuffer;

/**
 * A signed disclosure receipt: a recipient authority's statement of what it did with one envelope (received, opened
 * for which purpose, exception used, shared onward, destroyed, refused), sent back to the sender as armored text
 * ({@code -----BEGIN CUSTODIA RECEIPT-----}, {@code docs/FORMAT.md} §12).
 *
 * <p>Immutable; equal when the texts are equal. The library parses the text and checks its signature by the key it
 * names when the value is made; whether that key is the recipient authority's is {@link #verify} (with its public
 * key text alone) or {@link Custodian#importReceipt} (against the keys imported into a keyring).
 */
public final class Receipt {
    /** The stable names of the item kinds, by code ({@code custodia_receipt_item_kind}). */
    static final String[] KINDS = {
        null, "received", "opened", "exception_used", "shared", "rewrapped", "destroyed", "refused"
    };
    /** The stable names of the item fields, by tag ({@code custodia_receipt_field}). */
    static final String[] FIELDS = {
        null, "purpose", "role", "actor", "jurisdiction", "exception_kind", "exception_reference", "grant",
        "grant_reference", "recipients", "key", "erasure_certificate", "erasure_certificate_sha256", "refusal",
        "operation"
    };

    private final String text;
    private final String objectId;
    private final String caseRef;
    private final KeyId issuer;
    private final Instant issuedAt;
    private final List<ReceiptItem> items;

    private Receipt(String text) {
        this.text = text;
        long h = parse(text);
        try {
            CustodiaBuffer obj = new CustodiaBuffer();
            CustodiaBuffer kase = new CustodiaBuffer();
            byte[] issuerId = new byte[16];
            LongByReference at = new LongByReference();
            Native.check(Native.lib().custodia_receipt_describe(h, obj, kase, issuerId, at));
            this.objectId = Native.takeText(obj);
            String c = Native.takeText(kase);
            this.caseRef = c.isEmpty() ? null : c;
            this.issuer = KeyId.fromBytes(issuerId);
            this.issuedAt = Instant.ofEpochSecond(at.getValue());
            this.items = Collections.unmodifiableList(readItems(h));
        } finally {
            Native.check(Native.lib().custodia_receipt_free(h));
        }
    }

    /**
     * Parse a receipt's armored text; the library checks its form and its signature by the key it names.
     *
     * @throws ReceiptInvalidException for anything else
     */
    public static Receipt fromArmored(String text) {
        return new Receipt(Native.text("receipt", Objects.requireNonNull(text, "text")));
    }

    /** A receipt from a library handle, which this releases. */
    static Receipt fromHandle(long handle) {
        CustodiaBuffer out = new CustodiaBuffer();
        try {
            Native.check(Native.lib().custodia_receipt_armor(handle, out));
        } finally {
            Native.check(Native.lib().custodia_receipt_free(handle));
        }
        return new Receipt(Native.takeText(out));
    }

    private static long parse(String text) {
        LongByReference h = new LongByReference();
        Native.check(Native.lib().custodia_receipt_parse(text, h));
        return h.getValue();
    }

    private static List<ReceiptItem> readItems(long h) {
        LongByReference n = new LongByReference();
        Native.check(Native.lib().custodia_receipt_item_count(h, n));
        List<ReceiptItem> out = new ArrayList<>();
        for (long i = 0; i < n.getValue(); i++) {
            IntByReference kind = new IntByReference();
            LongByReference at = new LongByReference();
            Native.check(Native.lib().custodia_receipt_item_get(h, i, kind, at));
            Map<String, String> fields = new LinkedHashMap<>();
            for (int tag = 1; tag < FIELDS.length; tag++) {
                ByteByReference present = new ByteByReference();
                CustodiaBuffer value = new CustodiaBuffer();
                Native.check(Native.lib().custodia_receipt_item_field(h, i, tag, present, value));
                String v = Native.takeText(value);
                if (present.getValue() != 0) {
                    fields.put(FIELDS[tag], v);
                }
            }
            int k = kind.getValue();
            String name = k > 0 && k < KINDS.length ? KINDS[k] : "unknown_" + k;
            out.add(new ReceiptItem(name, Instant.ofEpochSecond(at.getValue()), fields));
        }
        return out;
    }

    /**
     * Check that the receipt was signed by {@code publicKey}, the recipient authority's Ed25519 public key text
     * ({@code custodia-ed25519-public:...}, from its {@link Custodian#exportPublic}), with nothing else.
     *
     * @throws ReceiptIssuerUnknownException when another key signed it
     * @throws KeyringException for a mistyped or non-Ed25519 key text
     */
    public void verify(String publicKey) {
        String key = Native.text("public key", Objects.requireNonNull(publicKey, "publicKey"));
        long h = parse(text);
        try {
            Native.check(Native.lib().custodia_receipt_verify(h, key));
        } finally {
            Native.check(Native.lib().custodia_receipt_free(h));
        }
    }

    /** The armored text, to send to the originating authority. */
    public String toArmored() {
        return text;
    }

    /** The object id of the envelope it is about (32 hex digits). */
    public String objectId() {
        return objectId;
    }

    /** The case reference, or null. */
    public String caseRef() {
        return caseRef;
    }

    /** The key id of the issuer's signing key. */
    public KeyId issuer() {
        return issuer;
    }

    /** When it was issued. */
    public Instant issuedAt() {
        return issuedAt;
    }

    /** The items, in time order. */
    public List<ReceiptItem> items() {
        return items;
    }

    /** The kinds of the items, in order. */
    public List<String> kinds() {
        List<String> k = new ArrayList<>();
        for (ReceiptItem i : items) {
            k.add(i.kind());
        }
        return k;
    }

    /** Split concatenated armored receipts, as the library's find functions return them. */
    static List<Receipt> splitArmored(String text) {
        String end = "-----END CUSTODIA RECEIPT-----\n";
        List<Receipt> out = new ArrayList<>();
        for (String part : text.split(end, -1)) {
            if (!part.isBlank()) {
                out.add(fromArmored(part + end));
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Receipt && ((Receipt) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return "Receipt(object=" + objectId + ", case=" + caseRef + ", items=" + kinds() + ")";
    }
}
