// Sealed records, keyed pseudonyms and SD-JWT from C# (as bindings/python/tests/test_records.py and test_sdjwt.py).
// Attacks: a reader not cleared for a field never gets its value (withheld, its getters throw the refusal); a field
// with its own purposes is withheld for another purpose; the envelope-level refusal still throws; Open and OpenRecord
// keep to their payload types; a changed byte fails the whole open; a policy mask gives the masked view, never the
// value; an altered disclosure, another issuer's key, a truncated text or a bad key text is refused with its typed
// exception; a field the issuer may not open never enters the SD-JWT. Values are wiped on Dispose and never shown.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Custodia.Tests
{
    public class RecordTests : IDisposable
    {
        readonly Custodian c;
        readonly Actor jan, ana;
        readonly KeyId kek;
        readonly SealOptions options;
        readonly byte[] envelope;
        static readonly byte[] Scan = { 0x25, 0x50, 0x44, 0x46, 0x00, 0xff };

        public RecordTests()
        {
            c = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "c"), Enumerable.Repeat((byte)7, 32).ToArray(),
                new CustodianOptions { Create = true });
            jan = new Actor("jan", "prosecutor", "NL", Classification.Secret);
            ana = new Actor("ana", "analyst", "NL", Classification.Confidential);
            kek = c.GenerateKey(jan, KeyKind.Kek, "case team");
            options = new SealOptions(Category.CaseAdministration, "investigation", "prosecution").Recipient(kek)
                .CaseRef("MLA-2026-0042");
            using (var r = Fields()) envelope = c.SealRecord(jan, r, options);
        }

        static Record Fields()
        {
            using (var address = new Record().AddText("city", "Utrecht", Category.ContactDetails)
                .AddInteger("postcode", 3511, Category.ContactDetails))
                return new Record()
                    .AddText("account_iban", "NL91ABNA0417164300", Category.FinancialRecords)
                    .AddNested("address", address, Category.ContactDetails)
                    .AddDate("born", new DateTime(1971, 5, 4), Category.PersonalIdentity)
                    .AddBytes("scan", Scan, Category.Evidence, Classification.Confidential)
                    .AddInteger("transfers", -42, Category.FinancialRecords, purposes: new[] { "investigation.financial" })
                    .AddText("witness_name", "A. Jansen", Category.WitnessIdentity);
        }

        public void Dispose()
        {
            options.Dispose();
            ana.Dispose();
            jan.Dispose();
            c.Dispose();
        }

        string AuditLog() { return File.ReadAllText(Path.Combine(Harness.Tmp, "c", "audit.log")); }

        const string NestedAddress = "{\"nested\":{\"city\":{\"text\":\"Utrecht\"},\"postcode\":{\"integer\":3511}}}";

        [Test]
        public void AClearedReaderGetsEveryValueBackAsSealed()
        {
            byte[] exposed, scan;
            SensitiveBytes bytes;
            using (var r = c.OpenRecord(jan, envelope, "investigation.financial"))
            {
                Assert.Equal("account_iban,address,born,scan,transfers,witness_name", string.Join(",", r.Fields.Select(f => f.Name)), "names in order");
                Assert.Equal(6, r.Disclosed().Count, "disclosed");
                Assert.Equal(0, r.Withheld().Count + r.Masked().Count, "none withheld");
                Assert.Equal("NL91ABNA0417164300", r.Text("account_iban"), "text");
                Assert.Equal(-42L, r.Integer("transfers"), "integer");
                Assert.Equal(new DateTime(1971, 5, 4), r.Date("born"), "date");
                Assert.Equal("1971-05-04", Encoding.ASCII.GetString(r["born"].Value.Expose()), "date bytes");
                bytes = r.Bytes("scan");
                Assert.True(bytes.ContentEquals(Scan), "bytes");
                Assert.Equal(NestedAddress, r.NestedJson("address"), "nested");
                Assert.Equal("A. Jansen", r["witness_name"].Text(), "witness");
                var t = r["transfers"];
                Assert.True(t.Purposes.SequenceEqual(new[] { "investigation.financial" }), "own purposes");
                Assert.True(r["born"].Purposes == null, "the envelope's purposes");
                Assert.Equal(Category.WitnessIdentity, r["witness_name"].Category, "category");
                Assert.Equal(Classification.Confidential, r["scan"].Classification, "classification");
                Assert.Equal(Classification.Secret, r["witness_name"].Classification, "witness at its category's minimum");
                Assert.Equal(FieldKind.Nested, r["address"].Kind, "kind");
                Assert.Equal(FieldState.Disclosed, r["address"].State, "state");
                Assert.True(r["address"].Refusal == null && r["address"].IsDisclosed, "no refusal");
                Assert.Equal("MLA-2026-0042", r.Info.CaseRef, "envelope info");
                Assert.Throws<InvalidArgumentException>(() => r.Text("born"));
                Assert.Throws<InvalidArgumentException>(() => r["phone"].Text());
                var shown = r + " " + string.Join(" ", r.Fields.Select(f => f.ToString()));
                foreach (var value in new[] { "NL91", "Jansen", "Utrecht", "1971", "-42" })
                    Assert.True(!shown.Contains(value), "ToString shows no " + value + ": " + shown);
                Assert.True(shown.Contains("witness_name"), "names are shown");
                exposed = r["account_iban"].Value.Expose();
                scan = bytes.Expose();
            }
            Assert.True(exposed.All(b => b == 0) && scan.All(b => b == 0), "Dispose wiped the values");
            Assert.True(bytes.IsDisposed, "bytes disposed with the record");
        }

        [Test]
        public void FieldsAReaderMayNotSeeAreWithheldWithTheirRefusals()
        {
            var before = c.UnwrapAttempts();
            using (var r = c.OpenRecord(ana, envelope, "investigation"))
            {
                Assert.Equal(before + 1, c.UnwrapAttempts(), "one unwrap");
                Assert.Equal("account_iban,address,born,scan", string.Join(",", r.Disclosed()), "disclosed");
                Assert.Equal("transfers,witness_name", string.Join(",", r.Withheld()), "withheld");
                var w = r["witness_name"];
                Assert.Equal(FieldState.Withheld, w.State, "state");
                Assert.True(!w.IsDisclosed, "not disclosed");
                Assert.True(w.Refusal is ClearanceInsufficientException, "refusal class " + w.Refusal);
                Assert.Equal(203u, w.Refusal.Code, "refusal code");
                Assert.True(w.Refusal.Message.Contains("witness_name"), "message names the field: " + w.Refusal.Message);
                var e = Assert.Throws<ClearanceInsufficientException>(() => w.Text());
                Assert.True(e.Message.Contains("witness_name"), e.Message);
                Assert.Throws<ClearanceInsufficientException>(() => { var v = w.Value; });
                // A field with its own purposes: withheld for the envelope's other purpose.
                Assert.True(r["transfers"].Refusal is PurposeNotPermittedException, "transfers " + r["transfers"].Refusal);
                Assert.Throws<PurposeNotPermittedException>(() => r.Integer("transfers"));
                Assert.True(r["transfers"].Purposes.SequenceEqual(new[] { "investigation.financial" }), "its purposes");
                Assert.True(r["witness_name"].MaskedText == null && r["witness_name"].Mask == MaskRule.None, "no mask");
                Assert.True(r.ToString().Contains("withheld=[transfers, witness_name]"), r.ToString());
            }
            var log = AuditLog();
            Assert.True(log.Contains("\"withheld\":\"transfers witness_name\""), "audit names the withheld fields");
            Assert.True(!log.Contains("A. Jansen") && !log.Contains("NL91ABNA"), "audit holds no value");
        }

        [Test]
        public void TheEnvelopeGateStillThrowsAndPayloadTypesAreKept()
        {
            var before = c.UnwrapAttempts();
            Assert.Throws<PurposeNotPermittedException>(() => c.OpenRecord(jan, envelope, "asset_recovery"));
            Assert.Throws<InvalidArgumentException>(() => c.Open(jan, envelope, "investigation"));
            Assert.Equal(before, c.UnwrapAttempts(), "no key touched");
            var plain = c.Seal(jan, Encoding.UTF8.GetBytes("a document"), options);
            Assert.Throws<InvalidArgumentException>(() => c.OpenRecord(jan, plain, "investigation"));
            var bad = (byte[])envelope.Clone();
            bad[bad.Length - 30] ^= 1;
            Assert.Throws<OpenFailedException>(() => c.OpenRecord(jan, bad, "investigation"));
            Assert.Throws<ArgumentNullException>(() => c.OpenRecord(jan, null, "investigation"));
            using (var other = new SealOptions(Category.CaseAdministration, "investigation").Recipient(kek).Armor(true))
            using (var r = new Record().AddText("note", "armored", Category.InvestigativeNotes))
            using (var opened = c.OpenRecord(jan, c.SealRecord(jan, r, other), "investigation"))
                Assert.Equal("armored", opened.Text("note"), "an armored record opens");
        }

        [Test]
        public void SealingRefusesWhatItMust()
        {
            using (var r = Fields())
                Assert.Throws<ClearanceInsufficientException>(() => c.SealRecord(ana, r, options));
            using (var r = new Record().AddInteger("n", 1, Category.FinancialRecords, purposes: new[] { "asset_recovery" }))
                Assert.Throws<InvalidArgumentException>(() => c.SealRecord(jan, r, options));
            using (var r = new Record())
            {
                Assert.Throws<InvalidArgumentException>(() => r.AddText("Bad", "x", Category.ContactDetails));
                Assert.Throws<InvalidArgumentException>(() => c.SealRecord(jan, r, options)); // empty: the bad name was not added
                Assert.Throws<ClassificationBelowMinimumException>(() =>
                    r.AddText("w", "x", Category.WitnessIdentity, Classification.Restricted));
                // The header says CUSTODIA_ERR_MALFORMED for a purpose outside the grammar; the library reports 101.
                Assert.Throws<InvalidPurposeException>(() => r.AddText("p", "x", Category.ContactDetails, purposes: new[] { "Not A Purpose" }));
                Assert.Throws<ArgumentException>(() => r.AddDate("d", new DateTime(2020, 1, 1, 12, 0, 0), Category.PersonalIdentity));
                Assert.Throws<ArgumentNullException>(() => r.AddText("t", null, Category.ContactDetails));
                Assert.Throws<ArgumentNullException>(() => r.AddText(null, "x", Category.ContactDetails));
                Assert.Throws<ArgumentNullException>(() => r.AddNested("n", null, Category.ContactDetails));
                r.AddText("t", "x", Category.ContactDetails);
                Assert.Throws<InvalidArgumentException>(() => r.AddInteger("t", 1, Category.ContactDetails)); // a name twice
                Assert.Equal("Record(t)", r.ToString(), "names only");
            }
            var disposed = new Record();
            disposed.Dispose();
            Assert.Throws<InvalidHandleException>(() => disposed.AddText("t", "x", Category.ContactDetails));
            Assert.Throws<InvalidHandleException>(() => c.SealRecord(jan, disposed, options));
        }

        static AccessPolicy MaskPolicy()
        {
            return AccessPolicy.Parse(
                "version = 1\n" +
                "[roles.prosecutor]\ncategories = [\"*\"]\npurposes = [\"investigation\", \"prosecution\"]\n" +
                "[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n" +
                "[[mask]]\ncategory = \"witness_identity\"\npurposes = [\"investigation\"]\nroles = [\"analyst\"]\n" +
                "rule = \"initials\"\n");
        }

        [Test]
        public void APolicyMaskGivesTheMaskedViewNeverTheValue()
        {
            using (var policy = MaskPolicy()) c.SetAccessPolicy(jan, policy);
            using (var r = c.OpenRecord(ana, envelope, "investigation"))
            {
                var m = r["witness_name"];
                Assert.Equal(FieldState.Masked, m.State, "state");
                Assert.Equal("A. J.", m.MaskedText, "masked view");
                Assert.Equal(MaskRule.Initials, m.Mask, "rule");
                Assert.True(m.Refusal is ClearanceInsufficientException, "refusal " + m.Refusal);
                Assert.Throws<ClearanceInsufficientException>(() => m.Text());
                Assert.Equal("witness_name", string.Join(",", r.Masked()), "masked");
                Assert.Equal("transfers", string.Join(",", r.Withheld()), "withheld");
                Assert.True(!r.Disclosed().Contains("witness_name"), "not disclosed");
                Assert.True(r["account_iban"].MaskedText == null, "no mask on another field");
                Assert.True(!m.ToString().Contains("A. J."), "ToString shows no masked text either");
            }
            using (var r = c.OpenRecord(jan, envelope, "investigation"))
                Assert.Equal("A. Jansen", r.Text("witness_name"), "the prosecutor still reads it");
        }

        [Test]
        public void PseudonymsAreStableInACaseDifferAcrossCasesAndResolvingIsAudited()
        {
            var p = c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person",
                new[] { "Jan de Vries", " jan  DE VRIES", "Anna Smit" });
            Assert.Equal(3, p.Count, "count");
            Assert.Equal(p[0], p[1], "same value, same pseudonym");
            Assert.True(p[0] != p[2], "another value, another pseudonym");
            Assert.Equal(32, p[0].Length, "32 hex digits");
            Assert.True(p[0].All(ch => "0123456789abcdef".IndexOf(ch) >= 0), "lowercase hex");
            var again = c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person", new[] { "Anna Smit" });
            Assert.Equal(p[2], again[0], "deterministic");
            var other = c.Pseudonymize(jan, "investigation", "MLA-2026-0043", Category.PersonalIdentity, "person", new[] { "Jan de Vries" });
            Assert.True(other[0] != p[0], "another case, another pseudonym");
            var iban = c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "iban", new[] { "Jan de Vries" });
            Assert.True(iban[0] != p[0], "another domain, another pseudonym");
            Assert.Equal(1, c.ResolvePseudonym(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person", p[2],
                new[] { "Jan de Vries", "Anna Smit" }), "resolved");
            Assert.Equal(null, c.ResolvePseudonym(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person", p[2],
                new[] { "Piet" }), "none matches");
            Assert.Throws<InvalidArgumentException>(() =>
                c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "Person", new[] { "x" }));
            Assert.Throws<ArgumentNullException>(() =>
                c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person", new[] { (string)null }));
            Assert.Equal(0, c.Pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PersonalIdentity, "person", new string[0]).Count, "none");
            var log = AuditLog();
            Assert.True(log.Contains("\"kind\":\"pseudonym_resolved\""), "resolving is audited");
            Assert.True(!log.Contains("Anna Smit") && !log.Contains("Vries"), "never the values");
        }

        // ---- SD-JWT ----------------------------------------------------------------------------------------------

        static string AlterFirstDisclosure(string text)
        {
            int tilde = text.IndexOf('~');
            string jwt = text.Substring(0, tilde), rest = text.Substring(tilde + 1);
            // Characters 4..7 of a disclosure encode characters 1..3 of its salt: still well formed, no longer signed.
            var patch = rest.Substring(4, 4) == "QUFB" ? "QkJC" : "QUFB";
            return jwt + "~" + rest.Substring(0, 4) + patch + rest.Substring(8);
        }

        [Test]
        public void IssuePresentVerifyShowsExactlyTheChosenFields()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            var sd = c.IssueSdJwt(jan, envelope, "investigation.financial", signer);
            Assert.True(sd.EndsWith("~") && sd.Count(ch => ch == '~') == 7, "jwt and six disclosures");
            var pres = c.Present(jan, sd, new[] { "born", "address", "scan", "transfers" }, "FR-PNF", "investigation");
            byte[] exposed;
            using (var v = Presentation.Verify(pres, c.ExportPublic(signer)))
            {
                Assert.Equal("address,born,scan,transfers", string.Join(",", v.Names()), "names in order");
                Assert.Equal(NestedAddress, v["address"].NestedJson(), "nested");
                Assert.Equal(new DateTime(1971, 5, 4), v["born"].Date(), "date");
                Assert.True(v["scan"].Bytes().ContentEquals(Scan), "bytes");
                Assert.Equal(-42L, v["transfers"].Integer(), "integer");
                Assert.Equal(FieldKind.Bytes, v["scan"].Kind, "kind");
                Assert.Equal(6, v.FieldCount, "field count");
                Assert.Equal(2, v.WithheldCount, "withheld count");
                Assert.Equal("MLA-2026-0042", v.CaseRef, "case");
                Assert.Equal(signer, v.Issuer, "issuer");
                Assert.Equal(32, v.ObjectId.Length, "object id");
                Assert.Equal(c.Inspect(envelope).ObjectId, v.ObjectId, "the envelope's object id");
                Assert.True(Math.Abs((DateTimeOffset.UtcNow - v.IssuedAt).TotalMinutes) < 5, "issued now");
                Assert.Throws<InvalidArgumentException>(() => v["witness_name"].Text());
                var shown = v + " " + string.Join(" ", v.Fields.Select(f => f.ToString()));
                Assert.True(!shown.Contains("Utrecht") && !shown.Contains("1971") && shown.Contains("born"), shown);
                exposed = v["born"].Value.Expose();
            }
            Assert.True(exposed.All(b => b == 0), "Dispose wiped the values");
            using (var whole = Presentation.Verify(sd, c.ExportPublic(signer)))
            {
                Assert.Equal(0, whole.WithheldCount, "the whole SD-JWT withholds nothing");
                Assert.Equal("NL91ABNA0417164300", whole["account_iban"].Text(), "text");
                Assert.Equal("A. Jansen", whole["witness_name"].Text(), "witness");
            }
        }

        [Test]
        public void PresentedTextSurvivesJsonEscapes()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            const string odd = "Zoë \"Z\" \\ / \t\n\u0001 \u20ac \U0001F600 end";
            using (var r = new Record().AddText("note", odd, Category.InvestigativeNotes).AddBytes("empty", new byte[0], Category.Evidence)
                .AddInteger("min", long.MinValue, Category.FinancialRecords).AddInteger("max", long.MaxValue, Category.FinancialRecords))
            {
                var env = c.SealRecord(jan, r, options);
                using (var opened = c.OpenRecord(jan, env, "investigation"))
                {
                    Assert.Equal(odd, opened.Text("note"), "opened text");
                    Assert.Equal(long.MinValue, opened.Integer("min"), "opened integer");
                    Assert.Equal(long.MaxValue, opened.Integer("max"), "opened max");
                    Assert.Equal(0, opened.Bytes("empty").Length, "opened empty bytes");
                }
                var sd = c.IssueSdJwt(jan, env, "investigation", signer);
                using (var v = Presentation.Verify(sd, c.ExportPublic(signer)))
                {
                    Assert.Equal(odd, v["note"].Text(), "presented text");
                    Assert.Equal(long.MinValue, v["min"].Integer(), "presented integer");
                    Assert.Equal(long.MaxValue, v["max"].Integer(), "presented max");
                    Assert.Equal(0, v["empty"].Bytes().Length, "presented empty bytes");
                }
            }
        }

        [Test]
        public void IssueAndPresentAreAudited()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            var sd = c.IssueSdJwt(jan, envelope, "investigation", signer);
            c.Present(jan, sd, new[] { "born" }, "FR-PNF", "investigation");
            var entries = c.AuditEntries(new AuditQuery { Kinds = new[] { "selective_disclosure" } });
            Assert.Equal(2, entries.Count, "two entries");
            Assert.True(entries[0].Json.Contains("\"sd_jwt_issue\""), entries[0].Json);
            Assert.True(entries[1].Json.Contains("\"sd_jwt_present\"") && entries[1].Json.Contains("FR-PNF"), entries[1].Json);
            Assert.Equal("MLA-2026-0042", entries[1].CaseRef, "case");
            Assert.True(!AuditLog().Contains("NL91ABNA") && !AuditLog().Contains("1971-05-04"), "no value in the audit log");
        }

        [Test]
        public void TamperingAndWrongKeysAreRefusedWithTypedErrors()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            var other = c.GenerateKey(jan, KeyKind.Ed25519, "another key");
            var key = c.ExportPublic(signer);
            var pres = c.Present(jan, c.IssueSdJwt(jan, envelope, "investigation", signer), new[] { "account_iban", "born" },
                "FR-PNF", "investigation");
            using (Presentation.Verify(pres, key)) { }
            Assert.Throws<SignatureInvalidException>(() => Presentation.Verify(AlterFirstDisclosure(pres), key));
            Assert.Throws<SignatureInvalidException>(() => Presentation.Verify(pres, c.ExportPublic(other)));
            Assert.Throws<MalformedException>(() => Presentation.Verify(pres.Substring(0, pres.IndexOf('~') - 10), key));
            Assert.Throws<MalformedException>(() => Presentation.Verify(pres.Substring(0, pres.Length - 6), key));
            Assert.Throws<InvalidKeyTextException>(() => Presentation.Verify(pres, "not a key"));
            Assert.Throws<ArgumentNullException>(() => Presentation.Verify(null, key));
        }

        [Test]
        public void PresentingRefusesWhatTheSdJwtDoesNotHold()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            var sd = c.IssueSdJwt(jan, envelope, "investigation", signer);
            Assert.Throws<InvalidArgumentException>(() => c.Present(jan, sd, new[] { "phone" }, "FR-PNF", "investigation"));
            Assert.Throws<InvalidArgumentException>(() => c.Present(jan, sd, new[] { "born", "born" }, "FR-PNF", "investigation"));
            Assert.Throws<InvalidArgumentException>(() => c.Present(jan, sd, new[] { "born" }, "", "investigation"));
            Assert.Throws<SignatureInvalidException>(() => c.Present(jan, AlterFirstDisclosure(sd), new[] { "born" }, "FR-PNF", "investigation"));
            Assert.Throws<MalformedException>(() => c.Present(jan, "x.y.z~", new[] { "born" }, "FR-PNF", "investigation"));
        }

        [Test]
        public void AFieldTheIssuerMayNotOpenNeverEntersTheSdJwt()
        {
            var signer = c.GenerateKey(jan, KeyKind.Ed25519, "NL redaction key");
            var sd = c.IssueSdJwt(ana, envelope, "investigation", signer);
            Assert.True(!sd.Contains("Jansen"), "no witness");
            using (var v = Presentation.Verify(sd, c.ExportPublic(signer)))
            {
                Assert.True(!v.Names().Contains("witness_name") && !v.Names().Contains("transfers"), "withheld fields absent");
                Assert.Equal(2, v.WithheldCount, "withheld count");
                Assert.Equal(6, v.FieldCount, "field count");
            }
            Assert.Throws<InvalidArgumentException>(() => c.Present(ana, sd, new[] { "witness_name" }, "FR-PNF", "investigation"));
            Assert.Throws<InvalidArgumentException>(() => c.IssueSdJwt(ana, envelope, "investigation", kek));
            Assert.Throws<PurposeNotPermittedException>(() => c.IssueSdJwt(ana, envelope, "marketing", signer));
        }
    }
}
