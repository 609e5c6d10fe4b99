// Between authorities: grants (rule of speciality), disclosure receipts, authority keys, rewrap, memory status.
using System;
using System.IO;
using System.Linq;
using System.Text;

namespace Custodia.Tests
{
    /// <summary>DE seals a signed envelope for NL; FR is a third authority NL knows.</summary>
    public class GrantTests : IDisposable
    {
        static readonly byte[] Statement = Encoding.UTF8.GetBytes("IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456");
        const string Letter = "DE request letter 2026/118";
        readonly Custodian de, nl, fr;
        readonly Actor anna, jan, claire;
        readonly KeyId signer, frKey;
        readonly byte[] envelope;
        readonly string objectId;

        public GrantTests()
        {
            de = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "de"), Scene.MasterKey, new CustodianOptions { Create = true });
            nl = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "nl"), Scene.MasterKey, new CustodianOptions { Create = true });
            fr = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "fr"), Scene.MasterKey, new CustodianOptions { Create = true });
            anna = new Actor("anna", "prosecutor", "DE", Classification.Secret);
            jan = new Actor("jan", "central_authority", "NL", Classification.Secret);
            claire = new Actor("claire", "magistrate", "FR", Classification.Secret);
            signer = de.GenerateKey(anna, KeyKind.Ed25519, "DE signing");
            var nlKey = de.ImportPublic(anna, nl.ExportPublic(nl.GenerateKey(jan, KeyKind.X25519, "NL")), "NL", "NL");
            frKey = nl.ImportPublic(jan, fr.ExportPublic(fr.GenerateKey(claire, KeyKind.X25519, "FR")), "FR", "FR");
            using (var terms = new SealOptions(Category.FinancialRecords, "investigation", "mla.execution")
                .Jurisdictions(null, "NL").Recipient(nlKey).Signer(signer))
                envelope = de.Seal(anna, Statement, terms);
            objectId = nl.Inspect(envelope).ObjectId;
        }

        static DateTimeOffset Soon { get { return DateTimeOffset.UtcNow.AddDays(30); } }

        [Test]
        public void AnOnwardTransferNeedsTheOriginatorsGrant()
        {
            var before = nl.UnwrapAttempts();
            var refused = Assert.Throws<OnwardTransferNotGrantedException>(() =>
                nl.Rewrap(jan, envelope, "mla.execution", add: new[] { frKey }));
            Assert.Equal(215u, refused.Code);
            Assert.True(refused.IsRefusal && refused.Message.Contains("originator"), refused.Message);
            Assert.Equal("refused", nl.AuditEntries().Last().Kind);

            var grant = de.IssueOnwardTransferGrant(anna, signer, objectId, "Parquet national financier", "FR", frKey, Soon, Letter);
            Assert.True(grant.ToText().StartsWith("-----BEGIN CUSTODIA GRANT-----\n"), "armored grant");
            Assert.Equal(32, grant.Id.Length);
            Assert.Equal(grant, new Grant(grant.ToText()));
            Assert.Equal("grant_issued", de.AuditEntries().Last().Kind);

            var text = grant.ToText();
            int at = text.Length - "-----END CUSTODIA GRANT-----\n".Length - 8;
            var forged = new Grant(text.Substring(0, at) + (text[at] == 'A' ? "B" : "A") + text.Substring(at + 1));
            var e = Assert.Throws<OnwardTransferNotGrantedException>(() =>
                nl.Rewrap(jan, envelope, "mla.execution", add: new[] { frKey }, grant: forged));
            Assert.True(e.Message.Contains("signature does not verify"), e.Message);
            Assert.Equal(312u, Assert.Throws<GrantInvalidException>(() => new Grant(Encoding.ASCII.GetBytes("hello"))).Code);
            Assert.Equal(before, nl.UnwrapAttempts(), "no key touched by a refusal");

            var shared = nl.Rewrap(jan, envelope, "mla.execution", add: new[] { frKey }, grant: grant);
            Assert.Equal("shared", nl.AuditEntries().Last().Kind);
            Assert.Equal(1, nl.EnvelopeGrants(shared).Count);
            using (var o = fr.Open(claire, shared, "investigation")) Assert.True(o.Data.ContentEquals(Statement), "FR opens");
        }

        [Test]
        public void APurposeExtensionNeedsTheOriginatorsGrant()
        {
            Assert.Throws<PurposeNotPermittedException>(() => nl.Open(jan, envelope, "prosecution"));
            var onward = de.IssueOnwardTransferGrant(anna, signer, objectId, "PNF", "FR", frKey, Soon, Letter);
            var before = nl.UnwrapAttempts();
            var refused = Assert.Throws<PurposeExtensionNotGrantedException>(() => nl.ExtendPurposes(jan, envelope, onward));
            Assert.Equal(216u, refused.Code);
            Assert.Equal(before, nl.UnwrapAttempts());
            Assert.Throws<NoPurposeException>(() => de.IssuePurposeExtensionGrant(anna, signer, objectId, new string[0], Soon, Letter));
            Assert.Throws<InvalidArgumentException>(() => de.IssuePurposeExtensionGrant(anna, signer, "not hex", new[] { "prosecution" }, Soon, Letter));
            var grant = de.IssuePurposeExtensionGrant(anna, signer, objectId, new[] { "prosecution" }, Soon, Letter);
            var extended = nl.ExtendPurposes(jan, envelope, grant);
            Assert.Equal("grant_applied", nl.AuditEntries().Last().Kind);
            using (var o = nl.Open(jan, extended, "prosecution.trial")) Assert.True(o.Data.ContentEquals(Statement), "extended opens");
        }

        [Test]
        public void SharingNeedsMlaExecutionAndAPermittedJurisdiction()
        {
            // NL is not the originator: even with DE's grant, sharing for a purpose outside mla.execution is refused.
            var grant = de.IssueOnwardTransferGrant(anna, signer, objectId, "PNF", "FR", frKey, Soon, Letter);
            Assert.Throws<TransferNotPermittedException>(() => nl.Rewrap(jan, envelope, "investigation", add: new[] { frKey }, grant: grant));
        }

        public void Dispose()
        {
            foreach (var d in new IDisposable[] { anna, jan, claire, de, nl, fr }) d.Dispose();
        }
    }

    /// <summary>NL receives DE's envelope, opens it, is refused, opens under an exception, and signs a receipt.</summary>
    public class ReceiptTests : IDisposable
    {
        readonly Custodian de, nl;
        readonly Actor anna, jan;
        readonly KeyId signer;
        readonly byte[] envelope;

        public ReceiptTests()
        {
            de = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "de"), new byte[32], new CustodianOptions { Create = true });
            nl = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "nl"), Scene.MasterKey, new CustodianOptions { Create = true });
            anna = new Actor("anna", "prosecutor", "DE", Classification.Secret);
            jan = new Actor("jan", "investigator", "NL", Classification.Secret);
            var nlX = nl.GenerateKey(jan, KeyKind.X25519, "NL central authority");
            signer = nl.GenerateKey(jan, KeyKind.Ed25519, "NL receipts");
            var toNl = de.ImportPublic(anna, nl.ExportPublic(nlX), "NL", "NL");
            de.ImportPublic(anna, nl.ExportPublic(signer), "NL receipts", "NL");
            using (var o = new SealOptions(Category.FinancialRecords, "investigation", "mla.execution")
                .CaseRef("MLA-2026-0042").Jurisdictions(null, "NL").Recipient(toNl))
                envelope = de.Seal(anna, Encoding.ASCII.GetBytes("IBAN NL91ABNA0417164300"), o);
        }

        Receipt Handled()
        {
            var info = nl.Receive(jan, envelope);
            nl.Open(jan, envelope, "investigation").Dispose();
            Assert.Throws<PurposeNotPermittedException>(() => nl.Open(jan, envelope, "asset_recovery"));
            using (var ns = new ExceptionGround(ExceptionKind.NationalSecurity, "Decision AIVD 2026/3",
                "The account funds an imminent attack on critical infrastructure here"))
                nl.Open(jan, envelope, "asset_recovery", ns).Dispose();
            return nl.IssueReceipt(jan, info.ObjectId, signer);
        }

        [Test]
        public void ReceiptRoundTrip()
        {
            var receipt = Handled();
            Assert.Equal("received opened refused exception_used opened", string.Join(" ", receipt.Kinds()));
            Assert.Equal("investigation", receipt.Items[1].Fields["purpose"]);
            Assert.Equal("investigator", receipt.Items[1].Fields["role"]);
            Assert.True(!receipt.Items[1].Fields.ContainsKey("actor"), "actors not named by default");
            Assert.Equal("purpose_not_permitted", receipt.Items[2].Fields["refusal"]);
            Assert.Equal("national_security", receipt.Items[3].Fields["exception_kind"]);
            Assert.Equal("MLA-2026-0042", receipt.CaseRef);
            Assert.Equal(signer, receipt.Issuer);
            receipt.Verify(nl.ExportPublic(signer));
            Assert.True(receipt.ToArmored().StartsWith("-----BEGIN CUSTODIA RECEIPT-----\n"), "armored");
            var named = nl.IssueReceipt(jan, receipt.ObjectId, signer, nameActors: true);
            Assert.Equal("jan", named.Items[1].Fields["actor"]);

            var before = de.UnwrapAttempts();
            var imported = de.ImportReceipt(anna, receipt.ToArmored());
            Assert.Equal(receipt, imported);
            Assert.True(de.ReceiptsForObject(receipt.ObjectId).SequenceEqual(new[] { receipt }), "by object");
            Assert.True(de.ReceiptsForCase("MLA-2026-0042").SequenceEqual(new[] { receipt }), "by case");
            Assert.Equal(0, de.ReceiptsForCase("MLA-2026-9999").Count);
            Assert.Equal(before, de.UnwrapAttempts());
        }

        [Test]
        public void HostileReceiptsAreRefused()
        {
            var receipt = Handled();
            var other = nl.GenerateKey(jan, KeyKind.Ed25519, "other");
            Assert.Equal(314u, Assert.Throws<ReceiptIssuerUnknownException>(() => receipt.Verify(nl.ExportPublic(other))).Code);
            Assert.Throws<InvalidKeyTextException>(() => receipt.Verify("not a key"));
            var text = receipt.ToArmored();
            int at = text.Length / 2;
            var edited = text.Substring(0, at) + (text[at] == 'A' ? "B" : "A") + text.Substring(at + 1);
            Assert.Throws<ReceiptInvalidException>(() => new Receipt(edited));
            Assert.Throws<ReceiptInvalidException>(() => new Receipt(text.Substring(0, text.Length / 3)));
            Assert.Throws<ReceiptNotApplicableException>(() => nl.IssueReceipt(jan, "00000000000000000000000000000000", signer));
        }

        public void Dispose()
        {
            foreach (var d in new IDisposable[] { anna, jan, de, nl }) d.Dispose();
        }
    }

    public class AuthorityKeyTests : Scene
    {
        [Test]
        public void AuthorityKeysCarryTheirJurisdictionAndPeriod()
        {
            using (var de = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "de"), MasterKey, new CustodianOptions { Create = true }))
            using (var dora = new Actor("dora", "central_authority", "DE", Classification.Secret))
            using (var jan = new Actor("jan", "central_authority", "NL", Classification.Secret))
            {
                var held = de.GenerateKey(dora, KeyKind.X25519, "DE central authority");
                var key = C.ImportAuthorityKey(jan, de.ExportPublic(held), "DE central authority", "Bundesamt fuer Justiz", "DE");
                Assert.Equal(held, key);
                var info = C.Key(key);
                Assert.Equal("Bundesamt fuer Justiz", info.Authority);
                Assert.Equal("DE", info.Jurisdiction);
                Assert.True(!info.HasSecret, "public only");
                Assert.Throws<ConflictException>(() => C.ImportPublic(jan, de.ExportPublic(held), "again", "FR"));
                Assert.Throws<InvalidKeyTextException>(() => C.ImportPublic(jan, "custodia-x25519-public:nonsense", "bad", "DE"));

                Func<string[], SealOptions> options = dests => new SealOptions(Category.FinancialRecords, "investigation", "mla.execution")
                    .CaseRef("MLA-2026-0042").Jurisdictions("NL", dests).Recipient(key)
                    .Instrument(InstrumentKind.EuropeanInvestigationOrder, "EIO 2026/117", "Art. 10 Dir. 2014/41");
                using (var o = options(new string[0]))
                    Assert.Equal(218u, Assert.Throws<DestinationRequiredException>(() => C.Seal(jan, Data, o)).Code);
                using (var o = options(new[] { "FR" }))
                    Assert.Throws<RecipientNotPermittedException>(() => C.Seal(jan, Data, o));
                byte[] env;
                using (var o = options(new[] { "DE" })) env = C.Seal(jan, Data, o);
                var env_info = C.Inspect(env);
                Assert.Equal(InstrumentKind.EuropeanInvestigationOrder, env_info.InstrumentKind);
                Assert.Equal("EIO 2026/117", env_info.InstrumentReference);
                Assert.Equal("Art. 10 Dir. 2014/41", env_info.TransferBasis);
                using (var opened = de.Open(dora, env, "investigation")) Assert.True(opened.Data.ContentEquals(Data), "DE opens");

                C.RevokeKey(jan, key, "end of cooperation");
                Assert.True(C.Key(key).RevokedAt.HasValue, "revoked");
                using (var o = options(new[] { "DE" }))
                    Assert.Equal(217u, Assert.Throws<KeyRevokedException>(() => C.Seal(jan, Data, o)).Code);
            }
        }

        [Test]
        public void OutsideTheValidityPeriodNothingIsSealed()
        {
            using (var de = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "de"), MasterKey, new CustodianOptions { Create = true }))
            {
                var held = de.GenerateKey(Anna, KeyKind.X25519, "DE");
                var key = C.ImportAuthorityKey(Anna, de.ExportPublic(held), "DE", "BfJ", "DE", DateTimeOffset.UtcNow.AddDays(365));
                using (var o = new SealOptions(Category.Evidence, "investigation").Jurisdictions("NL", "DE").Recipient(key))
                {
                    var e = Assert.Throws<KeyNotValidException>(() => C.Seal(Anna, Data, o));
                    Assert.True(e.Code == 408 && !e.IsRefusal, "408, not a refusal");
                }
            }
        }

        [Test]
        public void ACompromisedKeyReceivesNothing()
        {
            using (var de = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "de"), MasterKey, new CustodianOptions { Create = true }))
            {
                var key = C.ImportPublic(Anna, de.ExportPublic(de.GenerateKey(Anna, KeyKind.X25519, "DE")), "DE", "DE");
                C.MarkCompromised(Anna, key, "laptop stolen");
                Assert.Equal("laptop stolen", C.Key(key).CompromisedReason);
                using (var o = new SealOptions(Category.Evidence, "investigation").Jurisdictions("NL", "DE").Recipient(key))
                    Assert.Throws<KeyCompromisedException>(() => C.Seal(Anna, Data, o));
            }
        }

        [Test]
        public void RewrapAddsAndRemovesOwnKeys()
        {
            var env = C.Seal(Anna, Data, Terms);
            var second = C.GenerateKey(Anna, KeyKind.Kek, "second");
            var moved = C.Rewrap(Anna, env, "investigation", remove: new[] { Kek }, add: new[] { second });
            var info = C.Inspect(moved);
            Assert.Equal(1, info.Recipients.Count);
            Assert.Equal(second, info.Recipients[0].KeyId);
            C.DestroyKey(Anna, Kek, "rotated out");
            using (var o = C.Open(Anna, moved, "investigation")) Assert.True(o.Data.ContentEquals(Data), "opens under the new key");
            var third = C.GenerateKey(Anna, KeyKind.Kek, "third");
            Assert.Throws<PurposeNotPermittedException>(() => C.Rewrap(Anna, moved, "asset_recovery", add: new[] { third }));
        }

        [Test]
        public void KeysListEveryKindAndTombstones()
        {
            int before = C.Keys().Count; // the audit log's own signing key may be listed
            var made = new System.Collections.Generic.List<KeyId>();
            foreach (KeyKind k in Enum.GetValues(typeof(KeyKind))) made.Add(C.GenerateKey(Anna, k, "k " + k));
            var keys = C.Keys().Where(k => made.Contains(k.Id)).ToList();
            Assert.Equal(before + 4, C.Keys().Count);
            Assert.Equal(4, keys.Count);
            Assert.True(keys.All(k => k.State == KeyState.Active && k.HasSecret && k.Created.HasValue), "active with secrets");
            C.DestroyKey(Anna, keys[0].Id, "test");
            Assert.Equal(before + 4, C.Keys().Count);
            Assert.True(!C.Key(keys[0].Id).HasSecret, "tombstone");
            Assert.Throws<KeyNotFoundException>(() => C.Key(KeyId.Parse("000102030405060708090a0b0c0d0e0f")));
            Assert.True(C.ExportPublic(keys.First(k => k.Kind == KeyKind.Ed25519).Id).StartsWith("custodia-ed25519-public:"), "public text");
        }

        [Test]
        public void AccessPolicyParsesAndRefusesMistakes()
        {
            Assert.Equal(108u, Assert.Throws<PolicyInvalidException>(() => AccessPolicy.Parse("this is = not [toml")).Code);
        }
    }

    public class MemoryTests
    {
        /// <summary>Run in a child process (the setting lasts for the life of the process).</summary>
        internal static int ProbeCoreDumps()
        {
            var before = Library.MemoryStatus().Dumpable;
            Library.DisableCoreDumps();
            Console.WriteLine(before + " " + Library.MemoryStatus().Dumpable);
            return 0;
        }

        [Test]
        public void DisableCoreDumpsShowsInTheStatus()
        {
            var psi = new System.Diagnostics.ProcessStartInfo("mono",
                "\"" + System.Reflection.Assembly.GetExecutingAssembly().Location + "\" --probe-core-dumps")
            { RedirectStandardOutput = true, UseShellExecute = false };
            using (var p = System.Diagnostics.Process.Start(psi))
            {
                var output = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode, "probe exit");
                var parts = output.Split(' ');
                Assert.True(parts[0] == "1" || parts[0] == "-1", "dumpable (or unknown) before: " + output);
                Assert.Equal("0", parts[1], "not dumpable after");
            }
        }

        [Test]
        public void AnOpenCustodianKeepsItsSecretsInTheLockedPool()
        {
            var before = Library.MemoryStatus();
            using (var anna = new Actor("anna", "prosecutor", "DE", Classification.Secret))
            using (var c = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "keys"), Scene.MasterKey, new CustodianOptions { Create = true }))
            {
                c.GenerateKey(anna, KeyKind.Kek, "kek");
                var during = Library.MemoryStatus();
                Assert.True(during.LiveSecrets > before.LiveSecrets, "secrets live");
                Assert.True(during.LockedBytes > 0 || (during.LockFailures > 0 && during.UnlockedBytes > 0), "locked or counted");
            }
            Assert.Equal(before.LiveSecrets, Library.MemoryStatus().LiveSecrets, "released and wiped on close");
        }
    }
}
