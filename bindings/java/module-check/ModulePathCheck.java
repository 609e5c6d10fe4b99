import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.custodia.Actor;
import org.custodia.Category;
import org.custodia.Classification;
import org.custodia.Custodian;
import org.custodia.KeyId;
import org.custodia.KeyKind;
import org.custodia.Purpose;
import org.custodia.SealOptions;

/**
 * Run by run-tests.sh with the binding on the module path (module org.custodia, JNA as the automatic module
 * com.sun.jna), as an application would use it: JNA reaches the structures and the stream callbacks of the
 * unexported packages through the module's {@code opens}, and those packages stay invisible to this code.
 */
public final class ModulePathCheck {
    private ModulePathCheck() {}

    public static void main(String[] args) throws Exception {
        Module module = Custodian.class.getModule();
        check(module.isNamed() && module.getName().equals("org.custodia"), "org.custodia is a named module");
        check(module.isExported("org.custodia"), "org.custodia is exported");
        check(!module.isExported("org.custodia.raw") && !module.isExported("org.custodia.handles"),
                "org.custodia.raw and org.custodia.handles are not exported");

        Path dir = Files.createTempDirectory("custodia-module-").resolve("c");
        Custodian.Options options = new Custodian.Options().kdf(8 * 1024, 1, 1).create(true);
        byte[] data = "module path check".getBytes(StandardCharsets.UTF_8);
        try (Custodian custodian = Custodian.open(dir, "module path".toCharArray(), options);
                Actor anna = Actor.of("anna", "prosecutor", "DE", Classification.SECRET)) {
            KeyId kek = custodian.generateKey(anna, KeyKind.KEK, "module check");
            ByteArrayOutputStream sealed = new ByteArrayOutputStream();
            try (SealOptions terms = SealOptions.builder(Category.FINANCIAL_RECORDS, Purpose.of("investigation"))
                    .recipient(kek).build()) {
                custodian.sealStream(anna, terms, new ByteArrayInputStream(data), sealed);
            }
            ByteArrayOutputStream opened = new ByteArrayOutputStream();
            custodian.openStream(anna, Purpose.of("investigation"), null, null,
                    new ByteArrayInputStream(sealed.toByteArray()), opened);
            check(Arrays.equals(opened.toByteArray(), data), "stream round trip through JNA callbacks");
        }
        System.out.println("module path: org.custodia exports only org.custodia; JNA reaches raw and handles");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("module path check failed: " + what);
        }
    }
}
