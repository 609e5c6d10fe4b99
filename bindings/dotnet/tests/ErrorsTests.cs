// Errors and buffers: status codes, messages of the calling thread, typed exceptions, handles freed once.
using System;
using System.Linq;
using System.Threading;
using Custodia.Raw;

namespace Custodia.Tests
{
    public class ErrorsTests : Scene
    {
        [Test]
        public void EachCodeHasItsClass()
        {
            var table = new[]
            {
                Tuple.Create(100u, typeof(InvalidArgumentException)), Tuple.Create(101u, typeof(InvalidPurposeException)),
                Tuple.Create(104u, typeof(InvalidJurisdictionException)), Tuple.Create(106u, typeof(InvalidExceptionGroundException)),
                Tuple.Create(109u, typeof(BufferTooSmallException)), Tuple.Create(110u, typeof(ConflictException)),
                Tuple.Create(122u, typeof(InvalidHandleException)),
                Tuple.Create(200u, typeof(PurposeNotPermittedException)), Tuple.Create(201u, typeof(ExpiredException)),
                Tuple.Create(202u, typeof(JurisdictionNotPermittedException)), Tuple.Create(203u, typeof(ClearanceInsufficientException)),
                Tuple.Create(204u, typeof(KeyDestroyedException)), Tuple.Create(205u, typeof(LegalHoldException)),
                Tuple.Create(206u, typeof(SignerMismatchException)), Tuple.Create(215u, typeof(OnwardTransferNotGrantedException)),
                Tuple.Create(216u, typeof(PurposeExtensionNotGrantedException)), Tuple.Create(217u, typeof(KeyRevokedException)),
                Tuple.Create(218u, typeof(DestinationRequiredException)), Tuple.Create(219u, typeof(KeyCompromisedException)),
                Tuple.Create(220u, typeof(ReceiptNotApplicableException)),
                Tuple.Create(300u, typeof(MalformedException)), Tuple.Create(303u, typeof(TruncatedException)),
                Tuple.Create(306u, typeof(OpenFailedException)), Tuple.Create(307u, typeof(NoMatchingRecipientException)),
                Tuple.Create(312u, typeof(GrantInvalidException)), Tuple.Create(313u, typeof(ReceiptInvalidException)),
                Tuple.Create(314u, typeof(ReceiptIssuerUnknownException)),
                Tuple.Create(400u, typeof(KeyNotFoundException)), Tuple.Create(402u, typeof(WrongPassphraseException)),
                Tuple.Create(406u, typeof(KdfParamsOutOfRangeException)), Tuple.Create(407u, typeof(CustodianNotFoundException)),
                Tuple.Create(502u, typeof(AuditTamperedException)), Tuple.Create(506u, typeof(CustodianClosedException)),
                Tuple.Create(900u, typeof(IoFaultException)), Tuple.Create(902u, typeof(InUseException)),
                Tuple.Create(998u, typeof(PoisonedException)), Tuple.Create(999u, typeof(InternalException)),
            };
            foreach (var t in table)
            {
                var e = Status.ToException(t.Item1, "m");
                Assert.Equal(t.Item2, e.GetType(), "class of " + t.Item1);
                Assert.Equal(t.Item1, e.Code);
                Assert.Equal("m", e.Message);
                Assert.True(e.StatusName != "unknown" && e.StatusName.Length > 0, "name of " + t.Item1);
            }
            Assert.Equal("purpose_not_permitted", Status.Name(200));
        }

        [Test]
        public void FamiliesAndRefusals()
        {
            Assert.True(Status.ToException(200, "") is RefusedException, "2xx is a refusal");
            Assert.True(Status.ToException(200, "").IsRefusal, "200 is_refusal");
            Assert.True(!Status.ToException(306, "").IsRefusal, "306 is not a refusal");
            Assert.True(Status.ToException(101, "") is InvalidArgumentException, "1xx");
            Assert.True(Status.ToException(303, "") is EnvelopeException, "3xx");
            Assert.True(Status.ToException(402, "") is KeyringException, "4xx");
            Assert.True(Status.ToException(502, "") is AuditException, "5xx");
            Assert.True(Status.ToException(900, "") is EnvironmentFaultException, "9xx");
        }

        [Test]
        public void UnknownCodesMapToTheirFamilyOrTheBase()
        {
            Assert.Equal(typeof(RefusedException), Status.ToException(299, "").GetType());
            Assert.Equal(typeof(KeyringException), Status.ToException(499, "").GetType());
            Assert.Equal(typeof(CustodiaException), Status.ToException(777, "").GetType());
        }

        [Test]
        public void MessageIsTheLibrarysOfThisThread()
        {
            var e = Assert.Throws<InvalidPurposeException>(() => Library.ValidatePurpose("Not A Purpose"));
            Assert.Equal(101u, e.Code);
            Assert.True(e.Message.Length > 0, "a message");
            Assert.True(e.ToString().Contains("[101 invalid_purpose]"), "ToString shows code and name: " + e);
        }

        [Test]
        public void MessagesDoNotCrossThreads()
        {
            string other = null;
            Assert.Throws<InvalidJurisdictionException>(() => Library.ValidateJurisdiction("XX"));
            var t = new Thread(() =>
            {
                try { Library.ValidatePurpose("Bad Purpose"); }
                catch (CustodiaException e) { other = e.StatusName; }
            });
            t.Start();
            t.Join();
            Assert.Equal("invalid_purpose", other);
            var mine = Assert.Throws<InvalidJurisdictionException>(() => Library.ValidateJurisdiction("XX"));
            Assert.True(mine.Message.Contains("XX") || mine.Message.Length > 0, "own message");
        }

        [Test]
        public void TextBuffersAreFreed()
        {
            ulong h0, b0, h1, b1;
            var text = Anna.Describe();
            Library.LiveCounts(out h0, out b0);
            for (int i = 0; i < 20; i++) Assert.Equal(text, Anna.Describe());
            Library.LiveCounts(out h1, out b1);
            Assert.Equal(b0, b1, "live buffers");
            Assert.Equal(h0, h1, "live handles");
        }

        [Test]
        public void DoubleFreeOfARawHandleIsRefused()
        {
            ActorHandle h;
            Status.Check(Native.custodia_actor_new(new byte[] { (byte)'x', 0 }, new byte[] { (byte)'r', 0 },
                new byte[] { (byte)'D', (byte)'E', 0 }, 0, out h));
            ulong id = h.Id;
            h.SetHandleAsInvalid(); // take ownership away from the SafeHandle for this raw check
            Assert.Equal(0u, Native.custodia_actor_free(id), "first free");
            Assert.Equal(122u, Native.custodia_actor_free(id), "second free");
        }

        [Test]
        public void DisposeIsIdempotentAndUseAfterDisposeThrows()
        {
            ulong h0, b0, h1, b1;
            Library.LiveCounts(out h0, out b0);
            var a = new Actor("bo", "investigator", "DE", Classification.Restricted);
            a.Dispose();
            a.Dispose();
            var e = Assert.Throws<InvalidHandleException>(() => a.Describe());
            Assert.Equal(122u, e.Code);
            Library.LiveCounts(out h1, out b1);
            Assert.Equal(h0, h1, "live handles");
        }

        [Test]
        public void FinalizersFreeHandles()
        {
            ulong h0, b0, h1, b1;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Library.LiveCounts(out h0, out b0);
            MakeGarbage();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Library.LiveCounts(out h1, out b1);
            Assert.Equal(h0, h1, "live handles after collection");
        }

        static void MakeGarbage()
        {
            for (int i = 0; i < 10; i++) new Actor("g" + i, "investigator", "DE", Classification.Public);
        }

        [Test]
        public void BadTextArgumentsAreRefusedBeforeTheCall()
        {
            Assert.Throws<ArgumentNullException>(() => new Actor(null, "r", "DE", Classification.Public));
            Assert.Throws<ArgumentException>(() => new Actor("a\0b", "r", "DE", Classification.Public));
            Assert.Throws<InvalidJurisdictionException>(() => new Actor("a", "r", "XX", Classification.Public));
        }

        [Test]
        public void VocabularyNamesRoundTrip()
        {
            Assert.Equal("evidence", Names.Of(Category.Evidence));
            Assert.Equal(Category.Evidence, Names.CategoryFromName("evidence"));
            Assert.Equal("secret", Names.Of(Classification.Secret));
            Assert.Equal(Classification.Secret, Names.ClassificationFromName("secret"));
            Assert.Equal("court_order", Names.Of(ExceptionKind.CourtOrder));
            Assert.Equal("ed25519", Names.Of(KeyKind.Ed25519));
            foreach (KeyKind k in Enum.GetValues(typeof(KeyKind))) Assert.Equal(k, Names.KeyKindFromName(Names.Of(k)));
            foreach (ExceptionKind k in Enum.GetValues(typeof(ExceptionKind))) Assert.Equal(k, Names.ExceptionKindFromName(Names.Of(k)));
            foreach (Category k in Enum.GetValues(typeof(Category))) Assert.Equal(k, Names.CategoryFromName(Names.Of(k)));
            foreach (Classification k in Enum.GetValues(typeof(Classification))) Assert.Equal(k, Names.ClassificationFromName(Names.Of(k)));
            Assert.Throws<InvalidArgumentException>(() => Names.CategoryFromName("gossip"));
            Assert.True(Names.MinimumClassification(Category.WitnessIdentity) >= Classification.Restricted, "minimum");
        }

        [Test]
        public void KeyIdsParseFormatAndCompare()
        {
            var k = KeyId.Parse("000102030405060708090a0b0c0d0e0f");
            Assert.Equal("000102030405060708090a0b0c0d0e0f", k.ToString());
            Assert.True(k == KeyId.FromBytes(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray()), "equal");
            Assert.Throws<InvalidArgumentException>(() => KeyId.Parse("nothex"));
        }

        [Test]
        public void VersionAndAbi()
        {
            Assert.Equal(4u, Library.AbiVersion);
            Assert.True(Library.Version.StartsWith("0."), "version " + Library.Version);
        }
    }

    public class SensitiveTests
    {
        [Test]
        public void ToStringNeverShowsContent()
        {
            var s = new SensitiveBytes(System.Text.Encoding.ASCII.GetBytes("IBAN NL91ABNA0417164300"));
            Assert.Equal("SensitiveBytes(len=23, [REDACTED])", s.ToString());
            s.Dispose();
            Assert.Equal("SensitiveBytes(disposed)", s.ToString());
        }

        [Test]
        public void DisposeWipesInPlace()
        {
            var s = new SensitiveBytes(new byte[] { 1, 2, 3, 4 });
            var view = s.Expose();
            Assert.True(s.ContentEquals(new byte[] { 1, 2, 3, 4 }), "content");
            Assert.True(!s.ContentEquals(new byte[] { 1, 2, 3 }), "length differs");
            s.Dispose();
            Assert.Bytes(new byte[4], view, "wiped");
            Assert.True(s.IsDisposed, "disposed");
            Assert.Throws<ObjectDisposedException>(() => s.Expose());
            s.Dispose();
        }

        [Test]
        public void CopiesAreTheCallersAndEqualityIsByReference()
        {
            var s = new SensitiveBytes(new byte[] { 9, 9 });
            var copy = s.ToArray();
            s.Dispose();
            Assert.Bytes(new byte[] { 9, 9 }, copy);
            var a = new SensitiveBytes(new byte[] { 1 });
            var b = new SensitiveBytes(new byte[] { 1 });
            Assert.True(!a.Equals(b) && a.ContentEquals(b), "no value equality, constant-time content comparison");
        }
    }
}
