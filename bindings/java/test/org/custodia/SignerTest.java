package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signer written in Java (the C ABI's callback signer, through a JNA callback): the host's "HSM" is a JDK Ed25519
 * key pair ({@code KeyPairGenerator.getInstance("Ed25519")}), whose private key custodia never sees. Attacks: a signer
 * that signs with another key, returns garbage or a short signature, or throws gets nothing signed
 * ({@link ProviderFailedException}; unreachable is {@link ProviderUnavailableException}) and its exception never
 * crosses into the library; the keyring holds only the public key; an audit log signed outside verifies and is the
 * host key's (checked against the host's own public key bytes, not only the library's word); its directory refuses to
 * open without that signer or with another.
 */
class SignerTest {
    static final byte[] MASTER = new byte[32];
    static final Purpose INVESTIGATION = Purpose.of("investigation");
    static final byte[] SECRET = "account 4711, balance 1,000,000".getBytes(StandardCharsets.UTF_8);

    /** The host's key store: signs with its key, counts, and misbehaves on demand. */
    static final class JdkHsm implements Signer {
        final KeyPair key = generate();
        final KeyPair other = generate();
        final AtomicInteger signed = new AtomicInteger();
        volatile String mode = "ok";

        static KeyPair generate() {
            try {
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public byte[] publicKey() {
            // X.509 SubjectPublicKeyInfo of an Ed25519 key: a 12-byte prefix, then the raw 32-byte key.
            byte[] spki = key.getPublic().getEncoded();
            return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }

        @Override
        public byte[] sign(byte[] message) {
            signed.incrementAndGet();
            switch (mode) {
                case "other-key":
                    return sign(other, message);
                case "garbage":
                    byte[] g = new byte[64];
                    Arrays.fill(g, (byte) 0x42);
                    return g;
                case "short":
                    return Arrays.copyOf(sign(key, message), 63);
                case "bug":
                    throw new ArithmeticException("a bug in the host's signer");
                case "down":
                    throw new ProviderUnavailableException(Status.PROVIDER_UNAVAILABLE.code(), "hsm is down");
                default:
                    return sign(key, message);
            }
        }

        static byte[] sign(KeyPair k, byte[] message) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(k.getPrivate());
                s.update(message);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TempDir
    Path dir;
    Actor anna;

    @BeforeEach
    void actor() {
        anna = Actor.of("anna", "prosecutor", "NL", Classification.SECRET);
    }

    @AfterEach
    void close() {
        anna.close();
    }

    static SealOptions options(Custodian c, Actor actor, KeyId signer) {
        KeyId kek = c.generateKey(actor, KeyKind.KEK, "team");
        SealOptions.Builder b = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION).recipient(kek);
        return (signer == null ? b : b.signer(signer)).build();
    }

    static long sealedOk(Custodian c) {
        return c.auditEntries(new AuditQuery().kinds("sealed")).stream().filter(e -> e.outcome().equals("ok")).count();
    }

    @Test
    void anEnvelopeSignedOutsideVerifiesAndTheKeyringHoldsNoSecret() {
        JdkHsm hsm = new JdkHsm();
        KeyId id = hsm.keyId();
        try (Custodian c = Custodian.openWithMasterKey(dir.resolve("c"), MASTER,
                new Custodian.Options().create(true).signer(hsm));
                SealOptions o = options(c, anna, id)) {
            byte[] env = c.seal(anna, SECRET, o);
            assertEquals(1, hsm.signed.get());
            assertEquals(id, c.inspect(env).signer().orElseThrow());
            try (Opened opened = c.open(anna, env, INVESTIGATION, null, id)) {
                assertArrayEquals(SECRET, opened.plaintext().bytes());
            }
            KeyId local = c.generateKey(anna, KeyKind.ED25519, "a key of this keyring");
            assertThrows(SignerMismatchException.class, () -> c.open(anna, env, INVESTIGATION, null, local));
            KeyInfo info = c.keys().stream().filter(k -> k.id().equals(id)).findFirst().orElseThrow();
            assertEquals(KeyKind.ED25519, info.kind());
            assertFalse(info.hasSecret(), "the keyring holds only the public key");
        }
    }

    @Test
    void aLyingOrFailingSignerGetsNothingSealed() {
        JdkHsm hsm = new JdkHsm();
        try (Custodian c = Custodian.openWithMasterKey(dir.resolve("c"), MASTER,
                new Custodian.Options().create(true).signer(hsm));
                SealOptions o = options(c, anna, hsm.keyId())) {
            long before = sealedOk(c);
            for (String mode : new String[] {"other-key", "garbage", "short", "bug"}) {
                hsm.mode = mode;
                int asked = hsm.signed.get();
                assertThrows(ProviderFailedException.class, () -> c.seal(anna, SECRET, o), mode);
                assertEquals(asked + 1, hsm.signed.get(), mode + ": asked, and not believed");
                assertEquals(before, sealedOk(c), mode + ": nothing sealed");
            }
            hsm.mode = "down";
            assertThrows(ProviderUnavailableException.class, () -> c.seal(anna, SECRET, o));
            hsm.mode = "ok";
            c.seal(anna, SECRET, o);
            assertEquals(before + 1, sealedOk(c));
        }
    }

    @Test
    void signersAreUsedFromSeveralThreads() throws InterruptedException {
        JdkHsm hsm = new JdkHsm();
        KeyId id = hsm.keyId();
        List<Throwable> errors = new ArrayList<>();
        try (Custodian c = Custodian.openWithMasterKey(dir.resolve("c"), MASTER,
                new Custodian.Options().create(true).signer(hsm));
                SealOptions o = options(c, anna, id)) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                threads.add(new Thread(() -> {
                    try {
                        for (int j = 0; j < 3; j++) {
                            byte[] env = c.seal(anna, SECRET, o);
                            try (Opened opened = c.open(anna, env, INVESTIGATION, null, id)) {
                                assertArrayEquals(SECRET, opened.plaintext().bytes());
                            }
                        }
                    } catch (Throwable t) {
                        synchronized (errors) {
                            errors.add(t);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
        }
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(12, hsm.signed.get());
    }

    /** The 32 key bytes of a {@code custodia-ed25519-public:<base32>} text (RFC 4648 base32; a checksum follows). */
    static byte[] rawPublic(String text) {
        String prefix = "custodia-ed25519-public:";
        assertTrue(text.startsWith(prefix), text);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char ch : text.substring(prefix.length()).toCharArray()) {
            int v = alphabet.indexOf(ch);
            assertTrue(v >= 0, "base32: " + ch);
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out.write((buffer >> bits) & 0xff);
            }
        }
        return Arrays.copyOf(out.toByteArray(), 32);
    }

    @Test
    void anAuditLogSignedOutsideVerifiesAndNeedsItsSigner() {
        JdkHsm hsm = new JdkHsm();
        Path d = dir.resolve("c");
        try (Custodian c = Custodian.openWithMasterKey(d, MASTER, new Custodian.Options().create(true).auditSigner(hsm));
                SealOptions o = options(c, anna, null)) {
            byte[] env = c.seal(anna, SECRET, o);
            try (Opened opened = c.open(anna, env, INVESTIGATION)) {
                assertArrayEquals(SECRET, opened.plaintext().bytes());
            }
            AuditReport report = c.verifyAudit();
            assertTrue(report.entries() >= 3 && hsm.signed.get() >= report.entries(), "every entry signed outside");
            String auditKey = c.auditPublicKey();
            assertArrayEquals(hsm.publicKey(), rawPublic(auditKey), "the audit key is the host's");
            c.checkpoint().verify(auditKey);
            KeyId id = hsm.keyId();
            assertFalse(c.keys().stream().anyMatch(k -> k.id().equals(id) && k.hasSecret()));
        }

        assertThrows(InvalidArgumentException.class, () -> Custodian.openWithMasterKey(d, MASTER, new Custodian.Options()));
        AuditTamperedException wrong = assertThrows(AuditTamperedException.class,
                () -> Custodian.openWithMasterKey(d, MASTER, new Custodian.Options().auditSigner(new JdkHsm())));
        assertEquals(Status.AUDIT_WRONG_KEY, wrong.status());
        try (Custodian again = Custodian.openWithMasterKey(d, MASTER, new Custodian.Options().auditSigner(hsm));
                SealOptions o = options(again, anna, null)) {
            hsm.mode = "garbage";
            assertThrows(AuditWriteException.class, () -> again.seal(anna, SECRET, o));
            hsm.mode = "ok";
            again.seal(anna, SECRET, o);
            again.verifyAudit();
        }
        // A new directory whose audit signer lies is never made.
        JdkHsm liar = new JdkHsm();
        liar.mode = "other-key";
        assertThrows(ProviderFailedException.class, () -> Custodian.openWithMasterKey(dir.resolve("d"), MASTER,
                new Custodian.Options().create(true).auditSigner(liar)));
    }

    @Test
    void invalidSignersAreRefused() {
        Signer identity = new Signer() {
            @Override
            public byte[] publicKey() {
                byte[] k = new byte[32];
                k[0] = 1; // the identity point
                return k;
            }

            @Override
            public byte[] sign(byte[] message) {
                throw new AssertionError("never asked");
            }
        };
        assertThrows(InvalidArgumentException.class, identity::keyId);
        assertThrows(InvalidArgumentException.class, () -> Custodian.openWithMasterKey(dir.resolve("a"), MASTER,
                new Custodian.Options().create(true).signer(identity)));
        Signer shortKey = new Signer() {
            @Override
            public byte[] publicKey() {
                return new byte[31];
            }

            @Override
            public byte[] sign(byte[] message) {
                throw new AssertionError("never asked");
            }
        };
        assertThrows(InvalidArgumentException.class, () -> Custodian.openWithMasterKey(dir.resolve("b"), MASTER,
                new Custodian.Options().create(true).auditSigner(shortKey)));
        assertThrows(NullPointerException.class, () -> new Custodian.Options().signer(null));
    }
}
