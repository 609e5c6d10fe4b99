import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.custodia.Actor;
import org.custodia.Category;
import org.custodia.Classification;
import org.custodia.CustodiaException;
import org.custodia.Custodian;
import org.custodia.Grant;
import org.custodia.KeyId;
import org.custodia.KeyKind;
import org.custodia.Opened;
import org.custodia.OpenedRecord;
import org.custodia.Purpose;
import org.custodia.Receipt;
import org.custodia.Record;
import org.custodia.SealOptions;

/**
 * The Java side of the cross-language interoperability test ({@code tests/interop/run.sh}): the same small command
 * line as {@code examples/interop.rs}, {@code tests/interop/interop.c} and {@code tests/interop/interop.py}.
 *
 * <pre>
 * Interop generate &lt;dir&gt; kek|x25519          print the new KEK's id, or the new X25519 key's public text
 * Interop generate &lt;dir&gt; ed25519             print the new Ed25519 key's id, then its public text (two lines)
 * Interop import &lt;dir&gt; &lt;key-text-file&gt;...    import public keys (authorities in DE), print their ids (one a line)
 * Interop seal &lt;dir&gt; &lt;out&gt; &lt;plain&gt; &lt;key-id&gt;...         seal a buffer
 * Interop seal-stream &lt;dir&gt; &lt;out&gt; &lt;plain&gt; &lt;key-id&gt;...  seal through Java streams (C callbacks)
 * Interop open &lt;dir&gt; &lt;envelope&gt; &lt;purpose&gt; &lt;out&gt;        open a buffer, write the plaintext to out
 * Interop open-stream &lt;dir&gt; &lt;envelope&gt; &lt;purpose&gt; &lt;out&gt; open through Java streams
 * Interop seal-signed &lt;dir&gt; &lt;out&gt; &lt;plain&gt; &lt;signer&gt; &lt;key-id&gt;...  seal a buffer signed by an own key
 * Interop grant &lt;dir&gt; &lt;envelope&gt; &lt;signer&gt; &lt;purpose&gt; &lt;out&gt;  issue a purpose extension grant for it
 * Interop extend &lt;dir&gt; &lt;envelope&gt; &lt;grant&gt; &lt;out&gt;        apply a purpose extension grant
 * Interop receipt-issue &lt;dir&gt; &lt;envelope&gt; &lt;signer-id&gt; &lt;out&gt;  receive the envelope, write a receipt
 * Interop receipt-import &lt;dir&gt; &lt;receipt&gt;     import a receipt, print its item kinds (one line)
 * Interop receipt-verify &lt;receipt&gt; &lt;key-text-file&gt;  verify with the public key alone, print the kinds
 * </pre>
 *
 * <p>A custodia error prints {@code custodia error <code> <name>: <message>} and exits with the status code (255 if
 * it does not fit an exit status), so a purpose refusal exits with 200 in every language. The fixed master key
 * (bytes 0..31) is a test harness's, never a way to handle real keys.
 */
public final class Interop {
    private Interop() {}

    public static void main(String[] args) throws IOException {
        try {
            run(args);
        } catch (CustodiaException e) {
            System.err.printf("custodia error %d %s: %s%n", e.code(), e.status().name().toLowerCase(Locale.ROOT),
                    e.getMessage());
            System.exit(e.code() > 0 && e.code() <= 254 ? e.code() : 255);
        }
    }

    private static void run(String[] args) throws IOException {
        if (args.length == 3 && args[0].equals("receipt-verify")) {
            Receipt r = Receipt.fromArmored(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8));
            r.verify(Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip());
            System.out.println(String.join(" ", r.kinds()));
            return;
        }
        if (args.length < 3) {
            usage(args);
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        byte[] master = new byte[32];
        for (int i = 0; i < 32; i++) {
            master[i] = (byte) i;
        }
        try (Custodian c = Custodian.openWithMasterKey(Path.of(args[1]), master,
                // `generate` is the first command on a directory: only it may start a new custodian there.
                new Custodian.Options().create(command.equals("generate")));
                Actor actor = Actor.of("interop.java", "investigator", "DE", Classification.SECRET)) {
            Arrays.fill(master, (byte) 0);
            switch (command) {
                case "generate":
                    if (rest.length == 1 && rest[0].equals("kek")) {
                        System.out.println(c.generateKey(actor, KeyKind.KEK, "interop kek"));
                    } else if (rest.length == 1 && rest[0].equals("x25519")) {
                        System.out.println(c.exportPublic(c.generateKey(actor, KeyKind.X25519, "interop x25519")));
                    } else if (rest.length == 1 && rest[0].equals("ed25519")) {
                        KeyId key = c.generateKey(actor, KeyKind.ED25519, "interop ed25519");
                        System.out.println(key);
                        System.out.println(c.exportPublic(key));
                    } else {
                        usage(args);
                    }
                    break;
                case "import":
                    for (String file : rest) {
                        String text = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
                        System.out.println(c.importPublic(actor, text, "interop " + file, "DE"));
                    }
                    break;
                case "seal":
                case "seal-stream":
                    if (rest.length < 3) {
                        usage(args);
                    }
                    seal(c, actor, command.equals("seal-stream"), Path.of(rest[0]), Path.of(rest[1]), null,
                            Arrays.copyOfRange(rest, 2, rest.length));
                    break;
                case "seal-signed":
                    if (rest.length < 4) {
                        usage(args);
                    }
                    seal(c, actor, false, Path.of(rest[0]), Path.of(rest[1]), KeyId.parse(rest[2]),
                            Arrays.copyOfRange(rest, 3, rest.length));
                    break;
                case "grant":
                    if (rest.length != 4) {
                        usage(args);
                    }
                    String objectId = c.inspect(Files.readAllBytes(Path.of(rest[0]))).objectId();
                    Grant grant = c.issuePurposeExtensionGrant(actor, KeyId.parse(rest[1]), objectId,
                            java.util.List.of(rest[2]), java.time.Instant.now().plusSeconds(86400),
                            "interop request letter");
                    Files.writeString(Path.of(rest[3]), grant.toText(), StandardCharsets.US_ASCII);
                    break;
                case "extend":
                    if (rest.length != 3) {
                        usage(args);
                    }
                    Files.write(Path.of(rest[2]), c.extendPurposes(actor, Files.readAllBytes(Path.of(rest[0])),
                            Grant.fromBytes(Files.readAllBytes(Path.of(rest[1])))));
                    break;
                case "open":
                case "open-stream":
                    if (rest.length != 3) {
                        usage(args);
                    }
                    open(c, actor, command.equals("open-stream"), Path.of(rest[0]), Purpose.of(rest[1]),
                            Path.of(rest[2]));
                    break;
                case "receipt-issue":
                    if (rest.length != 3) {
                        usage(args);
                    }
                    String receivedId = c.receive(actor, Files.readAllBytes(Path.of(rest[0]))).objectId();
                    Files.writeString(Path.of(rest[2]),
                            c.issueReceipt(actor, receivedId, KeyId.parse(rest[1])).toArmored(), StandardCharsets.UTF_8);
                    break;
                case "receipt-import":
                    if (rest.length != 1) {
                        usage(args);
                    }
                    Receipt imported =
                            c.importReceipt(actor, Files.readString(Path.of(rest[0]), StandardCharsets.UTF_8));
                    System.out.println(String.join(" ", imported.kinds()));
                    break;
                case "seal-record": {
                    if (rest.length < 2) {
                        usage(args);
                    }
                    SealOptions.Builder b = SealOptions.builder(Category.CASE_ADMINISTRATION, Purpose.of("investigation"),
                            Purpose.of("prosecution")).caseRef("MLA-2026-0007").origin("DE").destinations("DE");
                    for (String k : Arrays.copyOfRange(rest, 1, rest.length)) {
                        b.recipient(KeyId.parse(k));
                    }
                    try (SealOptions options = b.build();
                            Record record = new Record()
                                    .text("account_iban", "NL91ABNA0417164300", Category.FINANCIAL_RECORDS)
                                    .date("born", LocalDate.of(1971, 5, 4), Category.PERSONAL_IDENTITY)
                                    .integer("transfers", -42, Category.FINANCIAL_RECORDS, null,
                                            List.of("investigation.financial"))
                                    .text("witness_name", "A. Jansen", Category.WITNESS_IDENTITY)) {
                        Files.write(Path.of(rest[0]), c.sealRecord(actor, record, options));
                    }
                    break;
                }
                case "open-record": {
                    if (rest.length != 3) {
                        usage(args);
                    }
                    Classification level = Classification.valueOf(rest[2].toUpperCase(Locale.ROOT));
                    try (Actor reader = Actor.of("interop.java.reader", "investigator", "DE", level);
                            OpenedRecord r = c.openRecord(reader, Files.readAllBytes(Path.of(rest[0])),
                                    Purpose.of(rest[1]))) {
                        for (OpenedRecord.Field f : r.fields()) {
                            if (f.withheld != null) {
                                System.out.println(f.name + " withheld " + f.withheld.code());
                            } else if (f.kind.equals("text")) {
                                System.out.println(f.name + "={\"text\":\"" + r.text(f.name) + "\"}");
                            } else if (f.kind.equals("integer")) {
                                System.out.println(f.name + "={\"integer\":" + r.integer(f.name) + "}");
                            } else if (f.kind.equals("date")) {
                                System.out.println(f.name + "={\"date\":\"" + r.date(f.name) + "\"}");
                            } else {
                                System.out.println(f.name + " " + f.kind);
                            }
                        }
                    }
                    break;
                }
                default:
                    usage(args);
            }
        }
    }

    private static void seal(Custodian c, Actor actor, boolean stream, Path out, Path plain, KeyId signer,
            String[] keys) throws IOException {
        SealOptions.Builder builder = SealOptions.builder(Category.EVIDENCE, Purpose.of("investigation"),
                Purpose.of("prosecution")).caseRef("MLA-2026-0007").origin("DE").destinations("DE");
        if (signer != null) {
            builder.signer(signer);
        }
        for (String k : keys) {
            builder.recipient(KeyId.parse(k));
        }
        try (SealOptions options = builder.build()) {
            if (stream) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(plain));
                        OutputStream o = new BufferedOutputStream(Files.newOutputStream(out))) {
                    c.sealStream(actor, options, in, o);
                }
            } else {
                Files.write(out, c.seal(actor, Files.readAllBytes(plain), options));
            }
        }
    }

    private static void open(Custodian c, Actor actor, boolean stream, Path envelope, Purpose purpose, Path out)
            throws IOException {
        if (stream) {
            boolean done = false;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(envelope));
                    OutputStream o = new BufferedOutputStream(Files.newOutputStream(out))) {
                c.openStream(actor, purpose, null, null, in, o);
                done = true;
            } finally {
                if (!done) {
                    Files.deleteIfExists(out); // nothing unauthenticated is left behind
                }
            }
        } else {
            try (Opened opened = c.open(actor, Files.readAllBytes(envelope), purpose)) {
                Files.write(out, opened.plaintext().bytes());
            }
        }
    }

    private static void usage(String[] args) {
        System.err.println("Interop: unknown command or wrong arguments: " + String.join(" ", args));
        System.exit(1);
    }
}
