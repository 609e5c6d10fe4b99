package org.custodia;

import com.sun.jna.ptr.LongByReference;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.custodia.handles.Native;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;

/**
 * A verified SD-JWT presentation of a record (docs/FORMAT.md section 15): the issuer's signed claims and the fields
 * it discloses. {@link #verify} checks a presentation with the issuer's public key alone, no custodian needed; a
 * {@link Custodian} issues ({@link Custodian#issueSdJwt}) and presents ({@link Custodian#present}).
 *
 * <p>Values are Java objects, which Java cannot wipe (the library wipes its own copies): keep a presentation's
 * lifetime short. A text, integer, date or bytes field is a {@code String}, {@code Long}, {@link LocalDate} or
 * {@code byte[]}; a nested field is its JSON text (as {@link OpenedRecord#json} gives it). {@link #json} gives any
 * field's value in the records' JSON form.
 */
public final class Presentation {
    private final String objectId;
    private final String caseRef;
    private final KeyId issuer;
    private final Instant issuedAt;
    private final long fieldCount;
    private final long withheldCount;
    private final Map<String, String> json = new LinkedHashMap<>();

    private Presentation(long h) {
        CustodiaLibrary lib = Native.lib();
        LongByReference fields = new LongByReference();
        LongByReference withheld = new LongByReference();
        LongByReference disclosed = new LongByReference();
        Native.check(lib.custodia_presentation_counts(h, fields, withheld, disclosed));
        fieldCount = fields.getValue();
        withheldCount = withheld.getValue();
        byte[] id = new byte[KeyId.LENGTH];
        Native.check(lib.custodia_presentation_issuer(h, id));
        issuer = KeyId.fromBytes(id);
        LongByReference at = new LongByReference();
        Native.check(lib.custodia_presentation_issued_at(h, at));
        issuedAt = Instant.ofEpochSecond(at.getValue());
        CustodiaBuffer b = new CustodiaBuffer();
        Native.check(lib.custodia_presentation_object_id(h, b));
        objectId = Native.takeText(b);
        CustodiaBuffer c = new CustodiaBuffer();
        Native.check(lib.custodia_presentation_case_ref(h, c));
        String caseText = Native.takeText(c);
        caseRef = caseText.isEmpty() ? null : caseText;
        for (long i = 0; i < disclosed.getValue(); i++) {
            CustodiaBuffer name = new CustodiaBuffer();
            CustodiaBuffer value = new CustodiaBuffer();
            Native.check(lib.custodia_presentation_field(h, i, name, value));
            String n = Native.takeText(name);
            json.put(n, Native.takeText(value));
        }
    }

    /**
     * Verify a presentation (or a whole SD-JWT) with the issuer's public key text ({@link Custodian#exportPublic}
     * of its Ed25519 key).
     *
     * @throws SignatureInvalidException for a signature that does not verify (another issuer's key, an altered or
     *     foreign disclosure)
     * @throws MalformedEnvelopeException for a text that is not of the profile (truncated, a bad JWT or disclosure)
     *     or too large
     * @throws KeyringException for a key text that is not an Ed25519 public key
     */
    public static Presentation verify(String text, String issuerKeyText) {
        LongByReference out = new LongByReference();
        Native.check(Native.lib().custodia_sd_jwt_verify(Native.text("text", text),
                Native.text("issuerKeyText", issuerKeyText), out));
        try {
            return new Presentation(out.getValue());
        } finally {
            Native.lib().custodia_presentation_free(out.getValue());
        }
    }

    /** The object id of the record's envelope (32 lowercase hex digits). */
    public String objectId() {
        return objectId;
    }

    /** The case reference the envelope was sealed for, if any. */
    public Optional<String> caseRef() {
        return Optional.ofNullable(caseRef);
    }

    /** The id of the key that signed it. */
    public KeyId issuer() {
        return issuer;
    }

    /** When it was issued. */
    public Instant issuedAt() {
        return issuedAt;
    }

    /** How many fields the record has. */
    public long fieldCount() {
        return fieldCount;
    }

    /** How many of the record's fields the presentation does not show (never which). */
    public long withheldCount() {
        return withheldCount;
    }

    /** The names of the disclosed fields, in name order. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(json.keySet()));
    }

    /** The disclosed fields, name to value (see the class comment for the types), in name order. */
    public Map<String, Object> fields() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : json.keySet()) {
            out.put(n, value(n));
        }
        return Collections.unmodifiableMap(out);
    }

    /** A disclosed field's value in the records' JSON form ({@code {"text":"..."}}, ...). */
    public String json(String name) {
        String j = json.get(Objects.requireNonNull(name, "name"));
        if (j == null) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(),
                    "the presentation does not disclose a field " + name);
        }
        return j;
    }

    /** A disclosed field's value: {@code String}, {@code Long}, {@link LocalDate}, {@code byte[]} or nested JSON. */
    public Object value(String name) {
        String j = json(name);
        int colon = j.indexOf(':');
        String kind = j.substring(2, colon - 1);
        String rest = j.substring(colon + 1, j.length() - 1);
        switch (kind) {
            case "text":
                return unquote(rest);
            case "integer":
                return Long.parseLong(rest);
            case "date":
                return LocalDate.parse(unquote(rest));
            case "bytes":
                return HexFormat.of().parseHex(unquote(rest));
            default:
                return j;
        }
    }

    /** A text field's value. */
    public String text(String name) {
        return (String) typed(name, String.class);
    }

    /** An integer field's value. */
    public long integer(String name) {
        return (Long) typed(name, Long.class);
    }

    /** A date field's value. */
    public LocalDate date(String name) {
        return (LocalDate) typed(name, LocalDate.class);
    }

    /** A bytes field's value (a copy). */
    public byte[] bytes(String name) {
        return (byte[]) typed(name, byte[].class);
    }

    private Object typed(String name, Class<?> type) {
        Object v = value(name);
        if (!type.isInstance(v) || (type == String.class && json(name).startsWith("{\"nested\""))) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(),
                    "field " + name + " is not of type " + type.getSimpleName());
        }
        return v;
    }

    /** Decode one JSON string literal (as the library writes it). */
    private static String unquote(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 1; i < s.length() - 1; i++) {
            char ch = s.charAt(i);
            if (ch != '\\') {
                b.append(ch);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default: b.append(e);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() { // names only, never values
        return "Presentation(objectId=" + objectId + ", issuer=" + issuer + ", disclosed=" + names() + ", withheld="
                + withheldCount + ")";
    }
}
