package org.custodia.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading: search order, the ABI check, and the error a host sees when either fails (in child JVMs). */
class LibraryLoaderTest {
    @Test
    void loadsTheBuiltLibraryWithTheExpectedAbi() {
        assertEquals(LibraryLoader.EXPECTED_ABI_VERSION, LibraryLoader.library().custodia_abi_version());
    }

    @Test
    void checkAbiRefusesAMismatchNamingBothVersions() {
        LibraryLoader.IncompatibleLibraryError e = assertThrows(LibraryLoader.IncompatibleLibraryError.class,
                () -> LibraryLoader.checkAbi(2, 1, "/x/libcustodia.so", "9.9.9"));
        assertTrue(e.getMessage().contains("ABI version 2"), e.getMessage());
        assertTrue(e.getMessage().contains("written for ABI version 1"), e.getMessage());
        LibraryLoader.checkAbi(1, 1, "/x", "0.1.0");
    }

    @Test
    void aMissingFileIsRefusedClearlyAndTheSameWayEveryTime() throws Exception {
        String out = probe(List.of("-Dcustodia.library.path=/nonexistent/libcustodia.so"), null);
        assertEquals("refused: custodia.library.path names /nonexistent/libcustodia.so, which is not a file\n"
                + "refused: custodia.library.path names /nonexistent/libcustodia.so, which is not a file\n", out);
    }

    @Test
    void thePropertyWinsOverTheEnvironmentAndADirectoryIsAccepted() throws Exception {
        File lib = new File(System.getenv("CUSTODIA_LIB"));
        String out = probe(List.of("-Dcustodia.library.path=" + lib.getParent()), "/nonexistent");
        assertTrue(out.startsWith("loaded "), out);
    }

    @Test
    void theEnvironmentVariableIsUsedAndJnaLibraryPathIsTheFallback() throws Exception {
        File lib = new File(System.getenv("CUSTODIA_LIB"));
        assertTrue(probe(List.of(), lib.getPath()).startsWith("loaded "));
        assertTrue(probe(List.of("-Djna.library.path=" + lib.getParent()), "").startsWith("loaded "));
    }

    @Test
    void aLibraryWithAnotherAbiVersionIsRefused(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/cc").canExecute(), "needs a C compiler");
        Path source = dir.resolve("fake.c");
        Files.writeString(source, "unsigned custodia_abi_version(void) { return 3; }\n"
                + "const char *custodia_version(void) { return \"9.0.0\"; }\n");
        Path fake = dir.resolve("libcustodia.so");
        Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", fake.toString(), source.toString())
                .inheritIO().start();
        assertEquals(0, cc.waitFor());
        String out = probe(List.of("-Dcustodia.library.path=" + fake), null);
        assertTrue(out.startsWith("refused: libcustodia at " + fake), out);
        assertTrue(out.contains("(version 9.0.0) has C ABI version 3, but these Java bindings were written for ABI "
                + "version " + LibraryLoader.EXPECTED_ABI_VERSION), out);
    }

    private static String probe(List<String> jvmArgs, String env) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LoadProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (env == null) {
            pb.environment().remove("CUSTODIA_LIB");
        } else {
            pb.environment().put("CUSTODIA_LIB", env);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
