package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import org.custodia.handles.Native;
import org.custodia.raw.CustodiaLibrary;
import org.junit.jupiter.api.Test;

/** Purposes, key ids, and the enums, checked against the library's own names and codes. */
class VocabularyTest {
    private final CustodiaLibrary lib = Native.lib();

    @Test
    void categoriesMatchTheLibrary() {
        for (Category c : Category.values()) {
            PointerByReference name = new PointerByReference();
            Native.check(lib.custodia_category_name(c.code(), name));
            assertEquals(c.wireName(), Native.staticString(name));
            IntByReference min = new IntByReference();
            Native.check(lib.custodia_category_minimum_classification(c.code(), min));
            assertEquals(c.minimumClassification().code(), min.getValue(), c.wireName());
            IntByReference code = new IntByReference();
            Native.check(lib.custodia_category_from_name(c.wireName(), code));
            assertEquals(c.code(), code.getValue());
        }
        assertThrows(InvalidArgumentException.class,
                () -> Native.check(lib.custodia_category_name(13, new PointerByReference())));
        assertThrows(InvalidArgumentException.class, () -> Category.fromCode(0));
    }

    @Test
    void classificationsExceptionKindsAndKeyKindsMatchTheLibrary() {
        for (Classification c : Classification.values()) {
            PointerByReference name = new PointerByReference();
            Native.check(lib.custodia_classification_name(c.code(), name));
            assertEquals(c.wireName(), Native.staticString(name));
            IntByReference code = new IntByReference();
            Native.check(lib.custodia_classification_from_name(c.wireName(), code));
            assertEquals(c, Classification.fromCode(code.getValue()));
        }
        for (ExceptionGround.Kind k : ExceptionGround.Kind.values()) {
            PointerByReference name = new PointerByReference();
            Native.check(lib.custodia_exception_kind_name(k.code(), name));
            assertEquals(k.wireName(), Native.staticString(name));
            IntByReference code = new IntByReference();
            Native.check(lib.custodia_exception_kind_from_name(k.wireName(), code));
            assertEquals(k.code(), code.getValue());
        }
        for (KeyKind k : KeyKind.values()) {
            PointerByReference name = new PointerByReference();
            Native.check(lib.custodia_key_kind_name(k.code(), name));
            assertEquals(k.wireName(), Native.staticString(name));
            IntByReference code = new IntByReference();
            Native.check(lib.custodia_key_kind_from_name(k.wireName(), code));
            assertEquals(k, KeyKind.fromCode(code.getValue()));
        }
        assertThrows(InvalidArgumentException.class,
                () -> Native.check(lib.custodia_classification_from_name("top_secret", new IntByReference())));
    }

    @Test
    void purposesAreParsedNotValidated() {
        Purpose p = Purpose.of("criminal_investigation.fraud");
        assertEquals("criminal_investigation.fraud", p.value());
        assertEquals(p, Purpose.of("criminal_investigation.fraud"));
        assertNotEquals(p, Purpose.of("criminal_investigation"));
        for (String bad : new String[] {"", "Fraud", "a..b", ".a", "a.", "1abc", "a b", "a-b",
                "a.b.c.d.e.f.g", "x".repeat(33)}) {
            InvalidPurposeException e = assertThrows(InvalidPurposeException.class, () -> Purpose.of(bad), bad);
            assertEquals(Status.INVALID_PURPOSE, e.status());
            assertTrue(e.getMessage().startsWith("invalid purpose"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> Purpose.of(null));
    }

    @Test
    void stringsThatCannotReachCUnchangedAreRefused() {
        InvalidArgumentException nul = assertThrows(InvalidArgumentException.class, () -> Purpose.of("fraud\0x"));
        assertEquals(Status.INVALID_ARGUMENT, nul.status());
        InvalidArgumentException surrogate =
                assertThrows(InvalidArgumentException.class, () -> Purpose.of("fraud\uD800"));
        assertEquals(Status.INVALID_UTF8, surrogate.status());
    }

    @Test
    void keyIdsRoundTrip() {
        KeyId id = KeyId.parse("00112233445566778899AABBCCDDEEFF");
        assertEquals("00112233445566778899aabbccddeeff", id.toString());
        assertEquals(id, KeyId.fromBytes(id.toBytes()));
        assertEquals(id.hashCode(), KeyId.fromBytes(id.toBytes()).hashCode());
        byte[] copy = id.toBytes();
        copy[0] = 9;
        assertEquals("00112233445566778899aabbccddeeff", id.toString(), "toBytes returns a copy");
        assertThrows(InvalidArgumentException.class, () -> KeyId.parse("0011"));
        assertThrows(InvalidArgumentException.class, () -> KeyId.parse("zz112233445566778899aabbccddeeff"));
        assertThrows(InvalidArgumentException.class, () -> KeyId.fromBytes(new byte[15]));
        assertThrows(InvalidArgumentException.class, () -> KeyId.fromBytes(new byte[0]));
        assertThrows(NullPointerException.class, () -> KeyId.parse(null));
    }

    @Test
    void versionAndAbi() {
        assertEquals(org.custodia.raw.LibraryLoader.EXPECTED_ABI_VERSION, Custodia.abiVersion());
        assertTrue(Custodia.version().matches("\\d+\\.\\d+\\.\\d+.*"), Custodia.version());
    }
}
