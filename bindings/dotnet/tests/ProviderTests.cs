// A key provider written in C#: the host's "KMS" here is a second custodian (the base class library of Mono has no
// AEAD we could rely on everywhere, and XOR would prove nothing): Wrap seals len(aad) || aad || data key to the KMS
// custodian's KEK, Unwrap opens it and refuses unless the embedded AAD is the one given. Attacks: a refused open
// never calls the provider; a tampered wrapped key is refused; a provider that throws is a typed failure and its
// exception never unwinds into the library; a key it does not hold is not its.
using System;
using System.IO;
using System.Linq;
using System.Text;

namespace Custodia.Tests
{
    class CustodianKms : KeyProvider
    {
        internal static readonly KeyId HostKey = KeyId.FromBytes(Enumerable.Repeat((byte)0xAB, 16).ToArray());
        readonly Custodian store;
        readonly Actor officer;
        readonly KeyId kek;
        internal int HoldsCalls, WrapCalls, UnwrapCalls;
        internal string Mode = "ok";

        internal CustodianKms(Custodian store, Actor officer, KeyId kek)
        {
            this.store = store;
            this.officer = officer;
            this.kek = kek;
        }

        public override string Name { get { return "cs-kms"; } }

        void Count()
        {
            if (Mode == "down") throw new ProviderUnavailableException(409, "kms is down");
            if (Mode == "bug") throw new DivideByZeroException("a bug in the host's provider");
        }

        public override bool Holds(KeyId keyId)
        {
            System.Threading.Interlocked.Increment(ref HoldsCalls);
            Count();
            return keyId == HostKey;
        }

        public override byte[] Wrap(KeyId keyId, byte[] dataKey, byte[] aad)
        {
            System.Threading.Interlocked.Increment(ref WrapCalls);
            Count();
            var msg = BitConverter.GetBytes(aad.Length).Concat(aad).Concat(dataKey).ToArray();
            try
            {
                using (var o = new SealOptions(Category.CaseAdministration, "key_custody").Recipient(kek))
                    return store.Seal(officer, msg, o);
            }
            finally
            {
                Array.Clear(msg, 0, msg.Length);
            }
        }

        public override byte[] Unwrap(KeyId keyId, byte[] wrapped, byte[] aad)
        {
            System.Threading.Interlocked.Increment(ref UnwrapCalls);
            Count();
            if (keyId != HostKey) return null;
            try
            {
                using (var opened = store.Open(officer, wrapped, "key_custody"))
                {
                    var msg = opened.Data.Expose();
                    int n = BitConverter.ToInt32(msg, 0);
                    if (n != aad.Length || !msg.Skip(4).Take(n).SequenceEqual(aad))
                        throw new OpenFailedException(306, "wrapped under other terms");
                    return msg.Skip(4 + n).ToArray();
                }
            }
            catch (CustodiaException e) when (e is EnvelopeException || e is RefusedException)
            {
                // the wrapped key is not what this KMS sealed
                throw new OpenFailedException(306, "the wrapped key does not authenticate: " + e.Message);
            }
        }
    }

    public class ProviderTests : Scene
    {
        static readonly byte[] Secret = Encoding.ASCII.GetBytes("account 4711, balance 1,000,000");
        Custodian store, app;
        Actor officer;
        CustodianKms kms;
        SealOptions opts;

        void Setup()
        {
            officer = new Actor("kms", "central_authority", "NL", Classification.Secret);
            store = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "kms"), MasterKey, new CustodianOptions { Create = true });
            kms = new CustodianKms(store, officer, store.GenerateKey(officer, KeyKind.Kek, "kms kek"));
            var o = new CustodianOptions { Create = true };
            o.Providers.Add(kms);
            app = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "app"), MasterKey, o);
            opts = new SealOptions(Category.FinancialRecords, "investigation").Recipient(CustodianKms.HostKey);
        }

        public override void Dispose()
        {
            if (opts != null) opts.Dispose();
            if (app != null) app.Dispose();
            if (store != null) store.Dispose();
            if (officer != null) officer.Dispose();
            base.Dispose();
        }

        [Test]
        public void SealAndOpenThroughACSharpProvider()
        {
            Setup();
            var env = app.Seal(Anna, Secret, opts);
            Assert.Equal(1, kms.HoldsCalls);
            Assert.Equal(1, kms.WrapCalls);
            using (var opened = app.Open(Anna, env, "investigation")) Assert.True(opened.Data.ContentEquals(Secret), "opened");
            Assert.Equal(1, kms.UnwrapCalls);
        }

        [Test]
        public void ARefusedOpenNeverCallsTheProvider()
        {
            Setup();
            var env = app.Seal(Anna, Secret, opts);
            Assert.Throws<PurposeNotPermittedException>(() => app.Open(Anna, env, "asset_recovery"));
            Assert.Equal(0, kms.UnwrapCalls);
        }

        [Test]
        public void ATamperedWrappedKeyIsRefused()
        {
            Setup();
            var env = app.Seal(Anna, Secret, opts);
            var id = CustodianKms.HostKey.ToBytes();
            int at = Enumerable.Range(0, env.Length - 16).First(i => env.Skip(i).Take(16).SequenceEqual(id));
            env[at + 16 + 60] ^= 1; // inside the KMS's envelope
            Assert.Throws<OpenFailedException>(() => app.Open(Anna, env, "investigation"));
            Assert.Equal(1, kms.UnwrapCalls);
        }

        [Test]
        public void ProviderExceptionsAreTypedAndNeverUnwind()
        {
            Setup();
            var env = app.Seal(Anna, Secret, opts);
            kms.Mode = "down";
            Assert.Equal(409u, Assert.Throws<ProviderUnavailableException>(() => app.Open(Anna, env, "investigation")).Code);
            kms.Mode = "bug";
            Assert.Equal(410u, Assert.Throws<ProviderFailedException>(() => app.Open(Anna, env, "investigation")).Code);
            Assert.Throws<ProviderFailedException>(() => app.Seal(Anna, Secret, opts));
            kms.Mode = "ok";
            using (var opened = app.Open(Anna, env, "investigation")) Assert.True(opened.Data.ContentEquals(Secret), "recovers");
        }

        [Test]
        public void AKeyNoProviderHoldsIsNotFound()
        {
            Setup();
            using (var o = new SealOptions(Category.Evidence, "investigation").Recipient(KeyId.FromBytes(new byte[16])))
                Assert.Throws<KeyNotFoundException>(() => app.Seal(Anna, Secret, o));
        }

        [Test]
        public void ProvidersAreUsedFromSeveralThreads()
        {
            Setup();
            var env = app.Seal(Anna, Secret, opts);
            var errors = new System.Collections.Generic.List<Exception>();
            var threads = Enumerable.Range(0, 4).Select(_ => new System.Threading.Thread(() =>
            {
                try
                {
                    for (int i = 0; i < 5; i++)
                        using (var o = app.Open(Anna, env, "investigation"))
                            if (!o.Data.ContentEquals(Secret)) throw new Exception("mismatch");
                }
                catch (Exception e) { lock (errors) errors.Add(e); }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(0, errors.Count, string.Join("; ", errors.Select(e => e.Message)));
            Assert.Equal(20, kms.UnwrapCalls);
        }

        [Test]
        public void CaseKeysWrappedByAProviderOneUnwrapPerCaseAndShreddingReachesEveryWorker()
        {
            Setup();
            var cached = new CaseKeyWrapping(kms, CustodianKms.HostKey, 300, 100);
            var dir = Path.Combine(Harness.Tmp, "cases");
            using (var w1 = Custodian.OpenWithMasterKey(dir, MasterKey, new CustodianOptions { Create = true, CaseKeys = cached }))
            using (var w2 = Custodian.OpenWithMasterKey(dir, MasterKey, new CustodianOptions { CaseKeys = cached }))
            using (var w3 = Custodian.OpenWithMasterKey(dir, MasterKey, new CustodianOptions { CaseKeys = new CaseKeyWrapping(kms, CustodianKms.HostKey, 0, 0) }))
            {
                var key = w1.CaseKey(Anna, "MLA-2026-0042");
                Assert.Equal(1, kms.WrapCalls);
                byte[][] envs;
                using (var o = new SealOptions(Category.FinancialRecords, "investigation").Recipient(key).CaseRef("MLA-2026-0042"))
                    envs = Enumerable.Range(0, 3).Select(i => w1.Seal(Anna, Secret.Concat(new[] { (byte)i }).ToArray(), o)).ToArray();
                int before = kms.UnwrapCalls;
                for (int round = 0; round < 2; round++)
                    for (int i = 0; i < envs.Length; i++)
                        using (var opened = w2.Open(Anna, envs[i], "investigation"))
                            Assert.True(opened.Data.ContentEquals(Secret.Concat(new[] { (byte)i }).ToArray()), "object " + i);
                Assert.Equal(before + 1, kms.UnwrapCalls, "six opens, one provider call");
                before = kms.UnwrapCalls;
                foreach (var env in envs.Take(2)) w3.Open(Anna, env, "investigation").Dispose();
                Assert.Equal(before + 2, kms.UnwrapCalls, "no cache: one call per open");
                w1.DestroyKey(Anna, key, "case closed, retention ended");
                before = kms.UnwrapCalls;
                foreach (var env in envs) Assert.Throws<KeyDestroyedException>(() => w2.Open(Anna, env, "investigation"));
                Assert.Equal(before, kms.UnwrapCalls, "no provider call after shredding");
            }
        }
    }
}
