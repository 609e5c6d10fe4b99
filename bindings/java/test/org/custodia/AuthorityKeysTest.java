package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * Keys belong to authorities, the transfer record, breach response (issue 14, sections 3, 4 and 6) through the Java
 * binding. Each seal-time check is attacked (no destination, another destination, outside the validity period,
 * revoked, compromised): typed exception, a refused entry in the audit log, no key touched. The compromise report
 * lists what a key protected through a rotation and a re-wrap.
 */
class AuthorityKeysTest {
    static final byte[] MASTER = new byte[32];
    static final byte[] DATA = "account NL00BANK0123456789".getBytes(StandardCharsets.UTF_8);
    static final Purpose INVESTIGATION = Purpose.of("investigation");
    static final Purpose EXECUTION = Purpose.of("mla.execution");
    static final Custodian.Options CREATE = new Custodian.Options().create(true);

    @TempDir
    Path dir;
    Custodian nl;
    Custodian de;
    Actor jan;
    Actor dora;

    @BeforeEach
    void open() {
        nl = Custodian.openWithMasterKey(dir.resolve("nl"), MASTER, CREATE);
        de = Custodian.openWithMasterKey(dir.resolve("de"), MASTER, CREATE);
        jan = Actor.of("jan", "central_authority", "NL", Classification.SECRET);
        dora = Actor.of("dora", "central_authority", "DE", Classification.SECRET);
    }

    @AfterEach
    void close() {
        jan.close();
        dora.close();
        nl.close();
        de.close();
    }

    SealOptions options(KeyId recipient, String... destinations) {
        return SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION, EXECUTION).caseRef("MLA-2026-0042")
                .origin("NL").destinations(destinations).recipient(recipient)
                .instrument(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, "EIO 2026/117", "Art. 10 Dir. 2014/41")
                .build();
    }

    KeyId importDe(Instant notBefore, Instant notAfter) {
        KeyId held = de.generateKey(dora, KeyKind.X25519, "DE central authority");
        KeyId key = nl.importAuthorityKey(jan, de.exportPublic(held), "DE central authority", "Bundesamt fuer Justiz",
                "DE", notBefore, notAfter);
        assertEquals(held, key);
        return key;
    }

    String lastEntry() throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("nl").resolve("audit.log"));
        return lines.get(lines.size() - 1);
    }

    <T extends CustodiaException> T expectSealRefused(SealOptions o, Class<T> type, String kind) throws IOException {
        long before = nl.unwrapAttempts();
        T e = assertThrows(type, () -> nl.seal(jan, DATA, o));
        String last = lastEntry();
        assertTrue(last.contains("\"kind\":\"refused\"") && last.contains("\"operation\":\"seal\"")
                && last.contains("\"kind\":\"" + kind + "\""), last);
        assertEquals(before, nl.unwrapAttempts());
        return e;
    }

    @Test
    void keyInfoShowsAuthorityAndPeriod() {
        Instant from = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 60);
        Instant until = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 86400);
        KeyId key = importDe(from, until);
        KeyInfo info = nl.key(key);
        assertEquals("Bundesamt fuer Justiz", info.authority().orElseThrow());
        assertEquals("DE", info.jurisdiction().orElseThrow());
        assertEquals(from, info.notBefore().orElseThrow());
        assertEquals(until, info.notAfter().orElseThrow());
        assertTrue(info.revokedAt().isEmpty() && info.compromisedAt().isEmpty());
        assertThrows(InvalidArgumentException.class,
                () -> nl.importAuthorityKey(jan, nl.exportPublic(key), "x", "a|b", "DE", null, null));
        assertThrows(InvalidArgumentException.class,
                () -> nl.importAuthorityKey(jan, nl.exportPublic(key), "x", "BfJ", "DE", until, from));
        assertThrows(InvalidArgumentException.class,
                () -> nl.importAuthorityKey(jan, nl.exportPublic(key), "x", "Bundesamt fuer Justiz", "FR", null, null));
    }

    @Test
    void sealingForAPartnerNeedsItsJurisdictionAmongTheDestinations() throws IOException {
        KeyId key = importDe(null, null);
        try (SealOptions none = options(key); SealOptions fr = options(key, "FR"); SealOptions ok = options(key, "DE")) {
            DestinationRequiredException d = expectSealRefused(none, DestinationRequiredException.class,
                    "destination_required");
            assertTrue(d.isRefusal() && d.getMessage().contains("add DE to the destinations"), d.getMessage());
            RecipientNotPermittedException r = expectSealRefused(fr, RecipientNotPermittedException.class,
                    "recipient_not_permitted");
            assertTrue(r.getMessage().contains("destinations must include DE"), r.getMessage());
            byte[] envelope = nl.seal(jan, DATA, ok);
            String sealed = lastEntry();
            assertTrue(sealed.contains("\"instrument_kind\":\"european_investigation_order\"")
                    && sealed.contains("\"recipient_authorities\":\"Bundesamt fuer Justiz\"")
                    && sealed.contains("\"recipient_jurisdictions\":\"DE\"")
                    && sealed.contains("\"destinations\":\"DE\""), sealed);
            EnvelopeInfo info = nl.inspect(envelope);
            assertEquals(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, info.instrumentKind().orElseThrow());
            assertEquals("EIO 2026/117", info.instrumentReference().orElseThrow());
            assertEquals("Art. 10 Dir. 2014/41", info.transferBasis().orElseThrow());
            assertEquals("NL", info.origin().orElseThrow());
            assertEquals(List.of("DE"), info.destinations());
            assertEquals(List.of("investigation", "mla.execution"), info.purposes());
            try (Opened opened = de.open(dora, envelope, INVESTIGATION)) {
                assertArrayEquals(DATA, opened.plaintext().bytes());
                assertEquals("EIO 2026/117", opened.info().instrumentReference().orElseThrow());
            }
        }
    }

    @Test
    void outsideTheValidityPeriodNothingIsSealed() throws IOException {
        KeyId key = importDe(Instant.ofEpochSecond(Instant.now().getEpochSecond() + 365L * 86400), null);
        try (SealOptions o = options(key, "DE")) {
            KeyNotValidException e = expectSealRefused(o, KeyNotValidException.class, "key_not_valid");
            assertEquals(408, e.code());
            assertFalse(e.isRefusal());
        }
    }

    @Test
    void aRevokedKeyReceivesNothingNew() throws IOException {
        KeyId key = importDe(null, null);
        KeyId kek = nl.generateKey(jan, KeyKind.KEK, "NL escrow");
        try (SealOptions own = options(kek, "DE"); SealOptions theirs = options(key, "DE")) {
            byte[] envelope = nl.seal(jan, DATA, own);
            assertThrows(ConflictException.class, () -> nl.revokeKey(jan, kek, "own keys are rotated"));
            nl.revokeKey(jan, key, "end of cooperation");
            assertTrue(lastEntry().contains("\"kind\":\"key_revoked\""));
            assertEquals("end of cooperation", nl.key(key).revokedReason().orElseThrow());
            assertEquals(217, expectSealRefused(theirs, KeyRevokedException.class, "key_revoked").code());
            long before = nl.unwrapAttempts();
            assertThrows(KeyRevokedException.class, () -> nl.rewrap(jan, envelope, EXECUTION, List.of(), List.of(key)));
            assertEquals(before, nl.unwrapAttempts());
        }
    }

    @Test
    void aCompromisedKeyAndItsReport() throws IOException {
        KeyId kek = nl.generateKey(jan, KeyKind.KEK, "NL escrow");
        try (SealOptions o = options(kek)) {
            byte[] first = nl.seal(jan, DATA, o);
            byte[] second = nl.seal(jan, DATA, o);
            nl.markCompromised(jan, kek, "backup tape lost");
            assertEquals("backup tape lost", nl.key(kek).compromisedReason().orElseThrow());
            assertEquals(219, expectSealRefused(o, KeyCompromisedException.class, "key_compromised").code());
            assertThrows(ConflictException.class, () -> nl.markCompromised(jan, kek, "again"));
            List<String> ids = List.of(nl.inspect(first).objectId(), nl.inspect(second).objectId());
            CompromiseReport r = nl.compromiseReport(kek);
            assertEquals(ids, r.toRewrap());
            assertEquals(List.of("MLA-2026-0042"), r.cases());
            assertTrue(r.plan().isEmpty() && r.compromisedAt().isPresent());
            assertEquals(List.of("sealed"), r.envelopes().get(0).via());
            assertTrue(r.limits().stream().anyMatch(l -> l.contains("not been rotated")), r.limits().toString());
            KeyId fresh = nl.rotate(jan, kek);
            r = nl.compromiseReport(kek);
            assertEquals("rotated", r.plan().orElseThrow());
            assertEquals(fresh, r.successor().orElseThrow());
            nl.rewrapRotated(jan, first);
            r = nl.compromiseReport(kek);
            assertEquals(List.of(ids.get(1)), r.toRewrap());
            assertFalse(r.envelopes().get(0).stillWrapped());
            assertTrue(r.envelopes().get(0).recipients().contains(fresh));
        }
        assertThrows(KeyNotFoundException.class, () -> nl.compromiseReport(KeyId.parse("00".repeat(16))));
    }
}
