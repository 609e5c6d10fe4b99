// A signer written in C#: the host's "HSM" is an Ed25519 key (tests/Ed25519.cs) custodia never sees. A signer that
// signs with another key, returns garbage or a short signature, or throws gets nothing signed (ProviderFailed;
// unreachable is ProviderUnavailable) and its exception never unwinds into the library; the keyring holds only the
// public key; an audit log signed outside verifies, and its directory refuses to open without that signer or with
// another.
using System;
using System.IO;
using System.Linq;
using System.Text;

namespace Custodia.Tests
{
    class Hsm : Signer
    {
        static int seeds;
        readonly Ed25519Key key, other;
        internal string Mode = "ok";
        internal int Signed;

        internal Hsm()
        {
            int n = System.Threading.Interlocked.Increment(ref seeds);
            key = new Ed25519Key(Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + n)).ToArray());
            other = new Ed25519Key(Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + n)).ToArray());
        }

        public override byte[] PublicKey() { return key.Public; }

        public override byte[] Sign(byte[] message)
        {
            System.Threading.Interlocked.Increment(ref Signed);
            switch (Mode)
            {
                case "other-key": return other.Sign(message);
                case "garbage": return Enumerable.Repeat((byte)0x42, 64).ToArray();
                case "short": return key.Sign(message).Take(63).ToArray();
                case "bug": throw new DivideByZeroException("a bug in the host's signer");
                case "down": throw new ProviderUnavailableException(409, "hsm is down");
                default: return key.Sign(message);
            }
        }
    }

    public class SignerTests : Scene
    {
        static readonly byte[] Secret = Encoding.ASCII.GetBytes("account 4711, balance 1,000,000");

        static SealOptions KekOpts(Custodian c, Actor a, KeyId signer = null)
        {
            var o = new SealOptions(Category.FinancialRecords, "investigation").Recipient(c.GenerateKey(a, KeyKind.Kek, "team"));
            return signer == null ? o : o.Signer(signer);
        }

        static int SealedOk(Custodian c)
        {
            return c.AuditEntries(new AuditQuery { Kinds = new[] { "sealed" } }).Count(e => e.Outcome == "ok");
        }

        Custodian Open(string name, Hsm signer = null, Hsm auditSigner = null, bool create = true)
        {
            var o = new CustodianOptions { Create = create, AuditSigner = auditSigner };
            if (signer != null) o.Signers.Add(signer);
            return Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, name), MasterKey, o);
        }

        [Test]
        public void TheTestEd25519MatchesRfc8032()
        {
            // RFC 8032 section 7.1, TEST 1 (empty message).
            var seed = Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
            var k = new Ed25519Key(seed);
            Assert.Bytes(Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), k.Public, "public key");
            Assert.Bytes(Hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
                k.Sign(new byte[0]), "signature");
        }

        static byte[] Hex(string h) { return Enumerable.Range(0, h.Length / 2).Select(i => Convert.ToByte(h.Substring(2 * i, 2), 16)).ToArray(); }

        [Test]
        public void AnEnvelopeSignedOutsideVerifiesAndTheKeyringHoldsNoSecret()
        {
            var hsm = new Hsm();
            var keyId = hsm.KeyId();
            using (var c = Open("c", hsm))
            using (var opts = KekOpts(c, Anna, keyId))
            {
                var env = c.Seal(Anna, Secret, opts);
                Assert.Equal(1, hsm.Signed);
                Assert.Equal(keyId, c.Inspect(env).Signer);
                using (var opened = c.Open(Anna, env, "investigation", requiredSigner: keyId)) Assert.True(opened.Data.ContentEquals(Secret), "opened");
                var local = c.GenerateKey(Anna, KeyKind.Ed25519, "a key of this keyring");
                Assert.Throws<SignerMismatchException>(() => c.Open(Anna, env, "investigation", requiredSigner: local));
                var info = c.Key(keyId);
                Assert.True(info.Kind == KeyKind.Ed25519 && !info.HasSecret, "public only");
            }
        }

        [Test]
        public void ALyingOrFailingSignerGetsNothingSealed()
        {
            foreach (var mode in new[] { "other-key", "garbage", "short", "bug" })
            {
                var hsm = new Hsm();
                using (var c = Open("c-" + mode, hsm))
                using (var opts = KekOpts(c, Anna, hsm.KeyId()))
                {
                    int before = SealedOk(c);
                    hsm.Mode = mode;
                    Assert.Throws<ProviderFailedException>(() => c.Seal(Anna, Secret, opts));
                    Assert.Equal(1, hsm.Signed, mode + ": asked, and not believed");
                    Assert.Equal(before, SealedOk(c), mode + ": nothing sealed");
                    hsm.Mode = "down";
                    Assert.Throws<ProviderUnavailableException>(() => c.Seal(Anna, Secret, opts));
                    hsm.Mode = "ok";
                    c.Seal(Anna, Secret, opts);
                    Assert.Equal(before + 1, SealedOk(c));
                }
            }
        }

        [Test]
        public void AnAuditLogSignedOutsideVerifiesAndNeedsItsSigner()
        {
            var hsm = new Hsm();
            using (var c = Open("c", auditSigner: hsm))
            {
                using (var opts = KekOpts(c, Anna))
                using (var opened = c.Open(Anna, c.Seal(Anna, Secret, opts), "investigation"))
                    Assert.True(opened.Data.ContentEquals(Secret), "opened");
                var report = c.VerifyAudit();
                Assert.True(report.Entries >= 3 && (ulong)hsm.Signed >= report.Entries, "every entry signed outside");
                c.Checkpoint().Verify(c.AuditPublicKey());
                Assert.True(!c.Keys().Any(k => k.Id == hsm.KeyId() && k.HasSecret), "no secret kept");
            }
            Assert.Throws<InvalidArgumentException>(() => Open("c", create: false));
            Assert.Throws<AuditWrongKeyException>(() => Open("c", auditSigner: new Hsm(), create: false));
            using (var again = Open("c", auditSigner: hsm, create: false))
            using (var opts = KekOpts(again, Anna))
            {
                hsm.Mode = "garbage";
                Assert.Throws<AuditWriteFailedException>(() => again.Seal(Anna, Secret, opts));
                hsm.Mode = "ok";
                again.Seal(Anna, Secret, opts);
                again.VerifyAudit();
            }
            var liar = new Hsm { Mode = "other-key" };
            Assert.Throws<ProviderFailedException>(() => Open("d", auditSigner: liar));
        }

        class FixedKey : Hsm
        {
            readonly byte[] key;
            internal FixedKey(byte[] key) { this.key = key; }
            public override byte[] PublicKey() { return key; }
        }

        [Test]
        public void InvalidSignersAreRefused()
        {
            var identity = new byte[32];
            identity[0] = 1; // the identity point: a weak key
            Assert.Throws<InvalidArgumentException>(() => Open("a", new FixedKey(identity)));
            Assert.Throws<ArgumentException>(() => Open("b", auditSigner: new FixedKey(new byte[31])));
        }

        [Test]
        public void SignersAreUsedFromSeveralThreads()
        {
            var hsm = new Hsm();
            var keyId = hsm.KeyId();
            var errors = new System.Collections.Generic.List<Exception>();
            using (var c = Open("c", hsm))
            using (var opts = KekOpts(c, Anna, keyId))
            {
                var threads = Enumerable.Range(0, 4).Select(_ => new System.Threading.Thread(() =>
                {
                    try
                    {
                        for (int i = 0; i < 3; i++)
                            using (var o = c.Open(Anna, c.Seal(Anna, Secret, opts), "investigation", requiredSigner: keyId))
                                if (!o.Data.ContentEquals(Secret)) throw new Exception("mismatch");
                    }
                    catch (Exception e) { lock (errors) errors.Add(e); }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
            }
            Assert.Equal(0, errors.Count, string.Join("; ", errors.Select(e => e.Message)));
            Assert.Equal(12, hsm.Signed);
        }
    }
}
