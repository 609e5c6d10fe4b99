package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grants (rule of speciality) through the Java binding: DE seals a signed envelope for NL; NL may neither pass it to
 * FR nor use it for another purpose without DE's grant. Refusals are typed and touch no key; forged and malformed
 * grants are refused; with the grants the transfer and the extension go through and FR opens.
 */
class GrantsTest {
    static final Custodian.Options CREATE = new Custodian.Options().create(true);
    static final byte[] STATEMENT =
            "IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456".getBytes(StandardCharsets.UTF_8);
    static final String LETTER = "DE request letter 2026/118";
    static final Purpose EXECUTION = Purpose.of("mla.execution");
    static final Purpose INVESTIGATION = Purpose.of("investigation");

    @Test
    void onwardTransferAndPurposeExtensionNeedTheOriginatorsGrant(@TempDir Path dir) {
        try (Custodian de = Custodian.openWithMasterKey(dir.resolve("de"), new byte[32], CREATE);
                Custodian nl = Custodian.openWithMasterKey(dir.resolve("nl"), new byte[32], CREATE);
                Custodian fr = Custodian.openWithMasterKey(dir.resolve("fr"), new byte[32], CREATE);
                Actor anna = Actor.of("anna", "prosecutor", "DE", Classification.SECRET);
                Actor jan = Actor.of("jan", "central_authority", "NL", Classification.SECRET);
                Actor claire = Actor.of("claire", "magistrate", "FR", Classification.SECRET)) {
            KeyId signer = de.generateKey(anna, KeyKind.ED25519, "DE signing");
            KeyId nlKey = de.importPublic(anna, nl.exportPublic(nl.generateKey(jan, KeyKind.X25519, "NL")), "NL", "NL");
            KeyId frKey =
                    nl.importPublic(jan, fr.exportPublic(fr.generateKey(claire, KeyKind.X25519, "FR")), "FR", "FR");
            byte[] envelope;
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION, EXECUTION)
                    .destinations("NL").recipient(nlKey).signer(signer).build()) {
                envelope = de.seal(anna, STATEMENT, o);
            }
            String objectId = nl.inspect(envelope).objectId();
            Instant soon = Instant.now().plusSeconds(30L * 86400);

            long before = nl.unwrapAttempts();
            OnwardTransferNotGrantedException refused = assertThrows(OnwardTransferNotGrantedException.class,
                    () -> nl.rewrap(jan, envelope, EXECUTION, List.of(), List.of(frKey)));
            assertTrue(refused.isRefusal() && refused.getMessage().contains("originator"), refused.getMessage());
            assertEquals(215, refused.code());

            Grant grant = de.issueOnwardTransferGrant(anna, signer, objectId, "Parquet national financier", "FR",
                    frKey, soon, LETTER);
            assertTrue(grant.toText().startsWith("-----BEGIN CUSTODIA GRANT-----\n"));
            assertEquals(32, grant.id().length());
            assertEquals(grant, Grant.fromText(grant.toText()));
            String text = grant.toText();
            int at = text.length() - "-----END CUSTODIA GRANT-----\n".length() - 8;
            Grant forged = Grant.fromText(text.substring(0, at) + (text.charAt(at) == 'A' ? 'B' : 'A')
                    + text.substring(at + 1));
            OnwardTransferNotGrantedException f = assertThrows(OnwardTransferNotGrantedException.class,
                    () -> nl.rewrap(jan, envelope, EXECUTION, List.of(), List.of(frKey), forged));
            assertTrue(f.getMessage().contains("signature does not verify"), f.getMessage());
            GrantInvalidException bad = assertThrows(GrantInvalidException.class,
                    () -> Grant.fromBytes("hello".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(312, bad.code());
            assertEquals(before, nl.unwrapAttempts(), "a refusal touches no key");

            byte[] shared = nl.rewrap(jan, envelope, EXECUTION, List.of(), List.of(frKey), grant);
            try (Opened opened = fr.open(claire, shared, INVESTIGATION)) {
                assertArrayEquals(STATEMENT, opened.plaintext().bytes());
            }

            // Purpose extension.
            Purpose prosecution = Purpose.of("prosecution.trial");
            assertThrows(PurposeNotPermittedException.class, () -> nl.open(jan, envelope, prosecution));
            PurposeExtensionNotGrantedException wrongKind = assertThrows(PurposeExtensionNotGrantedException.class,
                    () -> nl.extendPurposes(jan, envelope, grant));
            assertEquals(216, wrongKind.code());
            Grant extension =
                    de.issuePurposeExtensionGrant(anna, signer, objectId, List.of("prosecution"), soon, LETTER);
            byte[] extended = nl.extendPurposes(jan, envelope, extension);
            try (Opened opened = nl.open(jan, extended, prosecution)) {
                assertArrayEquals(STATEMENT, opened.plaintext().bytes());
            }
        }
    }
}
