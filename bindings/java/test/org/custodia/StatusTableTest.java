package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link Status} and {@link CustodiaException#of} are checked against the one source of the codes: {@code ErrorKind}
 * in the Rust library plus the C ABI's boundary kinds, which cbindgen writes into {@code include/custodia.h} as
 * {@code CUSTODIA_ERR_<NAME> = <code>} (the Rust tests check the header against them in both directions). See
 * docs/C_API.md, "Status codes".
 */
class StatusTableTest {
    private static final Pattern ERR = Pattern.compile("(?m)^\\s*CUSTODIA_ERR_(\\w+)\\s*=\\s*(\\d+),");

    private static Path header() {
        String configured = System.getProperty("custodia.header");
        return configured != null ? Path.of(configured) : Path.of("../../include/custodia.h");
    }

    /** Every {@code CUSTODIA_ERR_*} of the header: code -> NAME. */
    private static Map<Integer, String> headerErrors() throws IOException {
        Map<Integer, String> codes = new TreeMap<>();
        Matcher m = ERR.matcher(Files.readString(header()));
        while (m.find()) {
            String previous = codes.put(Integer.parseInt(m.group(2)), m.group(1));
            assertEquals(null, previous, "duplicate code " + m.group(2) + " in the header");
        }
        assertTrue(codes.size() > 50, "CUSTODIA_ERR_* not found in " + header());
        return codes;
    }

    /** The base class of a code's group: the hundreds of the code (Rust {@code ErrorCategory}), internal apart. */
    private static Class<? extends CustodiaException> groupBase(int code, String name) {
        if (name.equals("INTERNAL") || name.equals("POISONED")) {
            return InternalException.class;
        }
        switch (code / 100) {
            case 1:
                return InvalidArgumentException.class;
            case 2:
                return RefusalException.class;
            case 3:
                return EnvelopeException.class;
            case 4:
                return KeyException.class;
            case 5:
                return AuditException.class;
            case 9:
                return EnvironmentException.class;
            default:
                throw new AssertionError("code " + code + " is outside the groups");
        }
    }

    @Test
    void everyHeaderCodeHasItsStatusAndEveryStatusIsInTheHeader() throws IOException {
        Map<Integer, String> codes = headerErrors();
        for (Map.Entry<Integer, String> e : codes.entrySet()) {
            Status s = Status.of(e.getKey());
            assertNotEquals(Status.UNKNOWN, s, "CUSTODIA_ERR_" + e.getValue() + " has no Status");
            assertEquals(e.getValue(), s.name(), "Status for " + e.getKey());
        }
        for (Status s : Status.values()) {
            if (s == Status.OK || s == Status.UNKNOWN) {
                continue;
            }
            assertEquals(s.name(), codes.get(s.code()), "Status." + s.name() + " is not in the header");
        }
    }

    @Test
    void everyHeaderCodeMapsToAnExceptionOfItsGroup() throws IOException {
        for (Map.Entry<Integer, String> e : headerErrors().entrySet()) {
            int code = e.getKey();
            String name = e.getValue();
            CustodiaException ex = CustodiaException.of(code, "m");
            assertNotEquals(CustodiaException.class, ex.getClass(), name + " maps to no specific exception");
            Class<? extends CustodiaException> base = groupBase(code, name);
            assertTrue(base.isInstance(ex), name + " maps to " + ex.getClass().getSimpleName() + ", not a "
                    + base.getSimpleName());
            // Where a class is named after the code (KEY_STATE -> KeyStateException), the code maps to exactly it.
            String own = "org.custodia." + camel(name) + "Exception";
            try {
                assertSame(Class.forName(own), ex.getClass(), name);
            } catch (ClassNotFoundException none) {
                // Codes without a class of their own share their group's (e.g. KEYRING_CORRUPT -> KeyringException).
            }
        }
    }

    private static String camel(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.toLowerCase(Locale.ROOT).split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }
}
