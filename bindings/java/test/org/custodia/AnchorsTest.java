package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anchors, counter-signing, close/checkpoint and erasure certificates: authority A exports anchors, authority B
 * counter-signs one with a keyring key, a forged one is refused, a log cut back below an anchor no longer verifies,
 * a destroyed key's certificate verifies with the audit key text alone.
 */
class AnchorsTest {
    static final Custodian.Options CREATE = new Custodian.Options().create(true);
    static final byte[] MASTER_A = new byte[32];
    static final byte[] MASTER_B = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            MASTER_A[i] = (byte) (i + 1);
            MASTER_B[i] = (byte) (i + 101);
        }
    }

    @TempDir
    Path dir;
    Custodian a;
    Custodian b;
    Actor anna;
    Actor ben;

    @BeforeEach
    void open() {
        a = Custodian.openWithMasterKey(dir.resolve("a"), MASTER_A, CREATE);
        b = Custodian.openWithMasterKey(dir.resolve("b"), MASTER_B, CREATE);
        anna = Actor.of("anna", "central authority", "NL", Classification.SECRET);
        ben = Actor.of("ben", "central authority", "DE", Classification.SECRET);
    }

    @AfterEach
    void close() {
        anna.close();
        ben.close();
        a.close();
        b.close();
    }

    @Test
    void counterSigningWithAKeyringKey() {
        a.generateKey(anna, KeyKind.KEK, "local");
        String sent = a.checkpoint().toJson(); // what travels is text
        String aKey = a.auditPublicKey();
        KeyId witness = b.generateKey(ben, KeyKind.ED25519, "witness key");
        Anchor witnessed = b.countersignAnchor(ben, Anchor.fromJson(sent), aKey, witness);
        String witnessKey = b.exportPublic(witness);

        assertNotEquals(Anchor.fromJson(sent), witnessed);
        assertEquals(Anchor.fromJson(sent).count(), witnessed.count());
        witnessed.verify(aKey, witnessKey);
        assertTrue(witnessed.isWitnessedBy(witnessKey, aKey));
        assertFalse(witnessed.isWitnessedBy(b.auditPublicKey(), aKey));
        assertFalse(Anchor.fromJson(sent).isWitnessedBy(witnessKey, aKey));
        assertEquals(1, a.verifyAudit(List.of(witnessed)).anchors());
    }

    @Test
    void counterSigningRefusesAnAnchorThatDoesNotVerify() {
        KeyId witness = b.generateKey(ben, KeyKind.ED25519, "witness key");
        Anchor fake;
        try (Custodian mallory = Custodian.openWithMasterKey(dir.resolve("m"), new byte[32], CREATE)) {
            fake = mallory.checkpoint();
        }
        AnchorInvalidException e = assertThrows(AnchorInvalidException.class,
                () -> b.countersignAnchor(ben, fake, a.auditPublicKey(), witness));
        assertSame(Status.ANCHOR_INVALID, e.status());
        String raised = a.checkpoint().toJson().replaceFirst("\"count\":(\\d+)", "\"count\":999");
        assertThrows(AnchorInvalidException.class,
                () -> b.countersignAnchor(ben, Anchor.fromJson(raised), a.auditPublicKey(), witness));
        assertThrows(AnchorInvalidException.class, () -> Anchor.fromJson(raised).verify(a.auditPublicKey()));
        KeyId kek = b.generateKey(ben, KeyKind.KEK, "kek");
        assertThrows(InvalidArgumentException.class,
                () -> b.countersignAnchor(ben, a.checkpoint(), a.auditPublicKey(), kek));
        assertThrows(AnchorInvalidException.class, () -> a.verifyAudit(List.of(fake)));
        assertThrows(InvalidArgumentException.class, () -> Anchor.fromJson("{\"type\":\"other\"}"));
    }

    @Test
    void anAnchorCatchesALogCutBackToAnEarlierCheckpoint() throws Exception {
        KeyId kek = a.generateKey(anna, KeyKind.KEK, "local");
        Anchor early = a.checkpoint();
        try (SealOptions o = SealOptions.builder(Category.EVIDENCE, Purpose.of("investigation")).recipient(kek)
                .build()) {
            byte[] envelope = a.seal(anna, "evidence".getBytes(StandardCharsets.UTF_8), o);
            a.open(anna, envelope, Purpose.of("investigation")).close();
        }
        Anchor anchor = a.checkpoint();
        assertTrue(anchor.count() > early.count());
        Anchor closing = a.closeWithAnchor();
        assertTrue(closing.count() >= anchor.count());
        assertEquals(closing, a.closeWithAnchor());
        assertTrue(a.isClosed());

        Path log = dir.resolve("a").resolve("audit.log");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Files.writeString(log, String.join("\n", lines.subList(0, (int) early.count() + 1)) + "\n",
                StandardCharsets.UTF_8);
        // The keyring pinned the closing checkpoint, so reopening refuses the cut log outright (the anchor another
        // authority holds would refuse it in verifyAudit too, as the Rust tests show for a log verified alone).
        AuditTamperedException e = assertThrows(AuditTamperedException.class,
                () -> Custodian.openWithMasterKey(dir.resolve("a"), MASTER_A, null).close());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void closeThenCallsFail() {
        KeyId kek = a.generateKey(anna, KeyKind.KEK, "local");
        Anchor anchor = a.closeWithAnchor();
        assertThrows(InvalidHandleException.class, () -> a.generateKey(anna, KeyKind.KEK, "late"));
        assertThrows(InvalidHandleException.class, a::checkpoint);
        a.close(); // idempotent
        try (Custodian again = Custodian.openWithMasterKey(dir.resolve("a"), MASTER_A, null)) {
            assertEquals(1, again.verifyAudit(List.of(anchor)).anchors());
            assertEquals(1, again.keys().stream().filter(k -> k.id().equals(kek)).count());
        }
    }

    @Test
    void destroyKeyReturnsACertificateThatVerifiesWithTheAuditKeyAlone() {
        KeyId key = a.caseKey(anna, "MLA-2026-0042", null);
        ErasureCertificate cert = a.destroyKey(anna, key, "retention period ended");
        assertEquals(List.of(key), cert.keys());
        String auditKey = a.auditPublicKey();
        ErasureCertificate.fromJson(cert.toJson()).verify(auditKey);
        assertThrows(AuditTamperedException.class, () -> cert.verify(b.auditPublicKey()));
        ErasureCertificate forged = ErasureCertificate.fromJson(cert.toJson().replace("MLA-2026-0042", "MLA-2026-0043"));
        AuditTamperedException e = assertThrows(AuditTamperedException.class, () -> forged.verify(auditKey));
        assertSame(Status.AUDIT_TAMPERED, e.status());
    }

    @Test
    void shredExpiredCarriesCertificates() {
        Instant past = Instant.ofEpochSecond(1);
        KeyId k1 = a.caseKey(anna, "MLA-2026-0001", past);
        KeyId k2 = a.caseKey(anna, "MLA-2026-0002", past);
        Custodian.ShredReport report = a.shredExpired(anna);
        assertEquals(2, report.destroyed());
        assertEquals(2, report.certificates().size());
        for (ErasureCertificate cert : report.certificates()) {
            cert.verify(a.auditPublicKey());
            assertTrue(cert.keys().contains(k1) || cert.keys().contains(k2));
        }
        assertTrue(a.shredExpired(anna).certificates().isEmpty());
    }
    @Test
    void oneEntryProvedToAnotherAuthorityWithAMerkleBundle() {
        KeyId kek = a.generateKey(anna, KeyKind.KEK, "proved");
        List<AuditEntry> generated = a.auditEntries(new AuditQuery().kinds("key_generated"));
        long seq = generated.get(generated.size() - 1).seq().getAsLong();
        String bundle = a.proveAuditEntry(seq);
        // B holds only A's audit public key: the entry checks, and is A's entry at that index.
        String line = Custodian.verifyInclusion(bundle, a.auditPublicKey());
        assertTrue(line.contains("\"seq\":" + seq + ","), line);
        assertTrue(line.contains("\"kind\":\"key_generated\""), line);
        assertTrue(line.contains(kek.toString()), line);
        // Not A's key: the checkpoint is not signed by it.
        AuditTamperedException wrongKey =
                assertThrows(AuditTamperedException.class, () -> Custodian.verifyInclusion(bundle, b.auditPublicKey()));
        assertEquals(Status.CHECKPOINT_INVALID, wrongKey.status());
        // The entry edited inside the bundle: not the entry at that index any more.
        String forged = bundle.replace("\"kind\":\"key_generated\"", "\"kind\":\"key_destroyed\"");
        assertNotEquals(bundle, forged);
        assertThrows(AuditTamperedException.class, () -> Custodian.verifyInclusion(forged, a.auditPublicKey()));
        // Beyond the log, and not an index at all.
        assertThrows(InvalidArgumentException.class, () -> a.proveAuditEntry(10_000));
        assertThrows(InvalidArgumentException.class, () -> a.proveAuditEntry(-1));
    }
}
