// The rest of the facade: need-to-know and four eyes, random access, batch re-wrap, compromise reports, witnessed
// anchors, Merkle inclusion proofs, CSV export to a file.
using System;
using System.IO;
using System.Linq;
using System.Text;

namespace Custodia.Tests
{
    public class PolicyTests : IDisposable
    {
        static readonly byte[] Secret = Encoding.ASCII.GetBytes("witness W-17");
        const string Why = "The witness is in immediate danger and the court ordered the disclosure now";
        readonly Custodian nl, head;

        public PolicyTests()
        {
            nl = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "nl"), Scene.MasterKey, new CustodianOptions { Create = true });
            head = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "head"), Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(),
                new CustodianOptions { Create = true });
        }

        static Actor NlActor(string user, string role = "prosecutor") { return new Actor(user, role, "NL", Classification.Secret); }

        static string PolicyText(string approverKey)
        {
            return "version = 1\n"
                + "[roles.prosecutor]\ncategories = [\"witness_identity\"]\n"
                + "purposes = [\"investigation\", \"prosecution\", \"witness_protection\"]\n"
                + "[[cases.team]]\ncase = \"MLA-2026-0042\"\nactors = [\"anna.schmidt\"]\n"
                + "[[transfers.rule]]\ncategory = \"witness_identity\"\nto = \"*\"\ndecision = \"legal_basis\"\n"
                + "[four_eyes]\ncategories = [\"witness_identity\"]\n"
                + "[[four_eyes.approver]]\nid = \"head.of.unit\"\nkey = \"" + approverKey + "\"\n";
        }

        [Test]
        public void PolicyErrorsNameLineAndColumn()
        {
            var e = Assert.Throws<PolicyInvalidException>(() =>
                AccessPolicy.Parse("version = 1\n[roles.x]\ncategories = [\"nope\"]\npurposes = [\"mla\"]\n"));
            Assert.True(e.Message.Contains("line 3, column 15"), e.Message);
            Assert.True(e is InvalidArgumentException, "a 1xx");
            var path = Path.Combine(Harness.Tmp, "p.toml");
            File.WriteAllText(path, "version = 1\n[roles.a]\ncategories = [\"*\"]\npurposes = [\"mla\"]\n");
            using (var a = AccessPolicy.Load(path))
            using (var b = AccessPolicy.Parse(File.ReadAllText(path)))
            {
                Assert.Equal(64, a.Sha256().Length);
                Assert.Equal(a.Sha256(), b.Sha256());
            }
            Assert.Throws<CustodiaException>(() => AccessPolicy.Load(Path.Combine(Harness.Tmp, "missing.toml")));
        }

        [Test]
        public void NeedToKnowTransferRulesAndFourEyes()
        {
            using (var anna = NlActor("anna.schmidt"))
            using (var bob = NlActor("bob"))
            using (var headActor = NlActor("head.of.unit", "central_authority"))
            {
                var kek = nl.GenerateKey(anna, KeyKind.Kek, "kek");
                var headKey = head.GenerateKey(headActor, KeyKind.Ed25519, "approvals");
                byte[] env;
                using (var o = new SealOptions(Category.WitnessIdentity, "witness_protection").CaseRef("MLA-2026-0042")
                    .Jurisdictions("NL").Recipient(kek))
                    env = nl.Seal(anna, Secret, o);
                using (var policy = AccessPolicy.Parse(PolicyText(head.ExportPublic(headKey))))
                    nl.SetAccessPolicy(anna, policy);
                Assert.Equal("policy_changed", nl.AuditEntries().Last().Kind);
                Assert.True(File.Exists(Path.Combine(nl.Directory, "access-policy.toml")), "policy written");

                var before = nl.UnwrapAttempts();
                var e = Assert.Throws<NotOnCaseException>(() => nl.Open(bob, env, "witness_protection"));
                Assert.True(e.Code == 210 && e.Message.Contains("bob is not on case MLA-2026-0042"), e.Message);
                Assert.Throws<RoleNotPermittedException>(() => nl.Open(anna, env, "mla.execution"));
                Assert.Equal(before, nl.UnwrapAttempts(), "no key touched");
                using (var opened = nl.Open(anna, env, "witness_protection")) Assert.True(opened.Data.ContentEquals(Secret), "on the team");

                using (var abroad = new SealOptions(Category.WitnessIdentity, "witness_protection").Jurisdictions("NL", "DE").Recipient(kek))
                    Assert.Equal(213u, Assert.Throws<LegalBasisRequiredException>(() => nl.Seal(anna, Secret, abroad)).Code);

                using (var order = ExceptionGround.CourtOrder("OLG 1/26", Why))
                {
                    var ar = Assert.Throws<ApprovalRequiredException>(() => nl.Open(anna, env, "prosecution", order));
                    Assert.True(ar.Message.Contains("none was given"), ar.Message);
                    var objectId = nl.Inspect(env).ObjectId;
                    var until = DateTimeOffset.UtcNow.AddDays(365);
                    Assert.Throws<InvalidArgumentException>(() => head.ApproveException(headActor, headKey, objectId, "head.of.unit",
                        "prosecution", ExceptionKind.CourtOrder, "OLG 1/26", until));
                    var approval = head.ApproveException(headActor, headKey, objectId, "anna.schmidt", "prosecution",
                        ExceptionKind.CourtOrder, "OLG 1/26", until);
                    Assert.True(approval.StartsWith("custodia-approval:"), approval);
                    Assert.Equal("exception_approved", head.AuditEntries().Last().Kind);
                    foreach (var bad in new[] { "custodia-approval:AAAA", "hello", approval.Substring(0, approval.Length - 4) })
                        Assert.Throws<ApprovalInvalidException>(() => order.WithApproval(bad));
                    var other = head.ApproveException(headActor, headKey, objectId, "anna.schmidt", "investigation",
                        ExceptionKind.CourtOrder, "OLG 1/26", until);
                    using (var wrong = order.WithApproval(other))
                        Assert.Throws<ApprovalRequiredException>(() => nl.Open(anna, env, "prosecution", wrong));
                    using (var approved = order.WithApproval(approval))
                    using (var opened = nl.Open(anna, env, "prosecution", approved))
                        Assert.True(opened.Data.ContentEquals(Secret), "opened with four eyes");
                    Assert.Equal("exception_used", nl.AuditEntries().Last(x => x.Kind == "exception_used").Kind);
                }
            }
        }

        public void Dispose()
        {
            nl.Dispose();
            head.Dispose();
        }
    }

    public class ReaderAndBatchTests : Scene
    {
        [Test]
        public void OpenSeekableReadsAnyRange()
        {
            var plain = new byte[200000];
            new Random(11).NextBytes(plain);
            var path = Path.Combine(Harness.Tmp, "big.cust");
            File.WriteAllBytes(path, C.Seal(Anna, plain, Terms.ChunkSize(4096)));
            using (var r = C.OpenSeekable(Anna, path, "prosecution"))
            {
                Assert.True(r.CanRead && r.CanSeek && !r.CanWrite, "read-only, seekable");
                Assert.Equal((long)plain.Length, r.Length);
                Assert.Equal("MLA-2026-0042", r.Info.CaseRef);
                var buf = new byte[200];
                foreach (var offset in new long[] { 0, 4095, 4096, 8191, 61440, plain.Length - 1 })
                {
                    Assert.Equal(offset, r.Seek(offset, SeekOrigin.Begin));
                    int n = r.Read(buf, 0, 200);
                    int want = (int)Math.Min(200, plain.Length - offset);
                    Assert.Equal(want, n, "read at " + offset);
                    Assert.Bytes(plain.Skip((int)offset).Take(want).ToArray(), buf.Take(n).ToArray(), "bytes at " + offset);
                    Assert.Equal(offset + want, r.Position);
                }
                Assert.Equal((long)plain.Length - 10, r.Seek(-10, SeekOrigin.End));
                r.Seek(plain.Length + 4096, SeekOrigin.Begin);
                Assert.Equal(0, r.Read(buf, 0, 8));
                Assert.Equal(8, r.ReadAt(130, buf, 0, 8));
                Assert.Bytes(plain.Skip(130).Take(8).ToArray(), buf.Take(8).ToArray());
            }
            Assert.Throws<PurposeNotPermittedException>(() => C.OpenSeekable(Anna, path, "asset_recovery"));
        }

        [Test]
        public void FileDescriptorsSealOpenAndReadAtRandom()
        {
            var plain = new byte[150000];
            new Random(9).NextBytes(plain);
            var plainPath = Path.Combine(Harness.Tmp, "p.bin");
            var envPath = Path.Combine(Harness.Tmp, "p.cust");
            var outPath = Path.Combine(Harness.Tmp, "p.out");
            File.WriteAllBytes(plainPath, plain);
            using (var src = new FileStream(plainPath, FileMode.Open, FileAccess.Read))
            using (var dst = new FileStream(envPath, FileMode.Create, FileAccess.Write))
                C.SealFile(Anna, src.SafeFileHandle, dst.SafeFileHandle, Terms);
            using (var src = new FileStream(envPath, FileMode.Open, FileAccess.Read))
            using (var dst = new FileStream(outPath, FileMode.Create, FileAccess.Write))
                Assert.Equal("MLA-2026-0042", C.OpenFile(Anna, src.SafeFileHandle, dst.SafeFileHandle, "investigation").CaseRef);
            Assert.Bytes(plain, File.ReadAllBytes(outPath));
            EnvelopeReader reader;
            using (var src = new FileStream(envPath, FileMode.Open, FileAccess.Read))
                reader = C.OpenSeekable(Anna, src.SafeFileHandle, "prosecution");
            using (reader) // its own duplicate of the descriptor outlives the stream
            {
                var buf = new byte[100];
                Assert.Equal(100, reader.ReadAt(70000, buf, 0, 100));
                Assert.Bytes(plain.Skip(70000).Take(100).ToArray(), buf);
            }
            using (var src = new FileStream(envPath, FileMode.Open, FileAccess.Read))
            using (var dst = new FileStream(Path.Combine(Harness.Tmp, "refused.out"), FileMode.Create, FileAccess.Write))
                Assert.Throws<PurposeNotPermittedException>(() => C.OpenFile(Anna, src.SafeFileHandle, dst.SafeFileHandle, "asset_recovery"));
            var closed = new FileStream(plainPath, FileMode.Open, FileAccess.Read);
            var handle = closed.SafeFileHandle;
            closed.Dispose();
            Assert.Throws<ArgumentException>(() => C.SealFile(Anna, handle, handle, Terms));
        }

        [Test]
        public void AChangedChunkIsRefusedAtReadTime()
        {
            var plain = new byte[64 * 1024];
            new Random(5).NextBytes(plain);
            var env = C.Seal(Anna, plain, Terms.ChunkSize(4096));
            env[env.Length / 2] ^= 1; // inside a middle chunk
            var path = Path.Combine(Harness.Tmp, "tampered.cust");
            File.WriteAllBytes(path, env);
            using (var r = C.OpenSeekable(Anna, path, "investigation"))
            {
                var buf = new byte[4096];
                Assert.Equal(4096, r.ReadAt(0, buf, 0, 4096));
                var all = new byte[plain.Length];
                Assert.Throws<OpenFailedException>(() => r.ReadAt(0, all, 0, all.Length));
                Assert.Equal(4096, r.ReadAt(plain.Length - 4096, buf, 0, 4096));
                Assert.Bytes(plain.Skip(plain.Length - 4096).ToArray(), buf, "an intact chunk after the changed one");
            }
        }

        [Test]
        public void BatchRewrapReportsEachFile()
        {
            var old = Kek;
            var second = C.GenerateKey(Anna, KeyKind.Kek, "second");
            using (var o = new SealOptions(Category.Evidence, "investigation").Recipient(old))
            {
                foreach (var name in new[] { "one", "two" })
                {
                    File.WriteAllBytes(Path.Combine(Harness.Tmp, name + ".txt"), Encoding.ASCII.GetBytes(name));
                    C.SealFile(Anna, Path.Combine(Harness.Tmp, name + ".txt"), Path.Combine(Harness.Tmp, name + ".cust"), o);
                }
            }
            File.WriteAllText(Path.Combine(Harness.Tmp, "garbage.cust"), "not an envelope");
            C.Rotate(Anna, old);
            var files = new[] { "one.cust", "garbage.cust", "missing.cust", "two.cust" }.Select(f => Path.Combine(Harness.Tmp, f)).ToList();
            var outcomes = C.RewrapBatch(Anna, files);
            Assert.Equal("True False False True", string.Join(" ", outcomes.Select(x => x.Ok)));
            Assert.True(outcomes.Select(x => x.Path).SequenceEqual(files), "paths in order");
            Assert.True(outcomes[2].Error is IoFaultException, "missing file: " + outcomes[2].Error);
            C.DestroyKey(Anna, old, "rotated out");
            C.OpenFile(Anna, files[0], Path.Combine(Harness.Tmp, "one.out"), "investigation");
            Assert.Equal("one", File.ReadAllText(Path.Combine(Harness.Tmp, "one.out")));
            var refused = C.RewrapBatch(Anna, files.Take(1).ToList(), "extradition", add: new[] { second });
            Assert.True(refused[0].Error is PurposeNotPermittedException && refused[0].Error.Message.Contains("extradition"), "refused");
            Assert.True(C.RewrapBatch(Anna, files.Take(1).ToList(), "investigation", add: new[] { second })[0].Ok, "re-wrapped");
            Assert.Throws<InvalidArgumentException>(() => C.RewrapBatch(Anna, files, null, add: new[] { second }));
        }

        [Test]
        public void CompromiseReportNamesTheEnvelopesToRewrap()
        {
            var first = C.Seal(Anna, Data, Terms);
            C.MarkCompromised(Anna, Kek, "key file copied by an intruder");
            var report = C.CompromiseReport(Kek);
            Assert.True(report.Contains(C.Inspect(first).ObjectId), report);
            Assert.Throws<KeyNotFoundException>(() => C.CompromiseReport(KeyId.Parse("00000000000000000000000000000000")));
        }
    }

    public class AnchorTests : Scene
    {
        [Test]
        public void AWitnessCountersignsAnotherCustodiansAnchor()
        {
            using (var b = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "b"), MasterKey, new CustodianOptions { Create = true }))
            using (var ben = Investigator("ben", "NL"))
            {
                C.GenerateKey(Anna, KeyKind.Kek, "k");
                var sent = C.Checkpoint();
                var aKey = C.AuditPublicKey();
                var witness = b.GenerateKey(ben, KeyKind.Ed25519, "witness key");
                var witnessed = b.CountersignAnchor(ben, new Anchor(sent.Json), aKey, witness);
                Assert.Equal(sent.Count, witnessed.Count);
                Assert.Equal(1, witnessed.WitnessCount);
                witnessed.Verify(aKey, b.ExportPublic(witness));
                Assert.Equal(507u, Assert.Throws<AnchorInvalidException>(() => b.CountersignAnchor(ben, b.Checkpoint(), aKey, witness)).Code);
                Assert.Throws<InvalidArgumentException>(() => new Anchor("{\"type\":\"something else\"}"));
                Assert.Throws<AnchorInvalidException>(() => C.VerifyAudit(b.Checkpoint()));
            }
        }

        [Test]
        public void InclusionProofsCheckWithTheAuditKeyAlone()
        {
            var kek = C.GenerateKey(Anna, KeyKind.Kek, "k");
            var seq = C.AuditEntries(new AuditQuery { Kinds = new[] { "key_generated" } }).Last().Seq.Value;
            var bundle = C.ProveAuditEntry(seq);
            var line = Custodian.VerifyInclusion(bundle, C.AuditPublicKey());
            Assert.True(line.Contains("\"key_generated\"") && line.Contains(kek.ToString()), line);
            using (var b = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "b"), MasterKey, new CustodianOptions { Create = true }))
                Assert.Equal(509u, Assert.Throws<CheckpointInvalidException>(() => Custodian.VerifyInclusion(bundle, b.AuditPublicKey())).Code);
            var forged = bundle.Replace("\"kind\":\"key_generated\"", "\"kind\":\"key_destroyed\"");
            Assert.True(forged != bundle, "edited");
            Assert.Throws<AuditException>(() => Custodian.VerifyInclusion(forged, C.AuditPublicKey()));
            Assert.Throws<InvalidArgumentException>(() => C.ProveAuditEntry(10000));
        }

        [Test]
        public void CsvExportToAPrivateFile()
        {
            C.Open(Anna, C.Seal(Anna, Data, Terms), "investigation").Dispose();
            var path = Path.Combine(Harness.Tmp, "audit.csv");
            var rows = C.WriteAuditCsv(path, new AuditQuery { CaseRef = "MLA-2026-0042" });
            Assert.True(rows >= 2, "rows " + rows);
            Assert.Equal((int)rows + 1, File.ReadAllLines(path).Length, "header and rows");
            Assert.Equal(File.ReadAllText(path), C.AuditCsv(new AuditQuery { CaseRef = "MLA-2026-0042" }));
        }
    }
}
