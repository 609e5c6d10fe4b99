// The Custodian from C#: creating and loading, seal/open with purposes, every refusal, exceptions, streaming,
// inspect, keys (generate, import, rotate, destroy, shred), rewrap, audit.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace Custodia.Tests
{
    public class CustodianTests : Scene
    {
        static new readonly byte[] Data = Scene.Data;

        [Test]
        public void SealOpenRoundTrip()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            Assert.True(envelope.Length > Data.Length, "envelope longer than data");
            using (var opened = C.Open(Anna, envelope, "investigation"))
            {
                Assert.True(opened.Data.ContentEquals(Data), "plaintext");
                Assert.Equal(Category.FinancialRecords, opened.Info.Category);
                Assert.Equal("MLA-2026-0042", opened.Info.CaseRef);
                Assert.True(opened.Info.Purposes.SequenceEqual(new[] { "investigation", "prosecution" }), "purposes");
            }
        }

        [Test]
        public void RoundTripSizes()
        {
            foreach (var n in new[] { 0, 1, 1024, 65537, 300000, 1500000 })
            {
                var data = new byte[n];
                new Random(n).NextBytes(data);
                using (var o = C.Open(Anna, C.Seal(Anna, data, Terms), "prosecution"))
                    Assert.True(o.Data.ContentEquals(data), "size " + n);
            }
        }

        [Test]
        public void SealAcceptsSensitiveBytes()
        {
            using (var s = new SensitiveBytes(Data))
            using (var o = C.Open(Anna, C.Seal(Anna, s, Terms), "investigation"))
                Assert.True(o.Data.ContentEquals(s), "plaintext");
        }

        [Test]
        public void ArmoredEnvelopes()
        {
            using (var o = new SealOptions(Category.Evidence, "investigation").Recipient(Kek).Armor(true))
            {
                var env = C.Seal(Anna, Data, o);
                Assert.True(Encoding.ASCII.GetString(env).StartsWith("-----BEGIN"), "armored");
                using (var opened = C.Open(Anna, env, "investigation")) Assert.True(opened.Data.ContentEquals(Data), "opens");
            }
        }

        [Test]
        public void InspectReadsBoundMetadataWithoutOpening()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            var info = C.Inspect(envelope);
            Assert.Equal(32, info.ObjectId.Length);
            Assert.Equal(Category.FinancialRecords, info.Category);
            Assert.Equal("NL", info.Origin);
            Assert.True(info.Destinations.SequenceEqual(new[] { "DE" }), "destinations");
            Assert.Equal(1, info.Recipients.Count);
            Assert.Equal(Kek, info.Recipients[0].KeyId);
            Assert.True(info.Signer == null, "unsigned");
            Assert.True(C.Describe(envelope).Contains("MLA-2026-0042"), "describe names the case");
        }

        [Test]
        public void PurposeNotPermitted()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            var e = Assert.Throws<PurposeNotPermittedException>(() => C.Open(Anna, envelope, "asset_recovery"));
            Assert.Equal(200u, e.Code);
            Assert.True(e.IsRefusal, "refusal");
            Assert.True(e.Message.Contains("asset_recovery") && !e.Message.Contains("IBAN"), "message: " + e.Message);
        }

        [Test]
        public void ExpiryIsCheckedAtSealAndCarried()
        {
            var now = DateTimeOffset.UtcNow;
            using (var o = new SealOptions(Category.Evidence, "investigation").Recipient(Kek).NotAfter(now.AddDays(-1)))
            {
                var e = Assert.Throws<InvalidArgumentException>(() => C.Seal(Anna, Data, o));
                Assert.True(e.Message.Contains("not_after"), e.Message);
            }
            using (var o = new SealOptions(Category.Evidence, "investigation").Recipient(Kek).NotAfter(now.AddDays(1)))
            {
                var env = C.Seal(Anna, Data, o);
                Assert.True(C.Inspect(env).NotAfter.HasValue, "not-after carried");
                using (var opened = C.Open(Anna, env, "investigation")) Assert.True(opened.Data.ContentEquals(Data), "opens");
            }
            Assert.True(Status.ToException(201, "") is ExpiredException, "201 maps to ExpiredException");
        }

        [Test]
        public void JurisdictionNotPermitted()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            using (var pierre = Investigator("pierre", "FR"))
                Assert.Throws<JurisdictionNotPermittedException>(() => C.Open(pierre, envelope, "investigation"));
        }

        [Test]
        public void ClearanceInsufficient()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            using (var bo = Investigator("bo", "DE", Classification.Restricted))
                Assert.Throws<ClearanceInsufficientException>(() => C.Open(bo, envelope, "investigation"));
        }

        [Test]
        public void KeyDestroyed()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            var cert = C.DestroyKey(Anna, Kek, "case closed; retention period ended");
            cert.Verify(C.AuditPublicKey());
            Assert.Throws<KeyDestroyedException>(() => C.Open(Anna, envelope, "investigation"));
            Assert.Equal(KeyState.Destroyed, C.Key(Kek).State);
        }

        [Test]
        public void SignerMismatch()
        {
            var signer = C.GenerateKey(Anna, KeyKind.Ed25519, "signing key");
            var envelope = C.Seal(Anna, Data, Terms);
            Assert.Throws<SignerMismatchException>(() => C.Open(Anna, envelope, "investigation", requiredSigner: signer));
            Terms.Signer(signer);
            var signed = C.Seal(Anna, Data, Terms);
            using (var o = C.Open(Anna, signed, "investigation", requiredSigner: signer))
                Assert.Equal(signer, o.Info.Signer);
        }

        [Test]
        public void TruncatedAndTamperedEnvelopes()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            Assert.Throws<EnvelopeException>(() => C.Open(Anna, envelope.Take(envelope.Length / 2).ToArray(), "investigation"));
            var tampered = (byte[])envelope.Clone();
            tampered[tampered.Length - 5] ^= 1;
            Assert.Throws<OpenFailedException>(() => C.Open(Anna, tampered, "investigation"));
            Assert.Throws<EnvelopeException>(() => C.Inspect(new byte[] { 1, 2, 3 }));
        }

        [Test]
        public void NoMatchingRecipient()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            using (var other = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "other"), MasterKey, new CustodianOptions { Create = true }))
                Assert.Throws<NoMatchingRecipientException>(() => other.Open(Anna, envelope, "investigation"));
        }

        [Test]
        public void CourtOrderOpensForAnotherPurpose()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            using (var order = ExceptionGround.CourtOrder("LG-Berlin-123/26", Justification))
            using (var o = C.Open(Anna, envelope, "asset_recovery", order))
                Assert.True(o.Data.ContentEquals(Data), "opened under the order");
        }

        [Test]
        public void ImminentThreatWithoutReference()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            using (var threat = ExceptionGround.ImminentThreat("A kidnapped child is held at an address these records may reveal"))
            using (var o = C.Open(Anna, envelope, "rescue", threat))
                Assert.True(o.Data.ContentEquals(Data), "opened under the threat");
        }

        [Test]
        public void ExceptionWithoutJustificationIsRefused()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            Assert.Throws<InvalidExceptionGroundException>(() => ExceptionGround.CourtOrder("LG-Berlin-123/26", "needed"));
            Assert.Throws<PurposeNotPermittedException>(() => C.Open(Anna, envelope, "asset_recovery", null));
        }

        [Test]
        public void StreamAFile()
        {
            var plain = new byte[300000];
            new Random(7).NextBytes(plain);
            var sealedPath = Path.Combine(Harness.Tmp, "statement.cust");
            using (var src = new MemoryStream(plain))
            using (var dst = File.Create(sealedPath))
                C.SealStream(Anna, src, dst, Terms);
            var output = new MemoryStream();
            using (var src = File.OpenRead(sealedPath))
            {
                var info = C.OpenStream(Anna, src, output, "investigation");
                Assert.Equal("MLA-2026-0042", info.CaseRef);
            }
            Assert.Bytes(plain, output.ToArray());
            using (var o = C.Open(Anna, File.ReadAllBytes(sealedPath), "investigation"))
                Assert.True(o.Data.ContentEquals(plain), "a streamed envelope is an ordinary envelope");
        }

        [Test]
        public void StreamInConstantMemoryThroughAChunkedSource()
        {
            // A source that never holds more than one chunk: 8 MiB pass through without a whole-file buffer.
            var dst = new CountingStream();
            using (var src = new PatternStream(8 << 20))
                C.SealStream(Anna, src, dst, Terms);
            Assert.True(dst.Count > 8 << 20, "sealed " + dst.Count + " bytes");
        }

        [Test]
        public void StreamRefusalWritesNothing()
        {
            var envelope = C.Seal(Anna, Data, Terms);
            var output = new MemoryStream();
            Assert.Throws<PurposeNotPermittedException>(() => C.OpenStream(Anna, new MemoryStream(envelope), output, "asset_recovery"));
            Assert.Equal(0L, output.Length);
        }

        [Test]
        public void StreamCallbackErrorsSurfaceAsTheirOwnExceptions()
        {
            var e = Assert.Throws<IOException>(() => C.SealStream(Anna, new BrokenStream(), new MemoryStream(), Terms));
            Assert.Equal("disk on fire", e.Message);
        }

        [Test]
        public void SealAndOpenFiles()
        {
            var plainPath = Path.Combine(Harness.Tmp, "p.bin");
            var plain = new byte[100000];
            new Random(3).NextBytes(plain);
            File.WriteAllBytes(plainPath, plain);
            var env = Path.Combine(Harness.Tmp, "p.cust");
            var outPath = Path.Combine(Harness.Tmp, "p.out");
            C.SealFile(Anna, plainPath, env, Terms);
            C.OpenFile(Anna, env, outPath, "investigation");
            Assert.Bytes(plain, File.ReadAllBytes(outPath));
            var refused = Path.Combine(Harness.Tmp, "refused.out");
            Assert.Throws<PurposeNotPermittedException>(() => C.OpenFile(Anna, env, refused, "asset_recovery"));
            Assert.True(!File.Exists(refused), "nothing written on refusal");
        }

        [Test]
        public void Rotation()
        {
            var old = C.Seal(Anna, Data, Terms);
            var next = C.Rotate(Anna, Kek);
            Assert.True(next != Kek, "a new key");
            Assert.Equal(KeyState.DecryptOnly, C.Key(Kek).State);
            Assert.Equal(Kek, C.Key(next).RotatedFrom);
            using (var o = C.Open(Anna, old, "investigation")) Assert.True(o.Data.ContentEquals(Data), "old still opens");
            var moved = C.RewrapRotated(Anna, old);
            Assert.Equal(next, C.Inspect(moved).Recipients[0].KeyId);
            using (var o = C.Open(Anna, moved, "investigation")) Assert.True(o.Data.ContentEquals(Data), "moved opens");
        }

        [Test]
        public void RetentionShredAndLegalHold()
        {
            var caseKey = C.CaseKey(Anna, "MLA-2026-0099");
            C.SetRetention(Anna, caseKey, DateTimeOffset.UtcNow.AddSeconds(-10));
            C.PlaceLegalHold(Anna, "MLA-2026-0099", "order 7/26", "appeal pending");
            Assert.Throws<ConflictException>(() => C.PlaceLegalHold(Anna, "MLA-2026-0099", "order 7/26", "again"));
            var holds = C.LegalHolds();
            Assert.Equal(1, holds.Count);
            Assert.Equal("MLA-2026-0099", holds[0].CaseRef);
            Assert.True(holds[0].Keys.Contains(caseKey), "the hold lists the case key");
            Assert.Throws<LegalHoldException>(() => C.DestroyKey(Anna, caseKey, "retention ended"));
            var kept = C.ShredExpired(Anna);
            Assert.Equal(0, kept.Destroyed);
            Assert.Equal(1, kept.Held);
            C.ReleaseLegalHold(Anna, "MLA-2026-0099");
            var report = C.ShredExpired(Anna);
            Assert.Equal(1, report.Destroyed);
            Assert.Equal(1, report.Certificates.Count);
            report.Certificates[0].Verify(C.AuditPublicKey());
            var cert = report.Certificates[0];
            Assert.True(cert.Keys.SequenceEqual(new[] { caseKey }), "the certificate names the key");
            Assert.Equal("MLA-2026-0099", cert.CaseRef);
            Assert.True(cert.Seq > 0 && cert.Reason.Length > 0 && cert.LogId.Length == 32, "members read");
            Assert.Throws<InvalidArgumentException>(() => new ErasureCertificate("{\"type\":\"something else\"}"));
            Assert.Equal(KeyState.Destroyed, C.Key(caseKey).State);
        }

        [Test]
        public void AuditVerifiesAndDetectsTampering()
        {
            C.Open(Anna, C.Seal(Anna, Data, Terms), "investigation").Dispose();
            var report = C.VerifyAudit();
            Assert.True(report.Entries >= 3, "entries " + report.Entries);
            Assert.Equal(64, report.Head.Length);
            var anchor = C.Checkpoint();
            anchor.Verify(C.AuditPublicKey());
            Assert.True(anchor.Count >= report.Entries, "anchor count");
            Assert.True(C.VerifyAudit(anchor).Anchors >= 1, "verified against the anchor");
            var dir = C.Directory;
            C.Close();
            var log = Path.Combine(dir, "audit.log");
            var text = File.ReadAllText(log);
            File.WriteAllText(log, text.Replace("\"investigation\"", "\"prosecution\""));
            Assert.Throws<AuditException>(() =>
            {
                using (var again = Custodian.OpenWithMasterKey(dir, MasterKey)) again.VerifyAudit();
            });
        }

        [Test]
        public void AuditQueriesAndCsv()
        {
            var env = C.Seal(Anna, Data, Terms);
            C.Open(Anna, env, "investigation").Dispose();
            Assert.Throws<PurposeNotPermittedException>(() => C.Open(Anna, env, "asset_recovery"));
            var objectId = C.Inspect(env).ObjectId;
            var all = C.AuditEntries(new AuditQuery { ObjectId = objectId });
            Assert.True(all.Count >= 3, "seal, open, refusal: " + all.Count);
            Assert.True(all.All(e => e.Object == objectId), "filtered by object");
            var byCase = C.AuditEntries(new AuditQuery { CaseRef = "MLA-2026-0042" });
            Assert.True(byCase.Count >= 3, "by case");
            var byActor = C.AuditEntries(new AuditQuery { ActorId = "nobody" });
            Assert.Equal(0, byActor.Count);
            var kinds = all.Select(e => e.Kind).Distinct().ToList();
            var one = C.AuditEntries(new AuditQuery { ObjectId = objectId, Kinds = new[] { kinds[0] } });
            Assert.True(one.Count >= 1 && one.All(e => e.Kind == kinds[0]), "by kind");
            var csv = C.AuditCsv(new AuditQuery { ObjectId = objectId });
            Assert.True(csv.Split('\n').Length >= 4, "csv rows");
        }

        [Test]
        public void PassphraseCreateAndWrongPassphrase()
        {
            var dir = Path.Combine(Harness.Tmp, "pp");
            var o = new CustodianOptions { Create = true, Kdf = new uint[] { 8192, 1, 1 } };
            KeyId k;
            byte[] env;
            using (var c = Custodian.OpenWithPassphrase(dir, "correct horse battery staple", o))
            {
                k = c.GenerateKey(Anna, KeyKind.Kek, "k");
                using (var t = new SealOptions(Category.Evidence, "investigation").Recipient(k)) env = c.Seal(Anna, Data, t);
            }
            var chars = "correct horse battery staple".ToCharArray();
            using (var c = Custodian.OpenWithPassphrase(dir, chars))
            using (var opened = c.Open(Anna, env, "investigation"))
                Assert.True(opened.Data.ContentEquals(Data), "reloaded from a char[] passphrase");
            Array.Clear(chars, 0, chars.Length);
            Assert.Throws<WrongPassphraseException>(() => Custodian.OpenWithPassphrase(dir, "wrong"));
        }

        [Test]
        public void MissingCustodianIsAnErrorUnlessCreate()
        {
            var dir = Path.Combine(Harness.Tmp, "missing");
            Assert.Throws<CustodianNotFoundException>(() => Custodian.OpenWithMasterKey(dir, MasterKey));
            Assert.True(!System.IO.Directory.Exists(dir), "nothing created");
            using (Custodian.OpenWithMasterKey(dir, MasterKey, new CustodianOptions { Create = true })) { }
            using (var c = Custodian.OpenWithMasterKey(dir, MasterKey)) Assert.True(!c.IsClosed, "loaded");
        }

        [Test]
        public void KdfCostsOutOfRangeAreRefused()
        {
            var o = new CustodianOptions { Create = true, Kdf = new uint[] { 1, 1, 1 } };
            Assert.Throws<KdfParamsOutOfRangeException>(() => Custodian.OpenWithPassphrase(Path.Combine(Harness.Tmp, "k"), "pw", o));
        }

        [Test]
        public void DurabilityChoices()
        {
            foreach (Durability d in Enum.GetValues(typeof(Durability)))
            {
                using (var c = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "d" + d), MasterKey,
                    new CustodianOptions { Create = true, Durability = d }))
                {
                    var k = c.GenerateKey(Anna, KeyKind.Kek, "k");
                    using (var t = new SealOptions(Category.Evidence, "investigation").Recipient(k))
                    using (var o = c.Open(Anna, c.Seal(Anna, Data, t), "investigation"))
                        Assert.True(o.Data.ContentEquals(Data), d.ToString());
                    Assert.True(c.VerifyAudit().Entries >= 3, "recorded");
                }
            }
        }

        [Test]
        public void ClosedHandlesThrow()
        {
            var env = C.Seal(Anna, Data, Terms);
            var closing = C.Close();
            Assert.True(closing != null && closing.Count > 0, "closing checkpoint");
            Assert.True(ReferenceEquals(closing, C.Close()), "closing again returns the same anchor");
            Assert.Throws<InvalidHandleException>(() => C.Open(Anna, env, "investigation"));
            var o = new SealOptions(Category.Evidence, "investigation");
            o.Dispose();
            Assert.Throws<InvalidHandleException>(() => o.CaseRef("x"));
        }

        [Test]
        public void BadArgumentsAreTyped()
        {
            Assert.Throws<ArgumentNullException>(() => C.Seal(Anna, (byte[])null, Terms));
            Assert.Throws<InvalidPurposeException>(() => C.Open(Anna, C.Seal(Anna, Data, Terms), "Not A Purpose"));
            Assert.Throws<InvalidPurposeException>(() => new SealOptions(Category.Evidence, "Bad Purpose"));
            Assert.Throws<NoPurposeException>(() => new SealOptions(Category.Evidence));
            Assert.Throws<InvalidJurisdictionException>(() => new SealOptions(Category.Evidence, "investigation").Jurisdictions("XX"));
        }

        [Test]
        public void EightThreadsSealAndOpenOnOneCustodian()
        {
            var c = C;
            var terms = Terms;
            var errors = new List<Exception>();
            var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
            {
                try
                {
                    using (var a = Investigator("t" + i))
                    {
                        for (int j = 0; j < 10; j++)
                        {
                            var data = Encoding.UTF8.GetBytes("thread " + i + " item " + j);
                            using (var o = c.Open(a, c.Seal(a, data, terms), "investigation"))
                                if (!o.Data.ContentEquals(data)) throw new Exception("mismatch");
                            try
                            {
                                c.Open(a, c.Seal(a, data, terms), "asset_recovery");
                                throw new Exception("not refused");
                            }
                            catch (PurposeNotPermittedException e)
                            {
                                if (e.Code != 200 || !e.Message.Contains("asset_recovery")) throw new Exception("wrong message " + e.Message);
                            }
                        }
                    }
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(0, errors.Count, "errors: " + string.Join("; ", errors.Select(e => e.Message)));
        }

        [Test]
        public void ASecondCustodianOnTheSameDirectorySharesKeysAndLog()
        {
            var env = C.Seal(Anna, Data, Terms);
            using (var second = Custodian.OpenWithMasterKey(C.Directory, MasterKey))
            using (var o = second.Open(Anna, env, "investigation"))
                Assert.True(o.Data.ContentEquals(Data), "opened by the second");
        }
    }

    class BrokenStream : Stream
    {
        public override bool CanRead { get { return true; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return false; } }
        public override long Length { get { throw new NotSupportedException(); } }
        public override long Position { get { return 0; } set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { throw new IOException("disk on fire"); }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { }
        public override void Write(byte[] buffer, int offset, int count) { throw new NotSupportedException(); }
    }

    /// <summary>Generates n bytes of a pattern, one Read at a time (no backing buffer).</summary>
    class PatternStream : BrokenStream
    {
        long left;
        public PatternStream(long n) { left = n; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, left);
            for (int i = 0; i < n; i++) buffer[offset + i] = (byte)(left - i);
            left -= n;
            return n;
        }
    }

    /// <summary>Counts what is written and keeps nothing.</summary>
    class CountingStream : Stream
    {
        public long Count;
        public override bool CanRead { get { return false; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return true; } }
        public override long Length { get { return Count; } }
        public override long Position { get { return Count; } set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { }
        public override void Write(byte[] buffer, int offset, int count) { Count += count; }
    }
}
