package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Custodia.memoryProtection() and Custodia.disableCoreDumps() (docs/MEMORY.md). */
class MemoryTest {
    @TempDir
    Path dir;

    @Test
    void anOpenCustodianKeepsItsSecretsInTheLockedPool() {
        MemoryProtection before = Custodia.memoryProtection();
        byte[] master = new byte[32];
        master[0] = 9;
        try (Custodian c = Custodian.openWithMasterKey(dir, master, new Custodian.Options().create(true));
                Actor anna = Actor.of("anna", "prosecutor", "DE", Classification.SECRET)) {
            c.generateKey(anna, KeyKind.KEK, "kek");
            MemoryProtection during = Custodia.memoryProtection();
            // The keyring's file key and secrets and the audit signing key are in the pool.
            assertTrue(during.liveSecrets() > before.liveSecrets(), during.toString());
            // Locked, or the refusal is counted: never silent.
            assertTrue(during.lockedBytes() > 0 || (during.lockFailures() > 0 && during.unlockedBytes() > 0),
                    during.toString());
        }
        assertEquals(before.liveSecrets(), Custodia.memoryProtection().liveSecrets(),
                "closing the custodian released its secrets");
    }

    /** Run in a child JVM by the test below: the setting lasts for the life of the process. */
    public static void main(String[] args) {
        Optional<Boolean> was = Custodia.memoryProtection().dumpable();
        Custodia.disableCoreDumps();
        System.out.println("before=" + was.orElse(null) + " after=" + Custodia.memoryProtection().dumpable().orElse(null));
    }

    @Test
    void disableCoreDumpsShowsInTheStatus() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MemoryTest.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("before=true after=false", out.strip());
    }
}
