package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed records from Java (issue 16 §1). Attacks: a reader not cleared for a field gets it withheld and its getter
 * throws the refusal; the envelope-level refusal still throws; open and openRecord keep to their payload types; a
 * changed byte fails the whole open; the audit log names fields, never values.
 */
class RecordsTest {
    static final Purpose INVESTIGATION = Purpose.of("investigation");

    @TempDir
    Path dir;
    Custodian custodian;
    Actor jan;
    Actor ana;
    SealOptions options;
    byte[] envelope;

    @BeforeEach
    void seal() {
        custodian = Custodian.openWithMasterKey(dir, new byte[32], new Custodian.Options().create(true));
        jan = Actor.of("jan", "prosecutor", "NL", Classification.SECRET);
        ana = Actor.of("ana", "analyst", "NL", Classification.CONFIDENTIAL);
        KeyId kek = custodian.generateKey(jan, KeyKind.KEK, "case team");
        options = SealOptions.builder(Category.CASE_ADMINISTRATION, INVESTIGATION, Purpose.of("prosecution"))
                .caseRef("MLA-2026-0042").recipient(kek).build();
        try (Record address = new Record().text("city", "Utrecht", Category.CONTACT_DETAILS);
                Record r = new Record()
                        .text("account_iban", "NL91ABNA0417164300", Category.FINANCIAL_RECORDS)
                        .nested("address", address, Category.CONTACT_DETAILS)
                        .date("born", LocalDate.of(1971, 5, 4), Category.PERSONAL_IDENTITY)
                        .bytes("scan", new byte[] {0x25, 0x50, 0, (byte) 0xff}, Category.EVIDENCE, null, null)
                        .integer("transfers", -42, Category.FINANCIAL_RECORDS, null,
                                List.of("investigation.financial"))
                        .text("witness_name", "A. Jansen", Category.WITNESS_IDENTITY)) {
            assertThrows(ClearanceInsufficientException.class, () -> custodian.sealRecord(ana, r, options));
            envelope = custodian.sealRecord(jan, r, options);
        }
    }

    @AfterEach
    void close() {
        options.close();
        ana.close();
        jan.close();
        custodian.close();
    }

    @Test
    void aClearedReaderGetsEveryValue() {
        try (OpenedRecord r = custodian.openRecord(jan, envelope, Purpose.of("investigation.financial"))) {
            assertEquals(List.of(), r.withheld());
            assertEquals("NL91ABNA0417164300", r.text("account_iban"));
            assertEquals(-42, r.integer("transfers"));
            assertEquals(LocalDate.of(1971, 5, 4), r.date("born"));
            assertArrayEquals(new byte[] {0x25, 0x50, 0, (byte) 0xff}, r.bytes("scan"));
            assertEquals("{\"nested\":{\"city\":{\"text\":\"Utrecht\"}}}", r.nestedJson("address"));
            assertEquals(List.of("investigation.financial"), r.fields().get(4).purposes);
        }
    }

    @Test
    void fieldsAReaderMayNotSeeAreWithheldAndTheirGettersThrowTheRefusal() throws Exception {
        try (OpenedRecord r = custodian.openRecord(ana, envelope, INVESTIGATION)) {
            assertEquals(List.of("account_iban", "address", "born", "scan"), r.disclosed());
            assertEquals(List.of("transfers", "witness_name"), r.withheld());
            ClearanceInsufficientException e =
                    assertThrows(ClearanceInsufficientException.class, () -> r.text("witness_name"));
            assertTrue(e.getMessage().contains("witness_name is withheld"), e.getMessage());
            assertThrows(PurposeNotPermittedException.class, () -> r.integer("transfers"));
            assertNull(r.fields().get(0).withheld);
        }
        String log = Files.readString(dir.resolve("audit.log"));
        assertTrue(log.contains("\"withheld\":\"transfers witness_name\""));
        assertTrue(!log.contains("A. Jansen") && !log.contains("NL91ABNA"));
    }

    @Test
    void theEnvelopeGateAndThePayloadTypesHold() {
        assertThrows(PurposeNotPermittedException.class,
                () -> custodian.openRecord(jan, envelope, Purpose.of("asset_recovery")));
        assertThrows(InvalidArgumentException.class, () -> custodian.open(jan, envelope, INVESTIGATION));
        byte[] plain = custodian.seal(jan, new byte[] {1, 2, 3}, options);
        assertThrows(InvalidArgumentException.class, () -> custodian.openRecord(jan, plain, INVESTIGATION));
        byte[] bad = envelope.clone();
        bad[bad.length - 30] ^= 1;
        assertThrows(OpenFailedException.class, () -> custodian.openRecord(jan, bad, INVESTIGATION));
    }

    @Test
    void aPolicyMaskGivesTheMaskedViewNeverTheValue() {
        try (AccessPolicy policy = AccessPolicy.parse("version = 1\n"
                + "[roles.prosecutor]\ncategories = [\"*\"]\npurposes = [\"investigation\", \"prosecution\"]\n"
                + "[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n"
                + "[[mask]]\ncategory = \"witness_identity\"\npurposes = [\"investigation\"]\n"
                + "roles = [\"analyst\"]\nrule = \"initials\"\n")) {
            custodian.setAccessPolicy(jan, policy);
        }
        try (OpenedRecord r = custodian.openRecord(ana, envelope, INVESTIGATION)) {
            assertEquals("A. J.", r.masked("witness_name"));
            assertEquals("initials", r.fields().get(5).mask);
            assertEquals(List.of("transfers"), r.withheld());
            assertThrows(ClearanceInsufficientException.class, () -> r.text("witness_name"));
            assertNull(r.masked("account_iban"));
        }
    }

    @Test
    void pseudonymsAreStableInACaseAndResolvingIsAudited() {
        List<String> p = custodian.pseudonymize(jan, INVESTIGATION, "MLA-2026-0042", Category.PERSONAL_IDENTITY,
                "person", List.of("Jan de Vries", "jan de VRIES", "Anna Smit"));
        assertEquals(3, p.size());
        assertEquals(p.get(0), p.get(1));
        assertEquals(32, p.get(0).length());
        assertEquals(1, custodian.resolvePseudonym(jan, INVESTIGATION, "MLA-2026-0042", Category.PERSONAL_IDENTITY,
                "person", p.get(2), List.of("Piet", "Anna Smit")));
        assertEquals(-1, custodian.resolvePseudonym(jan, INVESTIGATION, "MLA-2026-0042", Category.PERSONAL_IDENTITY,
                "person", p.get(2), List.of("Piet")));
    }
}
