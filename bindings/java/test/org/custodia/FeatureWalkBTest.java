package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * feature_walk_b: the same walk as the C tests (tests/c/audit_query.c ... audit_sinks.c) and Python's
 * test_feature_walk_b.py over the second half of issue 17 §2: audit queries and CSV export, anchors, erasure
 * certificates, batch re-wrap, legal-hold listing, audit sinks.
 */
class FeatureWalkBTest {
    static final List<String> WALK = List.of("audit query", "csv export", "anchor", "erasure certificate",
            "batch rewrap", "legal holds", "audit sink");

    @TempDir
    Path dir;

    @Test
    void featureWalkB() throws Exception {
        List<String> walked = new ArrayList<>();
        List<AuditEntry> events = new ArrayList<>();
        byte[] masterB = new byte[32];
        masterB[0] = 1;
        try (Actor anna = Actor.of("anna", "investigator", "NL", Classification.SECRET);
                Custodian a = Custodian.openWithMasterKey(dir.resolve("a"), new byte[32],
                        new Custodian.Options().create(true).auditSink(events::add));
                Custodian b = Custodian.openWithMasterKey(dir.resolve("b"), masterB,
                        new Custodian.Options().create(true))) {
            KeyId kek = a.generateKey(anna, KeyKind.KEK, "local");
            Files.writeString(dir.resolve("doc.txt"), "statement");
            try (SealOptions o = SealOptions.builder(Category.EVIDENCE, Purpose.of("investigation"))
                    .caseRef("MLA-2026-0042").recipient(kek).build()) {
                a.sealFile(anna, o, dir.resolve("doc.txt"), dir.resolve("doc.cust"));
            }

            assertEquals(1, a.auditEntries(new AuditQuery().kinds("sealed")).size());
            walked.add("audit query");
            assertEquals(2, a.auditCsv(new AuditQuery().caseRef("MLA-2026-0042")).split("\r\n").length);
            walked.add("csv export");

            KeyId witness = b.generateKey(anna, KeyKind.ED25519, "witness");
            Anchor anchor = b.countersignAnchor(anna, Anchor.fromJson(a.checkpoint().toJson()), a.auditPublicKey(),
                    witness);
            anchor.verify(a.auditPublicKey(), b.exportPublic(witness));
            assertEquals(1, a.verifyAudit(List.of(anchor)).anchors());
            walked.add("anchor");

            KeyId caseKey = a.caseKey(anna, "MLA-2026-0043", null);
            ErasureCertificate cert = a.destroyKey(anna, caseKey, "retention period ended");
            ErasureCertificate.fromJson(cert.toJson()).verify(a.auditPublicKey());
            assertEquals(List.of(caseKey), cert.keys());
            assertEquals("retention period ended", cert.reason());
            assertEquals("MLA-2026-0043", cert.caseRef().orElseThrow());
            assertTrue(cert.time().getEpochSecond() > 0);
            walked.add("erasure certificate");

            a.rotate(anna, kek);
            assertTrue(a.rewrapBatch(anna, List.of(dir.resolve("doc.cust"))).get(0).ok());
            walked.add("batch rewrap");

            a.placeLegalHold(anna, "MLA-2026-0042", "order 1", "appeal pending");
            assertEquals("MLA-2026-0042", a.legalHolds().get(0).caseRef());
            walked.add("legal holds");

            assertEquals("legal_hold_set", events.get(events.size() - 1).kind());
            List<String> logged = new ArrayList<>();
            for (AuditEntry e : a.auditEntries(new AuditQuery())) {
                if (!List.of("genesis", "checkpoint", "recovery", "erasure").contains(e.kind())) {
                    logged.add(e.kind());
                }
            }
            List<String> seen = new ArrayList<>();
            events.forEach(e -> seen.add(e.kind()));
            assertEquals(logged, seen);
            walked.add("audit sink");
        }
        assertEquals(WALK, walked);
    }
}
