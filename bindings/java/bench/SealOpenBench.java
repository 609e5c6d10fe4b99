import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.custodia.Actor;
import org.custodia.Category;
import org.custodia.Classification;
import org.custodia.Custodian;
import org.custodia.Durability;
import org.custodia.KeyId;
import org.custodia.KeyKind;
import org.custodia.Opened;
import org.custodia.Purpose;
import org.custodia.SealOptions;

/**
 * Cost of one 1 KiB seal + open under a local KEK, from Java, audit log included (durability os_buffered, so that a
 * sync per event does not hide the binding's share; the custodian on tmpfs, /dev/shm by default): the same round
 * trip as {@code examples/durability_bench.rs --one-row}. Prints the median (and p10/p90) over ITERATIONS after
 * WARMUP, then the machine-readable line {@code java median_us=... n=... warmup=...} that
 * {@code benches/bindings/run.sh} reads. Args: [iterations=2000] [warmup=500] [parent dir=/dev/shm].
 */
public final class SealOpenBench {
    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Path dir = Files.createTempDirectory(Path.of(args.length > 2 ? args[2] : "/dev/shm"), "custodia-java-bench-");
        byte[] master = new byte[32];
        Arrays.fill(master, (byte) 3);
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0x42);
        Purpose purpose = Purpose.of("investigation");
        try (Custodian c = Custodian.openWithMasterKey(dir.resolve("c"), master,
                        new Custodian.Options().create(true).durability(Durability.OS_BUFFERED));
                Actor actor = Actor.of("bench", "analyst", "NL", Classification.SECRET)) {
            KeyId kek = c.generateKey(actor, KeyKind.KEK, "bench");
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, purpose).recipient(kek).build()) {
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
                System.out.printf(java.util.Locale.ROOT, "java median_us=%.2f n=%d warmup=%d%n", samples[iterations / 2] / 1e3, iterations,
                        warmup);
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
