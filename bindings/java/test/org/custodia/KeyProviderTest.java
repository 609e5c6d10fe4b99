package org.custodia;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key provider written in Java (the C ABI's callback provider, through JNA callbacks): a toy host KMS with the
 * JDK's AES/GCM/NoPadding, writing the {@code pkcs11-aes-gcm} stanza layout (iv || ciphertext || tag). Attacks: a
 * refused open never calls it; a tampered wrapped key and other terms (AAD) are refused; an exception in the
 * provider is a typed failure and never crosses into the library; a key it does not hold is not mine.
 */
class KeyProviderTest {
    static final byte[] MASTER = new byte[32];
    static final Purpose INVESTIGATION = Purpose.of("investigation");
    static final byte[] SECRET = "account 4711, balance 1,000,000".getBytes(StandardCharsets.UTF_8);
    static final KeyId HOST_KEY = KeyId.fromBytes(filled((byte) 0xab));

    static byte[] filled(byte b) {
        byte[] out = new byte[KeyId.LENGTH];
        Arrays.fill(out, b);
        return out;
    }

    /** AES-256-GCM under one KEK held by the "KMS" (the JDK's provider). */
    static class JdkKms implements KeyProvider {
        final SecretKeySpec kek;
        final SecureRandom random = new SecureRandom();
        final AtomicInteger wraps = new AtomicInteger();
        final AtomicInteger unwraps = new AtomicInteger();
        volatile String mode = "ok";

        JdkKms(byte fill) {
            byte[] k = new byte[32];
            Arrays.fill(k, fill);
            kek = new SecretKeySpec(k, "AES");
        }

        @Override
        public String name() {
            return "jdk-kms";
        }

        @Override
        public int stanzaKind() {
            return STANZA_PKCS11_AES_GCM;
        }

        @Override
        public boolean holds(KeyId keyId) {
            check();
            return keyId.equals(HOST_KEY);
        }

        private void check() {
            if (mode.equals("down")) {
                throw new ProviderUnavailableException(409, "kms is down");
            }
            if (mode.equals("bug")) {
                throw new IllegalStateException("a bug in the host's provider");
            }
        }

        @Override
        public byte[] wrap(KeyId keyId, byte[] dataKey, byte[] aad) {
            wraps.incrementAndGet();
            check();
            try {
                byte[] iv = new byte[12];
                random.nextBytes(iv);
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv));
                c.updateAAD(aad);
                byte[] ct = c.doFinal(dataKey);
                byte[] out = new byte[12 + ct.length];
                System.arraycopy(iv, 0, out, 0, 12);
                System.arraycopy(ct, 0, out, 12, ct.length);
                return out;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public byte[] unwrap(KeyId keyId, byte[] wrapped, byte[] aad) {
            unwraps.incrementAndGet();
            check();
            if (!keyId.equals(HOST_KEY)) {
                return null;
            }
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(128, wrapped, 0, 12));
                c.updateAAD(aad);
                return c.doFinal(wrapped, 12, wrapped.length - 12);
            } catch (AEADBadTagException e) {
                throw new OpenFailedException(301, "the wrapped key does not authenticate");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TempDir
    Path dir;
    JdkKms kms;
    Custodian custodian;
    Actor anna;

    @BeforeEach
    void open() {
        kms = new JdkKms((byte) 0x5a);
        custodian = Custodian.openWithMasterKey(dir.resolve("app"), MASTER,
                new Custodian.Options().create(true).provider(kms));
        anna = Actor.of("anna", "prosecutor", "NL", Classification.SECRET);
    }

    @AfterEach
    void close() {
        anna.close();
        custodian.close();
    }

    byte[] seal() {
        try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION).recipient(HOST_KEY).build()) {
            return custodian.seal(anna, SECRET, o);
        }
    }

    @Test
    void sealAndOpenThroughAJavaProvider() {
        byte[] env = seal();
        assertEquals(1, kms.wraps.get());
        try (Opened opened = custodian.open(anna, env, INVESTIGATION)) {
            assertArrayEquals(SECRET, opened.plaintext().bytes());
        }
        assertEquals(1, kms.unwraps.get());
    }

    @Test
    void aRefusedOpenNeverCallsTheProvider() {
        byte[] env = seal();
        assertThrows(PurposeNotPermittedException.class, () -> custodian.open(anna, env, Purpose.of("asset_recovery")));
        assertEquals(0, kms.unwraps.get());
    }

    @Test
    void aTamperedWrappedKeyIsRefused() {
        byte[] env = seal();
        int at = indexOf(env, HOST_KEY.toBytes());
        for (int offset : new int[] {16, 16 + 12, 16 + 12 + 40}) {
            byte[] bad = env.clone();
            bad[at + offset] ^= 1;
            assertThrows(OpenFailedException.class, () -> custodian.open(anna, bad, INVESTIGATION));
        }
        assertEquals(3, kms.unwraps.get());
    }

    @Test
    void providerExceptionsAreTypedAndNeverCross() {
        byte[] env = seal();
        kms.mode = "down";
        assertThrows(ProviderUnavailableException.class, () -> custodian.open(anna, env, INVESTIGATION));
        kms.mode = "bug";
        assertThrows(ProviderFailedException.class, () -> custodian.open(anna, env, INVESTIGATION));
        assertThrows(ProviderFailedException.class, this::seal);
        kms.mode = "ok";
        try (Opened opened = custodian.open(anna, env, INVESTIGATION)) {
            assertArrayEquals(SECRET, opened.plaintext().bytes());
        }
    }

    @Test
    void aKeyTheProviderDoesNotHoldIsNotMine() {
        byte[] env = seal();
        try (Custodian other = Custodian.openWithMasterKey(dir.resolve("other"), MASTER,
                new Custodian.Options().create(true).provider(new JdkKms((byte) 0x11) {
                    @Override
                    public boolean holds(KeyId keyId) {
                        return false;
                    }

                    @Override
                    public byte[] unwrap(KeyId keyId, byte[] wrapped, byte[] aad) {
                        return null;
                    }
                }))) {
            assertThrows(NoMatchingRecipientException.class, () -> other.open(anna, env, INVESTIGATION));
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION).recipient(HOST_KEY)
                    .build()) {
                assertThrows(KeyNotFoundException.class, () -> other.seal(anna, SECRET, o));
            }
        }
    }

    /**
     * Case keys wrapped by the Java provider: two custodians on one directory (two worker processes in production)
     * share the case key; each open costs no provider call once it is cached; a custodian without a cache asks every
     * time; destroying the case key on one worker stops the other, whose cache held it, with no provider call.
     */
    @Test
    void caseKeysWrappedByAJavaProviderOneUnwrapPerCaseAndShreddingReachesEveryWorker() {
        JdkKms caseKms = new JdkKms((byte) 0x6b);
        Custodian.Options cached = new Custodian.Options().create(true).caseKeys(caseKms, HOST_KEY, 300, 100);
        try (Custodian w1 = Custodian.openWithMasterKey(dir.resolve("cases"), MASTER, cached);
                Custodian w2 = Custodian.openWithMasterKey(dir.resolve("cases"), MASTER, cached);
                Custodian w3 = Custodian.openWithMasterKey(dir.resolve("cases"), MASTER,
                        new Custodian.Options().caseKeys(caseKms, HOST_KEY, 0, 0))) {
            KeyId key = w1.caseKey(anna, "MLA-2026-0042", null);
            assertEquals(1, caseKms.wraps.get());
            byte[][] envs = new byte[3][];
            try (SealOptions o = SealOptions.builder(Category.FINANCIAL_RECORDS, INVESTIGATION).recipient(key)
                    .caseRef("MLA-2026-0042").build()) {
                for (int i = 0; i < envs.length; i++) {
                    envs[i] = w1.seal(anna, SECRET, o);
                }
            }
            int before = caseKms.unwraps.get();
            for (int round = 0; round < 2; round++) {
                for (byte[] env : envs) {
                    try (Opened opened = w2.open(anna, env, INVESTIGATION)) {
                        assertArrayEquals(SECRET, opened.plaintext().bytes());
                    }
                }
            }
            assertEquals(before + 1, caseKms.unwraps.get(), "six opens, one provider call");
            before = caseKms.unwraps.get();
            for (int i = 0; i < 2; i++) {
                w3.open(anna, envs[i], INVESTIGATION).close();
            }
            assertEquals(before + 2, caseKms.unwraps.get(), "no cache: one call per open");
            w1.destroyKey(anna, key, "case closed, retention ended");
            before = caseKms.unwraps.get();
            for (byte[] env : envs) {
                assertThrows(KeyDestroyedException.class, () -> w2.open(anna, env, INVESTIGATION));
            }
            assertEquals(before, caseKms.unwraps.get());
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
