package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verifiable redaction from Java (issue 16 §3, docs/FORMAT.md section 15): a record issued as an SD-JWT, presented
 * with some fields, verified with the issuer's public key alone. Attacks: an altered disclosure, another issuer's
 * key, a truncated text, a bad key text, a field the SD-JWT does not have, a reader not cleared for a field (it
 * never enters the SD-JWT), a key that cannot sign; each throws its typed exception. Issue and present are audited.
 */
class SdJwtTest {
    static final Purpose INVESTIGATION = Purpose.of("investigation");

    @TempDir
    Path dir;
    Custodian custodian;
    Actor jan;
    Actor ana;
    KeyId kek;
    KeyId signer;
    SealOptions options;
    byte[] envelope;

    @BeforeEach
    void seal() {
        custodian = Custodian.openWithMasterKey(dir, new byte[32], new Custodian.Options().create(true));
        jan = Actor.of("jan", "prosecutor", "NL", Classification.SECRET);
        ana = Actor.of("ana", "analyst", "NL", Classification.CONFIDENTIAL);
        kek = custodian.generateKey(jan, KeyKind.KEK, "case team");
        signer = custodian.generateKey(jan, KeyKind.ED25519, "NL redaction key");
        options = SealOptions.builder(Category.CASE_ADMINISTRATION, INVESTIGATION, Purpose.of("prosecution"))
                .caseRef("MLA-2026-0042").recipient(kek).build();
        try (Record address = new Record().text("city", "Utrecht", Category.CONTACT_DETAILS);
                Record r = new Record()
                        .text("account_iban", "NL91ABNA0417164300", Category.FINANCIAL_RECORDS)
                        .nested("address", address, Category.CONTACT_DETAILS)
                        .date("born", LocalDate.of(1971, 5, 4), Category.PERSONAL_IDENTITY)
                        .bytes("scan", new byte[] {0x25, 0x50, 0, (byte) 0xff}, Category.EVIDENCE, null, null)
                        .integer("transfers", -42, Category.FINANCIAL_RECORDS, null, null)
                        .text("witness_name", "A. \"Jansen\"\n", Category.WITNESS_IDENTITY)) {
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

    private static String alterFirstDisclosure(String text) {
        int t = text.indexOf('~') + 1;
        // Characters 4..7 of a disclosure encode characters 1..3 of its salt: still well formed, no longer signed.
        String patch = text.startsWith("QUFB", t + 4) ? "QkJC" : "QUFB";
        return text.substring(0, t + 4) + patch + text.substring(t + 8);
    }

    @Test
    void issuePresentVerifyShowsExactlyTheChosenFields() {
        String sd = custodian.issueSdJwt(jan, envelope, INVESTIGATION, signer);
        assertTrue(sd.endsWith("~"));
        String pres = custodian.present(jan, sd, List.of("born", "scan", "account_iban"), "FR-PNF", INVESTIGATION);
        Presentation p = Custodian.verifyPresentation(pres, custodian.exportPublic(signer));
        assertEquals(List.of("account_iban", "born", "scan"), p.names());
        assertEquals("NL91ABNA0417164300", p.text("account_iban"));
        assertEquals(LocalDate.of(1971, 5, 4), p.date("born"));
        assertArrayEquals(new byte[] {0x25, 0x50, 0, (byte) 0xff}, p.bytes("scan"));
        assertEquals(6, p.fieldCount());
        assertEquals(3, p.withheldCount());
        assertEquals(Optional.of("MLA-2026-0042"), p.caseRef());
        assertEquals(signer, p.issuer());
        assertEquals(32, p.objectId().length());
        assertTrue(p.issuedAt().getEpochSecond() > 1_700_000_000L);
        assertFalse(p.toString().contains("NL91"));
        assertThrows(InvalidArgumentException.class, () -> p.text("witness_name"));
        assertThrows(InvalidArgumentException.class, () -> p.integer("born"));

        Presentation whole = Presentation.verify(sd, custodian.exportPublic(signer));
        assertEquals(0, whole.withheldCount());
        assertEquals(-42, whole.integer("transfers"));
        assertEquals("A. \"Jansen\"\n", whole.text("witness_name"));
        assertEquals("{\"nested\":{\"city\":{\"text\":\"Utrecht\"}}}", whole.json("address"));
        assertEquals(whole.json("address"), whole.fields().get("address"));
        assertEquals(6, whole.fields().size());
    }

    @Test
    void issueAndPresentAreAudited() throws Exception {
        String sd = custodian.issueSdJwt(jan, envelope, INVESTIGATION, signer);
        custodian.present(jan, sd, List.of("born"), "FR-PNF", INVESTIGATION);
        String log = Files.readString(dir.resolve("audit.log"));
        assertTrue(log.contains("\"operation\":\"sd_jwt_issue\""));
        assertTrue(log.contains("\"audience\":\"FR-PNF\""));
        assertFalse(log.contains("NL91ABNA") || log.contains("Jansen"));
    }

    @Test
    void tamperingAndWrongKeysAreRefusedWithTypedExceptions() {
        KeyId other = custodian.generateKey(jan, KeyKind.ED25519, "another key");
        String key = custodian.exportPublic(signer);
        String pres = custodian.present(jan, custodian.issueSdJwt(jan, envelope, INVESTIGATION, signer),
                List.of("account_iban", "born"), "FR-PNF", INVESTIGATION);
        assertThrows(SignatureInvalidException.class, () -> Presentation.verify(alterFirstDisclosure(pres), key));
        assertThrows(SignatureInvalidException.class,
                () -> Presentation.verify(pres, custodian.exportPublic(other)));
        assertThrows(MalformedEnvelopeException.class,
                () -> Presentation.verify(pres.substring(0, pres.indexOf('~') - 10), key));
        assertThrows(MalformedEnvelopeException.class,
                () -> Presentation.verify(pres.substring(0, pres.length() - 6), key));
        assertThrows(KeyringException.class, () -> Presentation.verify(pres, "not a key"));
        assertThrows(InvalidArgumentException.class, () -> Presentation.verify(null, key));
    }

    @Test
    void presentingRefusesWhatTheSdJwtDoesNotHold() {
        String sd = custodian.issueSdJwt(jan, envelope, INVESTIGATION, signer);
        assertThrows(InvalidArgumentException.class,
                () -> custodian.present(jan, sd, List.of("phone"), "FR-PNF", INVESTIGATION));
        assertThrows(InvalidArgumentException.class,
                () -> custodian.present(jan, sd, List.of("born", "born"), "FR-PNF", INVESTIGATION));
        assertThrows(InvalidArgumentException.class,
                () -> custodian.present(jan, sd, List.of("born"), "", INVESTIGATION));
        assertThrows(SignatureInvalidException.class,
                () -> custodian.present(jan, alterFirstDisclosure(sd), List.of("born"), "FR-PNF", INVESTIGATION));
        assertThrows(MalformedEnvelopeException.class,
                () -> custodian.present(jan, "x.y.z~", List.of("born"), "FR-PNF", INVESTIGATION));
    }

    @Test
    void aFieldTheIssuerMayNotOpenNeverEntersTheSdJwt() {
        String sd = custodian.issueSdJwt(ana, envelope, INVESTIGATION, signer);
        assertFalse(sd.contains("Jansen"));
        Presentation p = Presentation.verify(sd, custodian.exportPublic(signer));
        assertFalse(p.names().contains("witness_name"));
        assertEquals(1, p.withheldCount());
        assertThrows(InvalidArgumentException.class,
                () -> custodian.present(ana, sd, List.of("witness_name"), "FR-PNF", INVESTIGATION));
        assertThrows(InvalidArgumentException.class, () -> custodian.issueSdJwt(ana, envelope, INVESTIGATION, kek));
        assertThrows(PurposeNotPermittedException.class,
                () -> custodian.issueSdJwt(ana, envelope, Purpose.of("marketing"), signer));
    }
}
