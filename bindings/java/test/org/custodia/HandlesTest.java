package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.custodia.handles.Native;
import org.junit.jupiter.api.Test;

/** Actors, exception grounds and seal options: construction, bad input, closing, the cleaner, threads. */
class HandlesTest {
    static final String WHY = "the suspect transferred the funds to an account held by the witness";

    @Test
    void actorsDescribeThemselvesAsTheAuditLogNamesThem() {
        try (Actor a = Actor.of("anna", "prosecutor", "DE", Classification.SECRET)) {
            assertEquals("anna (prosecutor, DE, clearance secret)", a.describe());
        }
    }

    @Test
    void badActorsAreRefused() {
        assertThrows(InvalidJurisdictionException.class,
                () -> Actor.of("anna", "prosecutor", "XX", Classification.SECRET));
        assertThrows(InvalidJurisdictionException.class,
                () -> Actor.of("anna", "prosecutor", "de", Classification.SECRET));
        assertThrows(InvalidArgumentException.class, () -> Actor.of("", "prosecutor", "DE", Classification.SECRET));
        assertThrows(InvalidArgumentException.class,
                () -> Actor.of("a".repeat(129), "prosecutor", "DE", Classification.SECRET));
        assertThrows(NullPointerException.class, () -> Actor.of(null, "prosecutor", "DE", Classification.SECRET));
        assertThrows(NullPointerException.class, () -> Actor.of("anna", "prosecutor", "DE", null));
    }

    @Test
    void exceptionGroundsNeedAReferenceAndAJustification() {
        try (ExceptionGround g = ExceptionGround.courtOrder("LG-Berlin-123/26", WHY)) {
            assertEquals(ExceptionGround.Kind.COURT_ORDER, g.kind());
            assertEquals("court_order LG-Berlin-123/26: " + WHY, g.describe());
        }
        try (ExceptionGround g = ExceptionGround.imminentThreat(WHY)) {
            assertTrue(g.describe().startsWith("imminent_threat"), g.describe());
        }
        ExceptionGround.consent("consent-2026-17", WHY).close();
        ExceptionGround.legalObligation("StPO 161", WHY).close();
        assertThrows(InvalidExceptionGroundException.class, () -> ExceptionGround.courtOrder("LG-1", "because"));
        assertThrows(InvalidExceptionGroundException.class,
                () -> ExceptionGround.of(ExceptionGround.Kind.COURT_ORDER, null, WHY));
        assertThrows(InvalidExceptionGroundException.class, () -> ExceptionGround.courtOrder("", WHY));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> ExceptionGround.courtOrder("LG-1", null));
        assertEquals(Status.NULL_POINTER, e.status());
        assertThrows(NullPointerException.class, () -> ExceptionGround.courtOrder(null, WHY));
    }

    @Test
    void sealOptionsCheckEveryTerm() {
        Purpose fraud = Purpose.of("criminal_investigation.fraud");
        KeyId key = KeyId.parse("00112233445566778899aabbccddeeff");
        try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, fraud)
                .classification(Classification.SECRET).caseRef("MLA-2026-0042").origin("DE")
                .destinations("FR", "NL").notAfter(Instant.parse("2030-01-01T00:00:00Z")).recipient(key)
                .build()) {
            assertEquals(Classification.SECRET, o.classification());
            assertEquals(List.of("FR", "NL"), o.destinations());
            assertEquals(List.of(key), o.recipients());
        }
        try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, fraud).build()) {
            assertEquals(Classification.CONFIDENTIAL, o.classification(), "the category's minimum");
        }
        assertThrows(InvalidPurposeException.class, () -> SealOptions.builder(Category.EVIDENCE).build());
        SealOptions.Builder many = SealOptions.builder(Category.EVIDENCE);
        for (int i = 0; i < 33; i++) {
            many.purpose(Purpose.of("p" + i));
        }
        InvalidPurposeException tooMany = assertThrows(InvalidPurposeException.class, many::build);
        assertEquals(Status.TOO_MANY_PURPOSES, tooMany.status());
        assertThrows(ClassificationBelowMinimumException.class,
                () -> SealOptions.builder(Category.WITNESS_IDENTITY, fraud)
                        .classification(Classification.CONFIDENTIAL).build());
        assertThrows(InvalidArgumentException.class,
                () -> SealOptions.builder(Category.EVIDENCE, fraud).caseRef(" MLA ").build());
        assertThrows(InvalidJurisdictionException.class,
                () -> SealOptions.builder(Category.EVIDENCE, fraud).destinations("ZZ").build());
        assertThrows(InvalidArgumentException.class,
                () -> SealOptions.builder(Category.EVIDENCE, fraud).notAfter(Instant.EPOCH));
        assertThrows(NullPointerException.class, () -> SealOptions.builder(Category.EVIDENCE, (Purpose) null));
    }

    @Test
    void closedHandlesAreRefusedAndCloseIsIdempotent() {
        Actor a = Actor.of("anna", "prosecutor", "DE", Classification.SECRET);
        a.close();
        a.close();
        InvalidHandleException e = assertThrows(InvalidHandleException.class, a::describe);
        assertEquals(Status.INVALID_HANDLE, e.status());
        assertEquals("Actor (closed)", a.toString());
        ExceptionGround g = ExceptionGround.imminentThreat(WHY);
        g.close();
        assertThrows(InvalidHandleException.class, g::describe);
    }

    @Test
    void aStaleIdIsRefusedByTheLibraryToo() {
        Actor a = Actor.of("anna", "prosecutor", "DE", Classification.SECRET);
        long stale = a.handle().id();
        a.close();
        assertEquals(Status.INVALID_HANDLE.code(),
                Native.lib().custodia_actor_describe(stale, new org.custodia.raw.CustodiaBuffer()));
        assertEquals(Status.INVALID_HANDLE.code(), Native.lib().custodia_actor_free(stale), "double free refused");
        assertEquals(Status.OK.code(), Native.lib().custodia_actor_free(0), "the null handle is ignored");
    }

    @Test
    void closingFreesEveryHandleAndBuffer() {
        long[] before = Custodia.liveCounts();
        for (int i = 0; i < 500; i++) {
            try (Actor a = Actor.of("u" + i, "analyst", "FR", Classification.RESTRICTED);
                    ExceptionGround g = ExceptionGround.imminentThreat(WHY);
                    SealOptions o = SealOptions.builder(Category.EVIDENCE, Purpose.of("case_handling")).build()) {
                a.describe();
                g.describe();
            }
        }
        assertArrayEquals(before, Custodia.liveCounts());
    }

    @Test
    void theCleanerFreesWhatWasNotClosed() throws InterruptedException {
        long before = Custodia.liveCounts()[0];
        for (int i = 0; i < 200; i++) {
            Actor.of("u" + i, "analyst", "FR", Classification.RESTRICTED);
        }
        assertTrue(Custodia.liveCounts()[0] >= before + 200);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Custodia.liveCounts()[0] > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, Custodia.liveCounts()[0]);
    }

    @Test
    void handlesAreUsableFromEightThreads() throws Exception {
        try (Actor shared = Actor.of("anna", "prosecutor", "DE", Classification.SECRET)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> {
                        for (int n = 0; n < 300; n++) {
                            int i = n;
                            assertEquals("anna (prosecutor, DE, clearance secret)", shared.describe());
                            InvalidPurposeException e =
                                    assertThrows(InvalidPurposeException.class, () -> Purpose.of("Bad" + i));
                            assertTrue(e.getMessage().contains("Bad" + i), "message of this thread's call");
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
