import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.custodia.Actor;
import org.custodia.Category;
import org.custodia.Classification;
import org.custodia.Custodian;
import org.custodia.KeyId;
import org.custodia.KeyKind;
import org.custodia.Opened;
import org.custodia.Purpose;
import org.custodia.SealOptions;

/**
 * Cost of one 1 KiB seal + open under a local KEK, from Java, audit log included (default durability: each event
 * fsynced). Prints the median (and p10/p90) over ITERATIONS after WARMUP. Args: [iterations] [warmup] [parent dir, e.g. /dev/shm to take fsync out].
 */
public final class SealOpenBench {
    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Path dir = args.length > 2 ? Files.createTempDirectory(Path.of(args[2]), "custodia-bench-")
                : Files.createTempDirectory("custodia-bench-");
        byte[] master = new byte[32];
        new Random(1).nextBytes(master);
        byte[] data = new byte[1024];
        new Random(2).nextBytes(data);
        Purpose purpose = Purpose.of("criminal_investigation.fraud");
        try (Custodian c = Custodian.openWithMasterKey(dir, master, new Custodian.Options().create(true));
                Actor actor = Actor.of("bench", "analyst", "DE", Classification.SECRET)) {
            KeyId kek = c.generateKey(actor, KeyKind.KEK, "bench");
            try (SealOptions o = SealOptions.builder(Category.EVIDENCE, purpose).recipient(kek).build()) {
                long[] samples = new long[iterations];
                for (int i = -warmup; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    byte[] envelope = c.seal(actor, data, o);
                    try (Opened opened = c.open(actor, envelope, purpose)) {
                        if (opened.plaintext().length() != data.length) {
                            throw new AssertionError();
                        }
                    }
                    long t1 = System.nanoTime();
                    if (i >= 0) {
                        samples[i] = t1 - t0;
                    }
                }
                Arrays.sort(samples);
                System.out.printf("1 KiB seal+open, local KEK, %d iterations after %d warm-up: median %.1f us"
                        + " (p10 %.1f, p90 %.1f)%n", iterations, warmup, samples[iterations / 2] / 1e3,
                        samples[iterations / 10] / 1e3, samples[iterations * 9 / 10] / 1e3);
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
