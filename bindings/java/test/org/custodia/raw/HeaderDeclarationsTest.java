package org.custodia.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.sun.jna.Structure;
import org.junit.jupiter.api.Test;

/** The raw layer declares exactly the functions of include/custodia.h, each with the header's parameter count. */
class HeaderDeclarationsTest {
    private static final Pattern FUNCTION =
            Pattern.compile("\\b(custodia_[a-z0-9_]+)\\s*\\(([^()]*)\\)\\s*;", Pattern.DOTALL);

    static Path header() {
        String configured = System.getProperty("custodia.header");
        if (configured != null) {
            return Path.of(configured);
        }
        return Path.of("../../include/custodia.h");
    }

    static Map<String, Integer> headerFunctions() throws IOException {
        String text = Files.readString(header());
        text = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
        Map<String, Integer> functions = new TreeMap<>();
        Matcher m = FUNCTION.matcher(text);
        while (m.find()) {
            String params = m.group(2).trim();
            int count = params.isEmpty() || params.equals("void") ? 0 : params.split(",").length;
            functions.put(m.group(1), count);
        }
        return functions;
    }

    static Map<String, Integer> javaFunctions() {
        Map<String, Integer> functions = new TreeMap<>();
        for (Method method : CustodiaLibrary.class.getDeclaredMethods()) {
            Integer previous = functions.put(method.getName(), method.getParameterCount());
            assertEquals(null, previous, "overloaded declaration " + method.getName());
        }
        return functions;
    }

    @Test
    void everyHeaderFunctionIsDeclaredWithTheSameArity() throws IOException {
        Map<String, Integer> header = headerFunctions();
        assertFalse(header.isEmpty(), "no functions found in " + header());
        Map<String, Integer> java = javaFunctions();
        for (Map.Entry<String, Integer> e : header.entrySet()) {
            assertEquals(e.getValue(), java.get(e.getKey()),
                    e.getKey() + ": parameter count in the header vs CustodiaLibrary (null = not declared)");
        }
    }

    @Test
    void everyDeclarationIsInTheHeader() throws IOException {
        Map<String, Integer> header = headerFunctions();
        for (Map.Entry<String, Integer> e : javaFunctions().entrySet()) {
            assertEquals(e.getValue(), header.get(e.getKey()),
                    e.getKey() + ": declared in CustodiaLibrary but the header has (null = no such function)");
        }
    }

    /**
     * The size and field offsets of {@code struct custodia_envelope_info} (which grew in ABI 4) and
     * {@code struct custodia_recipient}, as a C compiler lays them out from the header, against the JNA structures.
     * Skipped when no C compiler is installed.
     */
    @Test
    void structLayoutsMatchTheHeader(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException, InterruptedException {
        Path cc = Path.of("/usr/bin/cc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(cc), "no C compiler");
        EnvelopeInfo info = new EnvelopeInfo();
        EnvelopeInfo.Recipient recipient = new EnvelopeInfo.Recipient();
        Map<String, Structure> structs = new TreeMap<>(Map.of("custodia_envelope_info", info, "custodia_recipient",
                recipient, "custodia_record_field", new RecordField()));
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"custodia.h\"\n"
                + "int main(void) {\n");
        for (Map.Entry<String, Structure> e : structs.entrySet()) {
            c.append("  printf(\"").append(e.getKey()).append(" %zu\\n\", sizeof(struct ").append(e.getKey())
                    .append("));\n");
            for (String field : e.getValue().getClass().getAnnotation(Structure.FieldOrder.class).value()) {
                c.append("  printf(\"").append(e.getKey()).append('.').append(field)
                        .append(" %zu\\n\", offsetof(struct ").append(e.getKey()).append(", ").append(field)
                        .append("));\n");
            }
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("layout.c");
        Path exe = dir.resolve("layout");
        Files.writeString(src, c);
        Process build = new ProcessBuilder(cc.toString(), "-std=c11", "-I" + header().toAbsolutePath().getParent(),
                src.toString(), "-o", exe.toString()).inheritIO().start();
        assertEquals(0, build.waitFor(), "cc failed");
        Process run = new ProcessBuilder(exe.toString()).start();
        Map<String, Long> layout = new TreeMap<>();
        for (String line : new String(run.getInputStream().readAllBytes()).split("\n")) {
            String[] parts = line.split(" ");
            layout.put(parts[0], Long.parseLong(parts[1]));
        }
        assertEquals(0, run.waitFor());
        for (Map.Entry<String, Structure> e : structs.entrySet()) {
            assertEquals(layout.get(e.getKey()), (long) e.getValue().size(), e.getKey() + " size");
            for (String field : e.getValue().getClass().getAnnotation(Structure.FieldOrder.class).value()) {
                Structure st = e.getValue();
                long offset = st instanceof EnvelopeInfo ? ((EnvelopeInfo) st).offsetOf(field)
                        : st instanceof RecordField ? ((RecordField) st).offsetOf(field)
                        : ((EnvelopeInfo.Recipient) st).offsetOf(field);
                assertEquals(layout.get(e.getKey() + "." + field), offset,
                        e.getKey() + "." + field);
            }
        }
    }

    @Test
    void everyDeclaredFunctionResolvesInTheLibrary() {
        com.sun.jna.NativeLibrary lib = com.sun.jna.NativeLibrary.getInstance(System.getenv("CUSTODIA_LIB"));
        for (String name : javaFunctions().keySet()) {
            lib.getFunction(name); // throws UnsatisfiedLinkError when missing
        }
    }
}
