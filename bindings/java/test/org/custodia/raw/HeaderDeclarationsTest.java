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

    @Test
    void everyDeclaredFunctionResolvesInTheLibrary() {
        com.sun.jna.NativeLibrary lib = com.sun.jna.NativeLibrary.getInstance(System.getenv("CUSTODIA_LIB"));
        for (String name : javaFunctions().keySet()) {
            lib.getFunction(name); // throws UnsatisfiedLinkError when missing
        }
    }
}
