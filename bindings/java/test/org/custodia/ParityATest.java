package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.custodia.handles.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 §2 (first half) through the Java binding: random access as a {@code SeekableByteChannel} and an
 * {@code InputStream}, seal and open through the caller-sized C calls, the full {@link EnvelopeInfo} and the legal
 * instrument. Attacks: a chunk changed after sealing must fail at read time with nothing released; a refused open
 * must touch no key; a too-small buffer must be a typed error that writes nothing and records nothing.
 */
class ParityATest {
    static final Custodian.Options CREATE = new Custodian.Options().create(true);
    static final int CHUNK = 64;
    static final byte[] PLAIN = new byte[1000];
    static final Purpose INVESTIGATION = Purpose.of("investigation");

    static {
        for (int i = 0; i < PLAIN.length; i++) {
            PLAIN[i] = (byte) (i * 7 + 3);
        }
    }

    /** One custodian with a KEK and an X25519 key, and an envelope of PLAIN in 64-byte chunks. */
    static final class World implements AutoCloseable {
        final Custodian c;
        final Actor anna = Actor.of("anna", "prosecutor", "NL", Classification.SECRET);
        final KeyId kek;
        final KeyId x;
        final SealOptions terms;
        final byte[] envelope;

        World(Path dir) {
            c = Custodian.openWithMasterKey(dir.resolve("c"), new byte[32], CREATE);
            kek = c.generateKey(anna, KeyKind.KEK, "local");
            x = c.generateKey(anna, KeyKind.X25519, "exchange");
            terms = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION, Purpose.of("prosecution"))
                    .caseRef("MLA-2026-0042").origin("NL").destinations("DE").recipient(kek).recipient(x)
                    .chunkSize(CHUNK)
                    .instrument(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, "EIO-2026-7", "Directive 2014/41/EU")
                    .build();
            envelope = c.seal(anna, PLAIN, terms);
        }

        @Override
        public void close() {
            terms.close();
            anna.close();
            c.close();
        }
    }

    static byte[] slice(int from, int len) {
        return Arrays.copyOfRange(PLAIN, from, Math.min(PLAIN.length, from + len));
    }

    static int headerLen(byte[] envelope) {
        return envelope.length - (PLAIN.length + 16 * (PLAIN.length / CHUNK + 1));
    }

    @Test
    void aChannelReadsAtChunkBoundariesAndPastTheEnd(@TempDir Path dir) throws IOException {
        try (World w = new World(dir)) {
            Path file = dir.resolve("env.cust");
            Files.write(file, w.envelope);
            try (EnvelopeChannel ch = w.c.openSeekable(w.anna, file, Purpose.of("prosecution"))) {
                assertEquals(PLAIN.length, ch.size());
                assertEquals("MLA-2026-0042", ch.info().caseRef().orElseThrow());
                for (int offset : new int[] {0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 15 * CHUNK, PLAIN.length - 1}) {
                    ch.position(offset);
                    ByteBuffer buf = ByteBuffer.allocate(200);
                    int n = ch.read(buf);
                    assertArrayEquals(slice(offset, 200), Arrays.copyOf(buf.array(), n), "offset " + offset);
                    assertEquals(offset + n, ch.position());
                }
                ch.position(PLAIN.length);
                assertEquals(-1, ch.read(ByteBuffer.allocate(8)));
                ch.position(PLAIN.length + 4096L);
                assertEquals(-1, ch.read(ByteBuffer.allocate(8)));
                ByteBuffer direct = ByteBuffer.allocateDirect(100);
                ch.position(60);
                assertEquals(100, ch.read(direct));
                byte[] got = new byte[100];
                direct.flip().get(got);
                assertArrayEquals(slice(60, 100), got);
                byte[] at = new byte[8];
                assertEquals(8, ch.read(130, at, 0, 8));
                assertArrayEquals(slice(130, 8), at);
                assertThrows(NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(1)));
                assertThrows(IllegalArgumentException.class, () -> ch.position(-1));
                ch.position(0);
                try (InputStream in = ch.inputStream()) {
                    assertArrayEquals(PLAIN, in.readAllBytes());
                }
                assertFalse(ch.isOpen(), "closing the stream closes the channel");
                assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
            }
        }
    }

    @Test
    void aChangedChunkIsRefusedAtReadTimeAndReleasesNothing(@TempDir Path dir) throws IOException {
        try (World w = new World(dir)) {
            byte[] env = w.envelope.clone();
            env[headerLen(env) + 3 * (CHUNK + 16) + 5] ^= 1;
            Path file = dir.resolve("tampered.cust");
            Files.write(file, env);
            try (EnvelopeChannel ch = w.c.openSeekable(w.anna, file, INVESTIGATION)) {
                byte[] ok = new byte[2 * CHUNK];
                assertEquals(2 * CHUNK, ch.read(0, ok, 0, ok.length));
                assertArrayEquals(slice(0, 2 * CHUNK), ok);
                ch.position(2 * CHUNK); // starts in intact chunk 2, runs into chunk 3
                ByteBuffer buf = ByteBuffer.allocate(2 * CHUNK);
                assertThrows(OpenFailedException.class, () -> ch.read(buf));
                assertEquals(0, buf.position(), "nothing put into the destination");
                assertArrayEquals(new byte[2 * CHUNK], buf.array());
                assertEquals(2 * CHUNK, ch.position());
                byte[] later = new byte[CHUNK];
                assertEquals(CHUNK, ch.read(4 * CHUNK, later, 0, CHUNK));
                assertArrayEquals(slice(4 * CHUNK, CHUNK), later);
            }
        }
    }

    @Test
    void aRefusedOpenTouchesNoKey(@TempDir Path dir) throws IOException {
        try (World w = new World(dir)) {
            Path file = dir.resolve("env.cust");
            Files.write(file, w.envelope);
            long before = w.c.unwrapAttempts();
            assertThrows(PurposeNotPermittedException.class,
                    () -> w.c.openSeekable(w.anna, file, Purpose.of("tax.audit")));
            assertEquals(before, w.c.unwrapAttempts());
            assertThrows(EnvironmentException.class,
                    () -> w.c.openSeekable(w.anna, dir.resolve("missing.cust"), INVESTIGATION));
        }
    }

    @Test
    void aTooSmallBufferIsATypedErrorThatWritesNothing(@TempDir Path dir) throws IOException {
        try (World w = new World(dir)) {
            try (Opened opened = w.c.open(w.anna, w.envelope, INVESTIGATION)) {
                assertArrayEquals(PLAIN, opened.plaintext().bytes());
            }
            Path audit = dir.resolve("c").resolve("audit.log");
            long lines = Files.readAllLines(audit).size();
            long before = w.c.unwrapAttempts();
            LongByReference n = new LongByReference();
            try (Memory small = new Memory(PLAIN.length - 1)) {
                small.clear();
                long custodian = w.c.handleId();
                int status = Native.lib().custodia_open_into(custodian, w.anna.handle().id(), "investigation", 0,
                        w.envelope, w.envelope.length, null, small, PLAIN.length - 1, n, null);
                assertEquals(109, status);
                assertEquals(PLAIN.length, n.getValue());
                assertArrayEquals(new byte[PLAIN.length - 1], small.getByteArray(0, PLAIN.length - 1));
                BufferTooSmallException e = assertThrows(BufferTooSmallException.class, () -> Native.check(status));
                assertTrue(e instanceof InvalidArgumentException && e.code() == 109);
            }
            assertEquals(before, w.c.unwrapAttempts());
            assertEquals(lines, Files.readAllLines(audit).size());
            byte[] empty = w.c.seal(w.anna, new byte[0], w.terms);
            try (Opened opened = w.c.open(w.anna, empty, INVESTIGATION)) {
                assertEquals(0, opened.plaintext().bytes().length);
            }
        }
    }

    @Test
    void theInfoHasEverythingTheRustInfoHas(@TempDir Path dir) {
        try (World w = new World(dir)) {
            EnvelopeInfo info = w.c.inspect(w.envelope);
            assertEquals("MLA-2026-0042", info.caseRef().orElseThrow());
            assertEquals(List.of("investigation", "prosecution"), info.purposes());
            assertEquals("NL", info.origin().orElseThrow());
            assertEquals(List.of("DE"), info.destinations());
            assertEquals(List.of(new Recipient(w.kek, 1), new Recipient(w.x, 2)), info.recipients());
            assertEquals(RecipientKind.X25519, info.recipients().get(1).kind().orElseThrow());
            assertEquals(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, info.instrumentKind().orElseThrow());
            assertEquals("EIO-2026-7", info.instrumentReference().orElseThrow());
            assertEquals("Directive 2014/41/EU", info.transferBasis().orElseThrow());
            assertEquals(0, info.grantCount());
            try (Opened opened = w.c.open(w.anna, w.envelope, INVESTIGATION)) {
                assertEquals(info, opened.info());
            }
        }
    }

    @Test
    void theInfoListsTheGrantsAHeaderCarries(@TempDir Path dir) {
        try (Custodian de = Custodian.openWithMasterKey(dir.resolve("de"), new byte[32], CREATE);
                Custodian nl = Custodian.openWithMasterKey(dir.resolve("nl"), new byte[32], CREATE);
                Actor anna = Actor.of("anna", "prosecutor", "DE", Classification.SECRET);
                Actor jan = Actor.of("jan", "central_authority", "NL", Classification.SECRET)) {
            KeyId signer = de.generateKey(anna, KeyKind.ED25519, "DE signing");
            KeyId nlKey = de.importPublic(anna, nl.exportPublic(nl.generateKey(jan, KeyKind.X25519, "NL")), "NL", "NL");
            byte[] envelope;
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION).destinations("NL")
                    .recipient(nlKey).signer(signer).build()) {
                envelope = de.seal(anna, "statement".getBytes(java.nio.charset.StandardCharsets.UTF_8), o);
            }
            Grant grant = de.issuePurposeExtensionGrant(anna, signer, nl.inspect(envelope).objectId(),
                    List.of("prosecution"), Instant.now().plusSeconds(30L * 86400), "letter");
            byte[] extended = nl.extendPurposes(jan, envelope, grant);
            EnvelopeInfo info = nl.inspect(extended);
            assertEquals(1, info.grantCount());
            assertEquals(List.of(grant), info.grants());
            assertEquals(List.of(grant), nl.envelopeGrants(extended));
            assertEquals(signer, info.signer().orElseThrow());
        }
    }

    static final List<String> FEATURES_A = List.of("seekable_reader", "seal_into", "open_into",
            "full_envelope_info", "legal_instrument");

    /** The same walk as the other bindings' feature_walk_a: each feature of this half, exercised once. */
    @Test
    void featureWalkA(@TempDir Path dir) throws IOException {
        try (World w = new World(dir)) {
            Map<String, Boolean> seen = new LinkedHashMap<>();
            Path file = dir.resolve("walk.cust");
            Files.write(file, w.envelope);
            try (EnvelopeChannel ch = w.c.openSeekable(w.anna, file, INVESTIGATION)) {
                ch.position(CHUNK);
                ByteBuffer buf = ByteBuffer.allocate(CHUNK);
                ch.read(buf);
                seen.put("seekable_reader", Arrays.equals(slice(CHUNK, CHUNK), buf.array()));
            }
            seen.put("seal_into", w.c.inspect(w.c.seal(w.anna, PLAIN, w.terms)).caseRef().isPresent());
            EnvelopeInfo info;
            try (Opened opened = w.c.open(w.anna, w.envelope, INVESTIGATION)) {
                seen.put("open_into", Arrays.equals(PLAIN, opened.plaintext().bytes()));
                info = opened.info();
            }
            seen.put("full_envelope_info", info.caseRef().isPresent() && info.recipients().size() == 2
                    && info.grantCount() == 0);
            seen.put("legal_instrument",
                    info.instrumentKind().orElseThrow() == InstrumentKind.EUROPEAN_INVESTIGATION_ORDER);
            assertEquals(FEATURES_A, List.copyOf(seen.keySet()));
            assertFalse(seen.containsValue(false), seen.toString());
        }
    }
}
