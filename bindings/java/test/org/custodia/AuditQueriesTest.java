package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit queries and CSV export, legal-hold listing, batch re-wrap and audit sinks. Each test tries to break what it
 * checks: filters that must exclude, a refused purpose per file, a file that must no longer open without the
 * re-wrap, a sink that throws (the exception must not reach the library), required sinks that must fail the
 * operation while the log keeps the event.
 */
class AuditQueriesTest {
    static final byte[] MASTER = new byte[32];
    static final Purpose INVESTIGATION = Purpose.of("investigation");
    static final Set<String> RESERVED = Set.of("genesis", "checkpoint", "recovery", "erasure");

    @TempDir
    Path dir;
    Actor anna;

    @BeforeEach
    void actor() {
        anna = Actor.of("anna", "investigator", "NL", Classification.SECRET);
    }

    @AfterEach
    void release() {
        anna.close();
    }

    static Custodian open(Path d, Custodian.Options o) {
        return Custodian.openWithMasterKey(d, MASTER, o.create(true));
    }

    byte[] seal(Custodian c, KeyId kek) {
        try (SealOptions o = SealOptions.builder(Category.EVIDENCE, INVESTIGATION).caseRef("MLA-2026-0042")
                .recipient(kek).build()) {
            return c.seal(anna, "statement".getBytes(StandardCharsets.UTF_8), o);
        }
    }

    @Test
    void queriesFilterByKindActorCaseObjectAndTime() {
        try (Custodian c = open(dir.resolve("c"), new Custodian.Options())) {
            byte[] env = seal(c, c.generateKey(anna, KeyKind.KEK, "local"));
            c.open(anna, env, INVESTIGATION).close();
            assertThrows(PurposeNotPermittedException.class, () -> c.open(anna, env, Purpose.of("extradition")));
            List<AuditEntry> all = c.auditEntries(new AuditQuery());
            for (int i = 0; i < all.size(); i++) {
                assertEquals(i, all.get(i).seq().getAsLong());
            }
            assertEquals("genesis", all.get(0).kind());
            List<AuditEntry> opened = c.auditEntries(new AuditQuery().kinds("opened"));
            assertEquals(1, opened.size());
            AuditEntry o = opened.get(0);
            assertEquals("anna", o.actorId().orElseThrow());
            assertEquals("investigator", o.actorRole().orElseThrow());
            assertEquals("NL", o.actorJurisdiction().orElseThrow());
            assertEquals("investigation", o.purpose().orElseThrow());
            assertEquals("MLA-2026-0042", o.caseRef().orElseThrow());
            assertEquals("ok", o.outcome());
            assertTrue(o.json().contains("\"kind\":\"opened\""));
            List<AuditEntry> refused = c.auditEntries(new AuditQuery().kinds("refused"));
            assertEquals("refused:purpose_not_permitted", refused.get(0).outcome());
            assertEquals(2, c.auditEntries(new AuditQuery().kinds("opened", "refused")).size());
            assertEquals(3, c.auditEntries(new AuditQuery().caseRef("MLA-2026-0042")).size());
            assertEquals(0, c.auditEntries(new AuditQuery().caseRef("MLA-2026-0043")).size());
            assertEquals(3, c.auditEntries(new AuditQuery().objectId(o.objectId().orElseThrow().toUpperCase())).size());
            assertEquals(0, c.auditEntries(new AuditQuery().actorId("nobody")).size());
            Instant first = all.get(0).time();
            Instant last = all.get(all.size() - 1).time();
            assertEquals(0, c.auditEntries(new AuditQuery().since(last.plusSeconds(1))).size());
            assertEquals(0, c.auditEntries(new AuditQuery().until(first)).size());
            assertEquals(all.size(), c.auditEntries(new AuditQuery().since(first).until(last.plusSeconds(1))).size());
            assertThrows(InvalidArgumentException.class, () -> c.auditEntries(new AuditQuery().kinds("bogus")));
        }
    }

    @Test
    void csvExportToTextAndToAPrivateFile() throws Exception {
        try (Custodian c = open(dir.resolve("c"), new Custodian.Options())) {
            seal(c, c.generateKey(anna, KeyKind.KEK, "local"));
            AuditQuery q = new AuditQuery().kinds("sealed", "key_generated");
            String csv = c.auditCsv(q);
            String[] lines = csv.split("\r\n", -1);
            assertTrue(lines[0].startsWith("seq,time,kind,actor,role,jurisdiction,case,object,"));
            assertEquals(4, lines.length);
            assertTrue(lines[2].contains(",sealed,"));
            Path out = dir.resolve("export.csv");
            assertEquals(2, c.writeAuditCsv(q, out));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
            assertEquals(csv, Files.readString(out));
            assertThrows(EnvironmentException.class, () -> c.writeAuditCsv(q, dir.resolve("no/such/dir.csv")));
        }
    }

    @Test
    void legalHoldsListTheKeysTheyHold() {
        try (Custodian c = open(dir.resolve("c"), new Custodian.Options())) {
            KeyId held = c.caseKey(anna, "MLA-2026-0042", null);
            KeyId other = c.caseKey(anna, "MLA-2026-0043", null);
            assertEquals(List.of(), c.legalHolds());
            c.placeLegalHold(anna, "MLA-2026-0042", "order 17/2026", "appeal pending");
            List<LegalHoldInfo> holds = c.legalHolds();
            assertEquals(1, holds.size());
            LegalHoldInfo h = holds.get(0);
            assertEquals("MLA-2026-0042", h.caseRef());
            assertEquals("order 17/2026", h.reference());
            assertEquals("appeal pending", h.reason());
            assertEquals("anna", h.setBy());
            assertEquals(List.of(held), h.keys());
            assertTrue(h.setAt().isAfter(Instant.parse("2020-01-01T00:00:00Z")));
            assertThrows(LegalHoldException.class, () -> c.destroyKey(anna, held, "retention period ended"));
            c.destroyKey(anna, other, "retention period ended");
            c.releaseLegalHold(anna, "MLA-2026-0042");
            assertEquals(List.of(), c.legalHolds());
        }
    }

    @Test
    void batchRewrapReportsEachFile() throws Exception {
        try (Custodian c = open(dir.resolve("c"), new Custodian.Options())) {
            KeyId old = c.generateKey(anna, KeyKind.KEK, "local");
            KeyId second = c.generateKey(anna, KeyKind.KEK, "second");
            try (SealOptions o = SealOptions.builder(Category.EVIDENCE, INVESTIGATION).recipient(old).build()) {
                for (String name : List.of("one", "two")) {
                    Files.writeString(dir.resolve(name + ".txt"), name);
                    c.sealFile(anna, o, dir.resolve(name + ".txt"), dir.resolve(name + ".cust"));
                }
            }
            Files.copy(dir.resolve("one.cust"), dir.resolve("kept.cust"));
            Files.writeString(dir.resolve("garbage.cust"), "not an envelope");
            c.rotate(anna, old);
            List<Path> files = List.of(dir.resolve("one.cust"), dir.resolve("garbage.cust"),
                    dir.resolve("missing.cust"), dir.resolve("two.cust"));
            List<RewrapOutcome> outcomes = c.rewrapBatch(anna, files);
            assertEquals(4, outcomes.size());
            assertTrue(outcomes.get(0).ok());
            assertFalse(outcomes.get(1).ok());
            assertInstanceOf(EnvironmentException.class, outcomes.get(2).error().orElseThrow());
            assertTrue(outcomes.get(3).ok());
            assertEquals(files.get(3), outcomes.get(3).path());
            c.destroyKey(anna, old, "rotated out");
            c.openFile(anna, INVESTIGATION, null, null, dir.resolve("one.cust"), dir.resolve("one.out"));
            assertEquals("one", Files.readString(dir.resolve("one.out")));
            assertThrows(CustodiaException.class,
                    () -> c.openFile(anna, INVESTIGATION, null, null, dir.resolve("kept.cust"), dir.resolve("k.out")));
            List<RewrapOutcome> refused = c.rewrapBatch(anna, files.subList(0, 1), Purpose.of("extradition"),
                    List.of(), List.of(second));
            assertInstanceOf(PurposeNotPermittedException.class, refused.get(0).error().orElseThrow());
            assertTrue(c.rewrapBatch(anna, files.subList(0, 1), INVESTIGATION, List.of(), List.of(second)).get(0).ok());
            assertThrows(InvalidArgumentException.class,
                    () -> c.rewrapBatch(anna, files, null, List.of(), List.of(second)));
        }
    }

    @Test
    void everyAppendedEventReachesTheSinkInOrder() {
        List<AuditEntry> seen = new ArrayList<>();
        List<String> calls = new ArrayList<>();
        Custodian.Options o = new Custodian.Options().auditSink(seen::add).auditSink(e -> {
            calls.add(e.kind());
            throw new IllegalStateException("SIEM is down");
        });
        try (Custodian c = open(dir.resolve("c"), o)) {
            byte[] env = seal(c, c.generateKey(anna, KeyKind.KEK, "local"));
            c.open(anna, env, INVESTIGATION).close();
            assertThrows(PurposeNotPermittedException.class, () -> c.open(anna, env, Purpose.of("extradition")));
            c.checkpoint();
            List<AuditEntry> logged = new ArrayList<>();
            for (AuditEntry e : c.auditEntries(new AuditQuery())) {
                if (!RESERVED.contains(e.kind())) {
                    logged.add(e);
                }
            }
            assertEquals(logged.size(), seen.size());
            for (int i = 0; i < logged.size(); i++) {
                AuditEntry s = seen.get(i);
                AuditEntry l = logged.get(i);
                assertTrue(s.seq().isEmpty());
                assertEquals(l.kind(), s.kind());
                assertEquals(l.time(), s.time());
                assertEquals(l.actorId(), s.actorId());
                assertEquals(l.outcome(), s.outcome());
                assertEquals(l.json().replaceFirst("\"seq\":\\d+,", ""), s.json());
                assertEquals(l.kind(), calls.get(i));
            }
            assertEquals(logged.size(), c.auditSinkFailures());
            assertEquals(logged.size(), c.auditSinkErrors().size());
            assertInstanceOf(IllegalStateException.class, c.auditSinkErrors().get(0));
        }
    }

    @Test
    void requiredSinksFailTheOperationButTheLogKeepsIt() {
        AtomicBoolean failing = new AtomicBoolean(true);
        Custodian.Options o = new Custodian.Options().requireAuditSinks(true).auditSink(e -> {
            if (failing.get()) {
                throw new Exception("refused by the SIEM");
            }
        });
        try (Custodian c = open(dir.resolve("c"), o)) {
            assertThrows(AuditWriteException.class, () -> c.generateKey(anna, KeyKind.KEK, "local"));
            assertEquals(1, c.auditEntries(new AuditQuery().kinds("key_generated")).size());
            failing.set(false);
            c.generateKey(anna, KeyKind.KEK, "local");
            assertEquals(1, c.auditSinkFailures());
        }
    }

    @Test
    void aSealAndOpenInsideAnAuditSinkUseBuffersOfTheirOwn() {
        // A sink runs on the thread of the seal or open it reports: a seal and open it makes (here on another
        // custodian) must not overwrite the outer call's per-thread scratch buffers.
        java.util.Random random = new java.util.Random(3);
        List<Boolean> nested = new ArrayList<>();
        try (Custodian inner = open(dir.resolve("inner"), new Custodian.Options())) {
            KeyId innerKek = inner.generateKey(anna, KeyKind.KEK, "inner");
            try (SealOptions innerOpts = SealOptions.builder(Category.EVIDENCE, INVESTIGATION).recipient(innerKek)
                    .build()) {
                Custodian.Options o = new Custodian.Options().requireAuditSinks(true).auditSink(e -> {
                    if (e.kind().equals("sealed") || e.kind().equals("opened")) {
                        byte[] data = new byte[3000];
                        random.nextBytes(data);
                        try (Opened opened = inner.open(anna, inner.seal(anna, data, innerOpts), INVESTIGATION)) {
                            nested.add(opened.plaintext().contentEquals(data));
                        }
                    }
                });
                try (Custodian c = open(dir.resolve("outer"), o)) {
                    byte[] data = new byte[1500];
                    random.nextBytes(data);
                    byte[] env;
                    try (SealOptions outerOpts = SealOptions.builder(Category.EVIDENCE, INVESTIGATION)
                            .recipient(c.generateKey(anna, KeyKind.KEK, "outer")).build()) {
                        env = c.seal(anna, data, outerOpts);
                    }
                    try (Opened opened = c.open(anna, env, INVESTIGATION)) {
                        assertTrue(opened.plaintext().contentEquals(data));
                        assertEquals(c.inspect(env).objectId(), opened.info().objectId());
                    }
                }
            }
        }
        assertEquals(List.of(true, true), nested);
    }
}
