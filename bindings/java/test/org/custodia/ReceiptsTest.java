package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disclosure receipts: NL receives DE's envelope, opens it, is refused an asset-recovery open, opens it under a
 * national-security exception and signs a receipt; DE imports it against NL's imported signing key and finds it per
 * object and per case. Hostile receipts (wrong key, edited, truncated, oversized, for another envelope) are refused
 * with their typed exceptions and touch no key.
 */
class ReceiptsTest {
    static final Custodian.Options CREATE = new Custodian.Options().create(true);

    @TempDir
    Path dir;
    Custodian de;
    Custodian nl;
    Actor anna;
    Actor jan;
    KeyId signer;
    byte[] envelope;

    @BeforeEach
    void open() {
        de = Custodian.openWithMasterKey(dir.resolve("de"), new byte[32], CREATE);
        byte[] nlKey = new byte[32];
        nlKey[0] = 1;
        nl = Custodian.openWithMasterKey(dir.resolve("nl"), nlKey, CREATE);
        anna = Actor.of("anna", "prosecutor", "DE", Classification.SECRET);
        jan = Actor.of("jan", "investigator", "NL", Classification.SECRET);
        KeyId nlX = nl.generateKey(jan, KeyKind.X25519, "NL central authority");
        signer = nl.generateKey(jan, KeyKind.ED25519, "NL receipts");
        KeyId toNl = de.importPublic(anna, nl.exportPublic(nlX), "NL", "NL");
        de.importPublic(anna, nl.exportPublic(signer), "NL receipts", "NL");
        try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, Purpose.of("investigation"),
                Purpose.of("mla.execution")).caseRef("MLA-2026-0042").destinations("NL").recipient(toNl).build()) {
            envelope = de.seal(anna, "IBAN NL91ABNA0417164300".getBytes(StandardCharsets.UTF_8), o);
        }
    }

    @AfterEach
    void close() {
        anna.close();
        jan.close();
        de.close();
        nl.close();
    }

    private Receipt handled() {
        String object = nl.receive(jan, envelope).objectId();
        nl.open(jan, envelope, Purpose.of("investigation")).close();
        assertThrows(PurposeNotPermittedException.class, () -> nl.open(jan, envelope, Purpose.of("asset_recovery")));
        try (ExceptionGround ns = ExceptionGround.nationalSecurity("Decision AIVD 2026/3",
                "The account funds an imminent attack on critical infrastructure here")) {
            nl.open(jan, envelope, Purpose.of("asset_recovery"), ns).close();
        }
        return nl.issueReceipt(jan, object, signer);
    }

    @Test
    void aReceiptRoundTrip() {
        Receipt r = handled();
        assertEquals(List.of("received", "opened", "refused", "exception_used", "opened"), r.kinds());
        assertEquals("investigation", r.items().get(1).get("purpose"));
        assertEquals("investigator", r.items().get(1).get("role"));
        assertNull(r.items().get(1).get("actor"));
        assertEquals("national_security", r.items().get(3).get("exception_kind"));
        assertEquals("MLA-2026-0042", r.caseRef());
        assertEquals(signer, r.issuer());
        r.verify(nl.exportPublic(signer));
        assertEquals("jan", nl.issueReceipt(jan, r.objectId(), signer, true, true).items().get(1).get("actor"));

        long before = de.unwrapAttempts();
        String text = r.toArmored(); // what travels is text
        assertTrue(text.startsWith("-----BEGIN CUSTODIA RECEIPT-----\n"));
        assertEquals(r, de.importReceipt(anna, text));
        assertEquals(List.of(r), de.receiptsForObject(r.objectId()));
        assertEquals(List.of(r), de.receiptsForCase("MLA-2026-0042"));
        assertEquals(List.of(), de.receiptsForCase("MLA-2026-9999"));
        assertEquals(before, de.unwrapAttempts());
    }

    @Test
    void hostileReceiptsAreRefused() {
        Receipt r = handled();
        String text = r.toArmored();
        long before = de.unwrapAttempts();
        KeyId forger = nl.generateKey(jan, KeyKind.ED25519, "forger");
        Receipt forged = nl.issueReceipt(jan, r.objectId(), forger);
        ReceiptIssuerUnknownException e =
                assertThrows(ReceiptIssuerUnknownException.class, () -> de.importReceipt(anna, forged.toArmored()));
        assertSame(Status.RECEIPT_ISSUER_UNKNOWN, e.status());
        assertThrows(ReceiptIssuerUnknownException.class, () -> forged.verify(nl.exportPublic(signer)));
        String[] lines = text.split("\n", -1);
        lines[1] = (lines[1].charAt(0) == 'A' ? "B" : "A") + lines[1].substring(1);
        String edited = String.join("\n", lines);
        assertSame(Status.RECEIPT_INVALID,
                assertThrows(ReceiptInvalidException.class, () -> de.importReceipt(anna, edited)).status());
        assertThrows(ReceiptInvalidException.class, () -> Receipt.fromArmored(edited));
        assertThrows(ReceiptInvalidException.class, () -> de.importReceipt(anna, text.substring(0, text.length() / 2)));
        assertThrows(ReceiptInvalidException.class, () -> de.importReceipt(anna, "A".repeat(200_000)));
        assertThrows(ReceiptNotApplicableException.class,
                () -> nl.issueReceipt(jan, "00000000000000000000000000000000", signer));
        // A genuine receipt by NL's key, for an envelope another authority sent.
        byte[] other;
        try (Custodian fr = Custodian.openWithMasterKey(dir.resolve("fr"), new byte[] {
                7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, CREATE)) {
            KeyId nlX2 = nl.generateKey(jan, KeyKind.X25519, "NL 2");
            KeyId inFr = fr.importPublic(anna, nl.exportPublic(nlX2), "NL", "NL");
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, Purpose.of("investigation"))
                    .caseRef("MLA-2026-0042").destinations("NL").recipient(inFr).build()) {
                other = fr.seal(anna, new byte[] {1}, o);
            }
        }
        String otherObject = nl.receive(jan, other).objectId();
        Receipt foreign = nl.issueReceipt(jan, otherObject, signer);
        ReceiptNotApplicableException refused =
                assertThrows(ReceiptNotApplicableException.class, () -> de.importReceipt(anna, foreign.toArmored()));
        assertTrue(refused.isRefusal());
        assertEquals(before, de.unwrapAttempts());
        assertEquals(List.of(), de.receiptsForObject(r.objectId()));
    }

    @Test
    void theLaterExceptionGrounds() {
        String why = "Disclosure is needed to stop an ongoing attack on the power grid of the region";
        try (ExceptionGround g = ExceptionGround.overridingPublicInterest("Art. 23(1)(d) GDPR", why)) {
            assertSame(ExceptionGround.Kind.OVERRIDING_PUBLIC_INTEREST, g.kind());
            assertEquals(6, g.kind().code());
            assertTrue(g.describe().startsWith("overriding_public_interest Art. 23(1)(d) GDPR: "));
        }
        try (ExceptionGround g = ExceptionGround.nationalSecurity("Decision NSC 2026/17", why)) {
            assertEquals(5, g.kind().code());
            assertEquals("national_security", g.kind().wireName());
        }
        assertThrows(InvalidExceptionGroundException.class, () -> ExceptionGround.nationalSecurity(" ", why));
    }
}
