// A mutual legal assistance exchange with custodia, from C#.
//
// The Netherlands (state A) answers a German request (state B) for bank records:
//  1. B gives A the public half of its X25519 key; A imports it.
//  2. A seals the records for B, for the purposes of the request (investigation, prosecution), for the case, to be
//     opened only in DE (and NL), and also for its own per-case key.
//  3. B records the arrival and opens them for a permitted purpose (prosecution.trial lies under prosecution).
//  4. B is refused for another purpose (asset_recovery), and the refusal says why.
//  5. B opens them for asset_recovery anyway, under a court order with its justification.
//  5b. B puts an access policy in force (need-to-know): a colleague not on the case team is refused.
//  5c. B sends A a signed disclosure receipt of what it did; A verifies and records it, and refuses an altered copy.
//  6. Both audit logs verify.
//  7. The rule of speciality: B may pass the signed records on to France, or use them for another purpose, only
//     under A's signed grant; without it the transfer is refused.
//  8. A shreds its case key: from then on A can no longer open its copy.
//
// Run (bindings/dotnet/run-tests.sh builds it): LD_LIBRARY_PATH=target/release mono bindings/dotnet/build/MlaExchange.exe
using System;
using System.IO;
using System.Text;
using Custodia;

public static class MlaExchange
{
    const string Case = "MLA-2026-0042";
    static readonly byte[] Records = Encoding.UTF8.GetBytes("IBAN NL91ABNA0417164300; 2026-03-01 transfer EUR 250,000 to DE89370400440532013000");

    static void Check(bool condition, string what)
    {
        if (!condition) throw new Exception("example failed: " + what);
    }

    public static int Main()
    {
        var tmp = Path.Combine(Path.GetTempPath(), "custodia-mla-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            Run(tmp);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        }
        return 0;
    }

    static void Run(string tmp)
    {
        var weak = new CustodianOptions { Create = true, Kdf = new uint[] { 19456, 2, 1 } };
        using (var jan = new Actor("jan", "prosecutor", "NL", Classification.Secret))
        using (var anna = new Actor("anna", "prosecutor", "DE", Classification.Secret))
        using (var nl = Custodian.OpenWithPassphrase(Path.Combine(tmp, "nl"), "nl demo passphrase, not for production", weak))
        using (var de = Custodian.OpenWithPassphrase(Path.Combine(tmp, "de"), "de demo passphrase, not for production", weak))
        {
            // 1. B's public key travels to A (as text; not secret).
            var deKey = de.GenerateKey(anna, KeyKind.X25519, "DE BKA MLA key");
            var deKeyAtNl = nl.ImportPublic(jan, de.ExportPublic(deKey), "DE BKA MLA key", "DE");
            Check(deKeyAtNl == deKey, "same key id on both sides");
            Console.WriteLine("DE key " + deKey + " imported at NL");

            // 2. A seals for B (and for its own per-case key), bound to purposes, case and jurisdictions.
            var caseKey = nl.CaseKey(jan, Case);
            byte[] envelope;
            using (var terms = new SealOptions(Category.FinancialRecords, "investigation", "prosecution")
                .CaseRef(Case).Jurisdictions("NL", "DE").Recipient(deKeyAtNl).Recipient(caseKey))
                envelope = nl.Seal(jan, Records, terms);
            var info = nl.Inspect(envelope);
            Console.WriteLine("sealed " + Records.Length + " bytes into a " + envelope.Length + "-byte envelope: " + info);

            // 3. B records the arrival (no key touched; its receipt starts here), then opens for a permitted purpose.
            de.Receive(anna, envelope);
            using (var opened = de.Open(anna, envelope, "prosecution.trial"))
            {
                Check(opened.Data.ContentEquals(Records), "plaintext");
                Console.WriteLine("DE opened " + opened.Data.Length + " bytes for prosecution.trial");
            }

            // 4. B is refused for a purpose the data was not given for.
            try
            {
                de.Open(anna, envelope, "asset_recovery").Dispose();
                throw new Exception("opening for asset_recovery should have been refused");
            }
            catch (PurposeNotPermittedException refusal)
            {
                Console.WriteLine("DE refused for asset_recovery: " + refusal.Message);
            }

            // 5. ... unless a court order says why.
            using (var order = ExceptionGround.CourtOrder("LG-Berlin-123/26",
                "The regional court ordered the freezing of the proceeds identified in these records"))
            using (var opened = de.Open(anna, envelope, "asset_recovery", order))
            {
                Check(opened.Data.ContentEquals(Records), "plaintext under the order");
                Console.WriteLine("DE opened it for asset_recovery under " + order);
            }

            // 5b. Need-to-know at B: only the case team opens the case's data (docs/POLICY.md).
            using (var policy = AccessPolicy.Parse("version = 1\n[[cases.team]]\ncase = \"" + Case + "\"\nactors = [\"anna\"]\n"))
                de.SetAccessPolicy(anna, policy); // recorded as policy_changed, with the policy's SHA-256
            using (var bernd = new Actor("bernd", "prosecutor", "DE", Classification.Secret))
            {
                try
                {
                    de.Open(bernd, envelope, "prosecution.trial").Dispose();
                    throw new Exception("bernd is not on the case team");
                }
                catch (NotOnCaseException refusal)
                {
                    Console.WriteLine("DE refused bernd: " + refusal.Message);
                }
            }

            // 5c. B signs a disclosure receipt with a key whose public half A holds; A imports it.
            var deReceipts = de.GenerateKey(anna, KeyKind.Ed25519, "DE receipt signing key");
            nl.ImportPublic(jan, de.ExportPublic(deReceipts), "DE receipt signing key", "DE");
            var receipt = de.IssueReceipt(anna, info.ObjectId, deReceipts);
            var text = receipt.ToArmored(); // what travels back to A
            foreach (var item in receipt.Items)
            {
                string detail;
                if (!item.Fields.TryGetValue("exception_kind", out detail) && !item.Fields.TryGetValue("purpose", out detail)) detail = "-";
                Console.WriteLine("  receipt: " + item.Kind.PadRight(15) + " " + detail);
            }
            nl.ImportReceipt(jan, text);
            Console.WriteLine("NL holds " + nl.ReceiptsForCase(Case).Count + " receipt(s) for " + Case);
            var lines = text.Split('\n');
            lines[lines.Length - 3] = (lines[lines.Length - 3][0] == 'A' ? "B" : "A") + lines[lines.Length - 3].Substring(1);
            try
            {
                nl.ImportReceipt(jan, string.Join("\n", lines));
                throw new Exception("an altered receipt should have been refused");
            }
            catch (ReceiptInvalidException refusal)
            {
                Console.WriteLine("NL refused an altered receipt: " + refusal.Message);
            }

            // 6. Both audit logs verify.
            Console.WriteLine("NL audit log verifies: " + nl.VerifyAudit());
            Console.WriteLine("DE audit log verifies: " + de.VerifyAudit());

            // 7. Rule of speciality.
            Speciality(tmp, nl, de, jan, anna, deKeyAtNl);

            // 8. A shreds its case key: its own copy can no longer be opened.
            nl.DestroyKey(jan, caseKey, "case closed; retention period ended");
            try
            {
                nl.Open(jan, envelope, "investigation").Dispose();
                throw new Exception("the shredded case key should not open anything");
            }
            catch (KeyDestroyedException refusal)
            {
                Console.WriteLine("NL after shredding: " + refusal.Message);
            }
            Console.WriteLine("MLA exchange complete");
        }
    }

    static void Speciality(string tmp, Custodian nl, Custodian de, Actor jan, Actor anna, KeyId deKey)
    {
        var signer = nl.GenerateKey(jan, KeyKind.Ed25519, "NL signing key");
        byte[] signed;
        using (var terms = new SealOptions(Category.FinancialRecords, "investigation", "mla.execution")
            .CaseRef(Case).Jurisdictions(null, "DE").Recipient(deKey).Signer(signer))
            signed = nl.Seal(jan, Records, terms);
        var objectId = nl.Inspect(signed).ObjectId;
        var until = DateTimeOffset.UtcNow.AddDays(30);
        using (var claire = new Actor("claire", "magistrate", "FR", Classification.Secret))
        using (var fr = Custodian.OpenWithMasterKey(Path.Combine(tmp, "fr"), new byte[32], new CustodianOptions { Create = true }))
        {
            var frKey = de.ImportPublic(anna, fr.ExportPublic(fr.GenerateKey(claire, KeyKind.X25519, "FR PNF")), "FR PNF", "FR");
            try
            {
                de.Rewrap(anna, signed, "mla.execution", add: new[] { frKey });
                throw new Exception("an onward transfer without a grant should have been refused");
            }
            catch (OnwardTransferNotGrantedException refusal)
            {
                Console.WriteLine("DE passing it to FR without NL's grant: " + refusal.Message);
            }
            var grant = nl.IssueOnwardTransferGrant(jan, signer, objectId, "Parquet national financier", "FR", frKey, until,
                "DE request letter 2026/118");
            var shared = de.Rewrap(anna, signed, "mla.execution", add: new[] { frKey }, grant: grant);
            using (var opened = fr.Open(claire, shared, "investigation"))
                Console.WriteLine("with NL's grant " + grant.Id + " DE shares it; FR opens " + opened.Data.Length + " bytes");
        }
        var extension = nl.IssuePurposeExtensionGrant(jan, signer, objectId, new[] { "asset_recovery" }, until, "DE request letter 2026/119");
        using (var opened = de.Open(anna, de.ExtendPurposes(anna, signed, extension), "asset_recovery.freezing"))
            Console.WriteLine("DE opens it for asset_recovery.freezing under NL's purpose extension " + extension.Id);
    }
}
