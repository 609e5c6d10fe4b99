// The C# side of the cross-language interoperability test (tests/interop/run.sh): the same small command line as
// examples/interop.rs, tests/interop/interop.c, interop.py and Interop.java, over the C# binding (bindings/dotnet).
//
//   Interop.exe generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
//   Interop.exe generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
//   Interop.exe import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids
//   Interop.exe seal <dir> <out> <plain> <key-id>...         seal a buffer
//   Interop.exe seal-stream <dir> <out> <plain> <key-id>...  seal a file through FileStreams (C callbacks)
//   Interop.exe open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
//   Interop.exe open-stream <dir> <envelope> <purpose> <out> open through FileStreams
//   Interop.exe seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
//   Interop.exe grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant for it
//   Interop.exe extend <dir> <envelope> <grant> <out>        apply a purpose extension grant
//   Interop.exe receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt
//   Interop.exe receipt-import <dir> <receipt>     import a receipt, print its item kinds (space separated)
//   Interop.exe receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
//   Interop.exe seal-record <dir> <out> <key-id>...  seal the fixed record (docs/FORMAT.md section 14)
//   Interop.exe open-record <dir> <envelope> <purpose> <clearance>  open it as an actor of that clearance; print each
//                                                  field as name={json} or "name withheld <code>"
//
// A custodia error prints "custodia error <code> <name>: <message>" and exits with the status code (255 if it does
// not fit an exit status). The fixed master key (bytes 0..31) is a test harness's, never a way to handle real keys.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Custodia;

public static class Interop
{
    static readonly byte[] MasterKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    static SealOptions Options(string[] keys)
    {
        var o = new SealOptions(Category.Evidence, "investigation", "prosecution")
            .CaseRef("MLA-2026-0007").Jurisdictions("DE", "DE"); // the other languages' keys are imported in DE
        foreach (var k in keys) o.Recipient(KeyId.Parse(k));
        return o;
    }

    static string ReadText(string path) { return File.ReadAllText(path, Encoding.UTF8); }

    static int Usage(string[] args)
    {
        Console.Error.WriteLine("Interop: unknown command or wrong arguments: " + string.Join(" ", args));
        return 2;
    }

    static int Run(string[] args)
    {
        if (args.Length == 3 && args[0] == "receipt-verify")
        {
            var receipt = new Receipt(ReadText(args[1]));
            receipt.Verify(ReadText(args[2]).Trim());
            Console.WriteLine(string.Join(" ", receipt.Kinds()));
            return 0;
        }
        if (args.Length < 3) return Usage(args);
        string command = args[0], dir = args[1];
        var rest = args.Skip(2).ToArray();
        // `generate` is the first command on a directory: only it may start a new custodian there.
        using (var c = Custodian.OpenWithMasterKey(dir, MasterKey, new CustodianOptions { Create = command == "generate" }))
        using (var actor = new Actor("interop.dotnet", "investigator", "DE", Classification.Secret))
        {
            if (command == "generate" && rest.Length == 1 && rest[0] == "kek")
            {
                Console.WriteLine(c.GenerateKey(actor, KeyKind.Kek, "interop kek"));
            }
            else if (command == "generate" && rest.Length == 1 && rest[0] == "x25519")
            {
                Console.WriteLine(c.ExportPublic(c.GenerateKey(actor, KeyKind.X25519, "interop x25519")));
            }
            else if (command == "generate" && rest.Length == 1 && rest[0] == "ed25519")
            {
                var key = c.GenerateKey(actor, KeyKind.Ed25519, "interop ed25519");
                Console.WriteLine(key);
                Console.WriteLine(c.ExportPublic(key));
            }
            else if (command == "receipt-issue" && rest.Length == 3)
            {
                var info = c.Receive(actor, File.ReadAllBytes(rest[0]));
                File.WriteAllText(rest[2], c.IssueReceipt(actor, info.ObjectId, KeyId.Parse(rest[1])).ToArmored());
            }
            else if (command == "receipt-import" && rest.Length == 1)
            {
                Console.WriteLine(string.Join(" ", c.ImportReceipt(actor, ReadText(rest[0])).Kinds()));
            }
            else if (command == "import")
            {
                foreach (var path in rest)
                    Console.WriteLine(c.ImportPublic(actor, ReadText(path).Trim(), "interop " + path, "DE"));
            }
            else if ((command == "seal" || command == "seal-stream") && rest.Length >= 3)
            {
                using (var o = Options(rest.Skip(2).ToArray()))
                {
                    if (command == "seal")
                    {
                        File.WriteAllBytes(rest[0], c.Seal(actor, File.ReadAllBytes(rest[1]), o));
                    }
                    else
                    {
                        using (var src = File.OpenRead(rest[1]))
                        using (var dst = File.Create(rest[0]))
                            c.SealStream(actor, src, dst, o);
                    }
                }
            }
            else if (command == "seal-signed" && rest.Length >= 4)
            {
                using (var o = Options(rest.Skip(3).ToArray()).Signer(KeyId.Parse(rest[2])))
                    File.WriteAllBytes(rest[0], c.Seal(actor, File.ReadAllBytes(rest[1]), o));
            }
            else if (command == "grant" && rest.Length == 4)
            {
                var objectId = c.Inspect(File.ReadAllBytes(rest[0])).ObjectId;
                var grant = c.IssuePurposeExtensionGrant(actor, KeyId.Parse(rest[1]), objectId, new[] { rest[2] },
                    DateTimeOffset.UtcNow.AddDays(1), "interop request letter");
                File.WriteAllText(rest[3], grant.ToText(), Encoding.ASCII);
            }
            else if (command == "extend" && rest.Length == 3)
            {
                var grant = new Grant(File.ReadAllBytes(rest[1]));
                File.WriteAllBytes(rest[2], c.ExtendPurposes(actor, File.ReadAllBytes(rest[0]), grant));
            }
            else if (command == "open" && rest.Length == 3)
            {
                using (var opened = c.Open(actor, File.ReadAllBytes(rest[0]), rest[1]))
                using (var f = File.Create(rest[2]))
                    f.Write(opened.Data.Expose(), 0, opened.Data.Length);
            }
            else if (command == "open-stream" && rest.Length == 3)
            {
                try
                {
                    using (var src = File.OpenRead(rest[0]))
                    using (var dst = File.Create(rest[2]))
                        c.OpenStream(actor, src, dst, rest[1]);
                }
                catch
                {
                    File.Delete(rest[2]); // nothing unauthenticated is left behind
                    throw;
                }
            }
            else if (command == "seal-record" && rest.Length >= 2)
            {
                using (var o = new SealOptions(Category.CaseAdministration, "investigation", "prosecution")
                    .CaseRef("MLA-2026-0007").Jurisdictions("DE", "DE"))
                using (var record = new Record()
                    .AddText("account_iban", "NL91ABNA0417164300", Category.FinancialRecords)
                    .AddDate("born", new DateTime(1971, 5, 4), Category.PersonalIdentity)
                    .AddInteger("transfers", -42, Category.FinancialRecords, purposes: new[] { "investigation.financial" })
                    .AddText("witness_name", "A. Jansen", Category.WitnessIdentity))
                {
                    foreach (var k in rest.Skip(1)) o.Recipient(KeyId.Parse(k));
                    File.WriteAllBytes(rest[0], c.SealRecord(actor, record, o));
                }
            }
            else if (command == "open-record" && rest.Length == 3)
            {
                using (var reader = new Actor("interop.dotnet.reader", "investigator", "DE", Names.ClassificationFromName(rest[2])))
                using (var r = c.OpenRecord(reader, File.ReadAllBytes(rest[0]), rest[1]))
                {
                    foreach (var f in r.Fields)
                    {
                        if (!f.IsDisclosed)
                            Console.WriteLine(f.Name + " withheld " + f.Refusal.Code);
                        else if (f.Kind == FieldKind.Text)
                            Console.WriteLine(f.Name + "={\"text\":\"" + f.Text() + "\"}");
                        else if (f.Kind == FieldKind.Integer)
                            Console.WriteLine(f.Name + "={\"integer\":" + f.Integer() + "}");
                        else if (f.Kind == FieldKind.Date)
                            Console.WriteLine(f.Name + "={\"date\":\"" + f.Date().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "\"}");
                        else
                            Console.WriteLine(f.Name + " " + f.Kind.ToString().ToLowerInvariant());
                    }
                }
            }
            else
            {
                return Usage(args);
            }
        }
        return 0;
    }

    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (CustodiaException e)
        {
            Console.Error.WriteLine("custodia error " + e.Code + " " + e.StatusName + ": " + e.Message);
            return e.Code > 0 && e.Code <= 254 ? (int)e.Code : 255;
        }
    }
}
