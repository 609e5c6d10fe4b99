package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access policy through the Java binding (issue 14): need-to-know, transfer rules, four eyes. Each rule from
 * the refused side (typed exception, audited, no key touched); hostile policy text and approvals.
 */
class AccessPolicyTest {
    static final byte[] SECRET = "witness W-17".getBytes(StandardCharsets.UTF_8);
    static final String WHY = "The witness is in immediate danger and the court ordered the disclosure now";
    static final Custodian.Options CREATE = new Custodian.Options().create(true);

    @TempDir
    Path dir;

    static byte[] key(int seed) {
        byte[] k = new byte[32];
        k[0] = (byte) seed;
        return k;
    }

    static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return lines.get(lines.size() - 1);
    }

    @Test
    void policyErrorsNameTheLineAndColumn() throws IOException {
        PolicyInvalidException e = assertThrows(PolicyInvalidException.class, () -> AccessPolicy.parse(
                "version = 1\n[roles.x]\ncategories = [\"nope\"]\npurposes = [\"mla\"]\n"));
        assertTrue(e.getMessage().contains("line 3, column 15"), e.getMessage());
        assertEquals(108, e.code());
        assertTrue(e instanceof InvalidArgumentException);
        assertThrows(PolicyInvalidException.class, () -> AccessPolicy.parse("version = 1\ncolour = \"red\"\n"));
        Path file = dir.resolve("p.toml");
        Files.writeString(file, "version = 1\n[roles.a]\ncategories = [\"*\"]\npurposes = [\"mla\"]\n");
        try (AccessPolicy a = AccessPolicy.load(file); AccessPolicy b = AccessPolicy.parse(Files.readString(file))) {
            assertEquals(a.sha256(), b.sha256());
            assertEquals(64, a.sha256().length());
        }
    }

    @Test
    void needToKnowTransferRulesAndFourEyes() throws IOException {
        Path nlDir = dir.resolve("nl");
        try (Custodian nl = Custodian.openWithMasterKey(nlDir, key(1), CREATE);
                Custodian headC = Custodian.openWithMasterKey(dir.resolve("head"), key(2), CREATE);
                Actor anna = Actor.of("anna.schmidt", "prosecutor", "NL", Classification.SECRET);
                Actor bob = Actor.of("bob", "prosecutor", "NL", Classification.SECRET);
                Actor head = Actor.of("head.of.unit", "central_authority", "NL", Classification.SECRET)) {
            KeyId kek = nl.generateKey(anna, KeyKind.KEK, "kek");
            KeyId headKey = headC.generateKey(head, KeyKind.ED25519, "approvals");
            byte[] env;
            try (SealOptions o = SealOptions.builder(Category.WITNESS_IDENTITY, Purpose.of("witness_protection"))
                    .caseRef("MLA-2026-0042").origin("NL").recipient(kek).build()) {
                env = nl.seal(anna, SECRET, o);
            }
            String text = "version = 1\n"
                    + "[roles.prosecutor]\ncategories = [\"witness_identity\"]\n"
                    + "purposes = [\"investigation\", \"prosecution\", \"witness_protection\"]\n"
                    + "[[cases.team]]\ncase = \"MLA-2026-0042\"\nactors = [\"anna.schmidt\"]\n"
                    + "[[transfers.rule]]\ncategory = \"witness_identity\"\nto = \"*\"\ndecision = \"legal_basis\"\n"
                    + "[four_eyes]\ncategories = [\"witness_identity\"]\n"
                    + "[[four_eyes.approver]]\nid = \"head.of.unit\"\nkey = \"" + headC.exportPublic(headKey) + "\"\n";
            try (AccessPolicy policy = AccessPolicy.parse(text)) {
                nl.setAccessPolicy(anna, policy);
                String line = lastLine(nlDir.resolve("audit.log"));
                assertTrue(line.contains("\"kind\":\"policy_changed\""), line);
                assertTrue(line.contains("\"sha256\":\"" + policy.sha256() + "\""), line);
            }

            long before = nl.unwrapAttempts();
            NotOnCaseException e = assertThrows(NotOnCaseException.class,
                    () -> nl.open(bob, env, Purpose.of("witness_protection")));
            assertTrue(e.getMessage().contains("bob is not on case MLA-2026-0042"), e.getMessage());
            assertTrue(e instanceof RefusalException);
            assertThrows(RoleNotPermittedException.class, () -> nl.open(anna, env, Purpose.of("mla.execution")));
            assertEquals(before, nl.unwrapAttempts());
            assertTrue(lastLine(nlDir.resolve("audit.log")).contains("\"kind\":\"role_not_permitted\""));
            try (Opened opened = nl.open(anna, env, Purpose.of("witness_protection"))) {
                assertArrayEquals(SECRET, opened.plaintext().bytes());
            }

            try (SealOptions abroad = SealOptions.builder(Category.WITNESS_IDENTITY, Purpose.of("witness_protection"))
                    .origin("NL").destinations("DE").recipient(kek).build()) {
                LegalBasisRequiredException lb = assertThrows(LegalBasisRequiredException.class,
                        () -> nl.seal(anna, SECRET, abroad));
                assertEquals(213, lb.code());
                assertTrue(lastLine(nlDir.resolve("audit.log")).contains("\"operation\":\"seal\""));
            }

            String objectId = nl.inspect(env).objectId();
            Instant later = Instant.ofEpochSecond(1L << 40);
            try (ExceptionGround order = ExceptionGround.courtOrder("OLG 1/26", WHY)) {
                before = nl.unwrapAttempts();
                ApprovalRequiredException ar = assertThrows(ApprovalRequiredException.class,
                        () -> nl.open(anna, env, Purpose.of("prosecution"), order));
                assertTrue(ar.getMessage().contains("none was given"), ar.getMessage());
                assertThrows(InvalidArgumentException.class, () -> headC.approveException(head, headKey, objectId,
                        "head.of.unit", Purpose.of("prosecution"), ExceptionGround.Kind.COURT_ORDER, "OLG 1/26", later));
                String approval = headC.approveException(head, headKey, objectId, "anna.schmidt",
                        Purpose.of("prosecution"), ExceptionGround.Kind.COURT_ORDER, "OLG 1/26", later);
                assertTrue(approval.startsWith("custodia-approval:"));
                assertThrows(ApprovalInvalidException.class, () -> order.withApproval("custodia-approval:AAAA"));
                String other = headC.approveException(head, headKey, objectId, "anna.schmidt",
                        Purpose.of("investigation"), ExceptionGround.Kind.COURT_ORDER, "OLG 1/26", later);
                try (ExceptionGround wrong = order.withApproval(other)) {
                    assertThrows(ApprovalRequiredException.class,
                            () -> nl.open(anna, env, Purpose.of("prosecution"), wrong));
                }
                assertEquals(before, nl.unwrapAttempts());
                try (ExceptionGround approved = order.withApproval(approval);
                        Opened opened = nl.open(anna, env, Purpose.of("prosecution"), approved)) {
                    assertArrayEquals(SECRET, opened.plaintext().bytes());
                }
                boolean recorded = Files.readAllLines(nlDir.resolve("audit.log")).stream().anyMatch(
                        l -> l.contains("\"kind\":\"exception_used\"") && l.contains("\"approver\":\"head.of.unit\""));
                assertTrue(recorded);
            }
        }
    }
}
