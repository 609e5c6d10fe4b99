import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.custodia.AccessPolicy;
import org.custodia.Actor;
import org.custodia.AuditReport;
import org.custodia.Category;
import org.custodia.Classification;
import org.custodia.Custodian;
import org.custodia.ExceptionGround;
import org.custodia.Grant;
import org.custodia.InstrumentKind;
import org.custodia.KeyDestroyedException;
import org.custodia.KeyId;
import org.custodia.KeyKind;
import org.custodia.NotOnCaseException;
import org.custodia.OnwardTransferNotGrantedException;
import org.custodia.Opened;
import org.custodia.Purpose;
import org.custodia.PurposeNotPermittedException;
import org.custodia.Receipt;
import org.custodia.ReceiptInvalidException;
import org.custodia.ReceiptItem;
import org.custodia.SealOptions;

/**
 * A mutual legal assistance exchange: state A (Germany) seals bank records for state B (France), bound to the
 * purpose of a fraud investigation; B opens them for that purpose, is refused for a tax assessment, opens them for
 * it under a court order; B sends A a signed disclosure receipt, which A verifies and records (an altered copy is
 * refused); B verifies its audit log; under the rule of speciality B passes signed records on to a third state
 * (Belgium) or uses them for more only under A's signed grant; B's access policy refuses a judge who is not on the
 * case team (need-to-know); A shreds the case key when the case closes.
 *
 * Run: bindings/java/run-tests.sh (which runs this), or
 *   java -cp build/classes:build/example-classes:/usr/share/java/jna.jar MlaExchange
 */
public final class MlaExchange {
    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory("custodia-mla-");
        char[] berlinPass = "Berlin prosecutor's office keyring".toCharArray();
        char[] parisPass = "Paris investigating judge keyring".toCharArray();
        // Cheap Argon2id for the demo only; production keeps the default cost.
        // create(true): this first start sets both custodians up; a host that opens an existing one leaves it off.
        Custodian.Options demo = new Custodian.Options().kdf(8 * 1024, 1, 1).create(true);
        Purpose fraud = Purpose.of("criminal_investigation.fraud");
        Purpose tax = Purpose.of("tax_assessment");

        try (Custodian berlin = Custodian.open(base.resolve("berlin"), berlinPass, demo);
                Custodian paris = Custodian.open(base.resolve("paris"), parisPass, demo);
                Actor anna = Actor.of("anna.schmidt", "prosecutor", "DE", Classification.SECRET);
                Actor pierre = Actor.of("pierre.martin", "juge_d_instruction", "FR", Classification.SECRET)) {
            java.util.Arrays.fill(berlinPass, '\0');
            java.util.Arrays.fill(parisPass, '\0');

            // B publishes its inbox key; A imports it.
            KeyId parisInbox = paris.generateKey(pierre, KeyKind.X25519, "Paris MLA inbox");
            KeyId parisAtBerlin = berlin.importPublic(anna, paris.exportPublic(parisInbox), "Paris MLA inbox",
                    "FR");
            // A keeps its own copy under the case key, which it can shred when the case closes.
            KeyId caseKey = berlin.caseKey(anna, "MLA-2026-0042", null);

            byte[] records = "Account DE89 3704 0044 0532 0130 00: 12 transfers to FR76 3000 6000 0112 3456 7890 189"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] envelope;
            try (SealOptions terms = SealOptions.builder(Category.FINANCIAL_RECORDS, fraud)
                    .caseRef("MLA-2026-0042").origin("DE").destinations("FR")
                    .instrument(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, "EIO-FR-2026-117", "Directive 2014/41/EU")
                    .recipient(parisAtBerlin).recipient(caseKey).build()) {
                envelope = berlin.seal(anna, records, terms);
            }
            java.util.Arrays.fill(records, (byte) 0);
            System.out.println("A sealed " + envelope.length + " bytes for B: " + paris.inspect(envelope));

            // B records the arrival (no key touched): its disclosure receipt to A starts here.
            String objectId = paris.receive(pierre, envelope).objectId();
            try (Opened opened = paris.open(pierre, envelope, fraud)) {
                System.out.println("B opened for " + fraud + ": " + opened.plaintext().length() + " bytes");
            }
            try {
                paris.open(pierre, envelope, tax).close();
                throw new AssertionError("a tax assessment must be refused");
            } catch (PurposeNotPermittedException refused) {
                System.out.println("B refused for " + tax + ": " + refused.getMessage());
            }
            try (ExceptionGround order = ExceptionGround.courtOrder("TJ-Paris-2026/5531",
                    "the tax fraud proceedings concern the same transfers and the court ordered disclosure");
                    Opened opened = paris.open(pierre, envelope, tax, order)) {
                System.out.println("B opened for " + tax + " under " + order.describe().split(":")[0] + ": "
                        + opened.plaintext().length() + " bytes");
            }

            speciality(base, berlin, paris, anna, pierre, parisAtBerlin, records.length);

            // Need-to-know at B: only the case team opens the case's data (docs/POLICY.md); audited as policy_changed.
            try (AccessPolicy policy = AccessPolicy.parse(
                    "version = 1\n[[cases.team]]\ncase = \"MLA-2026-0042\"\nactors = [\"pierre.martin\"]\n")) {
                paris.setAccessPolicy(pierre, policy);
            }
            try (Actor colleague = Actor.of("claude.petit", "juge_d_instruction", "FR", Classification.SECRET)) {
                paris.open(colleague, envelope, fraud).close();
                throw new AssertionError("a judge who is not on the case team must be refused");
            } catch (NotOnCaseException refused) {
                System.out.println("B refused a colleague off the case: " + refused.getMessage());
            }

            // B sends A a signed disclosure receipt; A verifies it against B's imported signing key and records it.
            KeyId parisReceipts = paris.generateKey(pierre, KeyKind.ED25519, "Paris receipt signing key");
            berlin.importPublic(anna, paris.exportPublic(parisReceipts), "Paris receipt signing key", "FR");
            Receipt receipt = paris.issueReceipt(pierre, objectId, parisReceipts);
            String text = receipt.toArmored(); // what travels back to A
            for (ReceiptItem item : receipt.items()) {
                String what = item.get("exception_kind") != null ? item.get("exception_kind") : item.get("purpose");
                System.out.println("  receipt: " + item.kind() + " " + (what == null ? "-" : what));
            }
            berlin.importReceipt(anna, text);
            System.out.println("A holds " + berlin.receiptsForCase("MLA-2026-0042").size() + " receipt(s) for the case");
            String[] lines = text.split("\n", -1);
            int sig = lines.length - 3; // the last base64 line lies in the signature
            lines[sig] = (lines[sig].charAt(0) == 'A' ? "B" : "A") + lines[sig].substring(1);
            try {
                berlin.importReceipt(anna, String.join("\n", lines));
                throw new AssertionError("an altered receipt must be refused");
            } catch (ReceiptInvalidException altered) {
                System.out.println("A refused an altered receipt: " + altered.getMessage());
            }

            AuditReport report = paris.verifyAudit();
            System.out.println("B's audit log verifies: " + report);

            berlin.open(anna, envelope, fraud).close();
            berlin.destroyKey(anna, caseKey, "case MLA-2026-0042 closed; retention period over");
            try {
                berlin.open(anna, envelope, fraud).close();
                throw new AssertionError("the shredded case key must not open");
            } catch (KeyDestroyedException shredded) {
                System.out.println("A shredded the case key; opening now: " + shredded.getMessage());
            }
            System.out.println("A's audit log verifies: " + berlin.verifyAudit());
        } finally {
            try (var walk = Files.walk(base)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Rule of speciality: an onward transfer and a purpose extension need the originator's (A's) signed grant. */
    static void speciality(Path base, Custodian berlin, Custodian paris, Actor anna, Actor pierre, KeyId parisAtBerlin,
            int length) {
        Purpose investigation = Purpose.of("investigation");
        Purpose execution = Purpose.of("mla.execution");
        java.time.Instant until = java.time.Instant.now().plusSeconds(30L * 86400);
        KeyId signer = berlin.generateKey(anna, KeyKind.ED25519, "Berlin signing key");
        byte[] signed;
        try (SealOptions terms = SealOptions.builder(Category.FINANCIAL_RECORDS, investigation, execution)
                .destinations("FR").recipient(parisAtBerlin).signer(signer).build()) {
            signed = berlin.seal(anna, new byte[length], terms);
        }
        String objectId = paris.inspect(signed).objectId();
        try (Custodian brussels = Custodian.openWithMasterKey(base.resolve("brussels"), new byte[32],
                new Custodian.Options().create(true));
                Actor lucas = Actor.of("lucas.peeters", "onderzoeksrechter", "BE", Classification.SECRET)) {
            KeyId be = paris.importPublic(pierre, brussels.exportPublic(brussels.generateKey(lucas, KeyKind.X25519,
                    "Brussels MLA inbox")), "Brussels MLA inbox", "BE");
            try {
                paris.rewrap(pierre, signed, execution, java.util.List.of(), java.util.List.of(be));
                throw new AssertionError("an onward transfer without a grant must be refused");
            } catch (OnwardTransferNotGrantedException refused) {
                System.out.println("B passing it to BE without A's grant: " + refused.getMessage());
            }
            Grant grant = berlin.issueOnwardTransferGrant(anna, signer, objectId, "Brussels investigating judge",
                    "BE", be, until, "FR request letter 2026/41");
            byte[] shared = paris.rewrap(pierre, signed, execution, java.util.List.of(), java.util.List.of(be), grant);
            try (Opened opened = brussels.open(lucas, shared, investigation)) {
                System.out.println("with A's grant " + grant.id() + " B shares it; BE opens "
                        + opened.plaintext().length() + " bytes");
            }
        }
        Grant extension = berlin.issuePurposeExtensionGrant(anna, signer, objectId,
                java.util.List.of("tax_assessment"), until, "FR request letter 2026/42");
        try (Opened opened = paris.open(pierre, paris.extendPurposes(pierre, signed, extension),
                Purpose.of("tax_assessment"))) {
            System.out.println("B opens " + opened.plaintext().length()
                    + " bytes for tax_assessment under A's purpose extension " + extension.id());
        }
    }
}
