// The Go side of the cross-language interoperability test (tests/interop/run.sh): the same small command line as
// examples/interop.rs, tests/interop/interop.c, interop.py and Interop.java, over the Go binding.
//
//	interop generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
//	interop generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
//	interop import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids (one a line)
//	interop seal <dir> <out> <plain> <key-id>...         seal a buffer
//	interop seal-stream <dir> <out> <plain> <key-id>...  seal a file through Go io.Reader/io.Writer (C callbacks)
//	interop open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
//	interop open-stream <dir> <envelope> <purpose> <out> open through Go io.Reader/io.Writer
//	interop seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
//	interop grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant (armored) for it
//	interop extend <dir> <envelope> <grant> <out>        apply a purpose extension grant (re-issue the envelope)
//	interop receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt for it
//	interop receipt-import <dir> <receipt>     import a receipt, print its item kinds (one line, space separated)
//	interop receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
//	interop seal-record <dir> <out> <key-id>...  seal the fixed record (docs/FORMAT.md section 14)
//	interop open-record <dir> <envelope> <purpose> <clearance>  open it as an actor of that clearance; print each
//	                                           field in name order: name=<json value>, or name withheld <status>
//
// A custodia error prints "custodia error <code> <name>: <message>" and exits with the status code (255 if it does
// not fit an exit status), so a purpose refusal exits with 200 in every language. The fixed master key (bytes
// 0..31) is a test harness's, never a way to handle real keys.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

var masterKey = func() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}()

type usageError string

func (u usageError) Error() string { return string(u) }

func get[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func readText(path string) string { return string(get(os.ReadFile(path))) }

func sealOptions(keys []string) *custodia.SealOptions {
	o := get(custodia.NewSealOptions(custodia.Evidence, "investigation", "prosecution"))
	check(o.SetCaseRef("MLA-2026-0007"))
	check(o.SetJurisdictions("DE", "DE")) // the other languages' keys are imported as authorities in DE
	for _, k := range keys {
		check(o.AddRecipient(get(custodia.ParseKeyID(k))))
	}
	return o
}

func kinds(r *custodia.Receipt) string { return strings.Join(get(r.Kinds()), " ") }

func run(args []string) {
	if len(args) == 3 && args[0] == "receipt-verify" {
		r := get(custodia.ParseReceipt(readText(args[1])))
		defer r.Close()
		check(r.Verify(strings.TrimSpace(readText(args[2]))))
		fmt.Println(kinds(r))
		return
	}
	if len(args) < 3 {
		panic(usageError("usage: interop generate|import|seal|seal-stream|open|open-stream <dir> ..."))
	}
	command, dir, rest := args[0], args[1], args[2:]
	// `generate` is the first command on a directory: only it may start a new custodian there.
	c := get(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: command == "generate"}))
	defer c.Close()
	actor := get(custodia.NewActor("interop.go", "investigator", "DE", custodia.Secret))
	defer actor.Close()
	switch {
	case command == "generate" && len(rest) == 1 && rest[0] == "kek":
		fmt.Println(get(c.GenerateKey(actor, custodia.KEK, "interop kek")))
	case command == "generate" && len(rest) == 1 && rest[0] == "x25519":
		fmt.Println(get(c.ExportPublic(get(c.GenerateKey(actor, custodia.X25519, "interop x25519")))))
	case command == "generate" && len(rest) == 1 && rest[0] == "ed25519":
		k := get(c.GenerateKey(actor, custodia.Ed25519, "interop ed25519"))
		fmt.Println(k)
		fmt.Println(get(c.ExportPublic(k)))
	case command == "receipt-issue" && len(rest) == 3:
		info := get(c.Receive(actor, get(os.ReadFile(rest[0]))))
		r := get(c.IssueReceipt(actor, info.ObjectID, get(custodia.ParseKeyID(rest[1])), custodia.ReceiptOptions{}))
		defer r.Close()
		check(os.WriteFile(rest[2], []byte(get(r.Armored())), 0o600))
	case command == "receipt-import" && len(rest) == 1:
		r := get(c.ImportReceipt(actor, readText(rest[0])))
		defer r.Close()
		fmt.Println(kinds(r))
	case command == "import":
		for _, path := range rest {
			fmt.Println(get(c.ImportPublic(actor, strings.TrimSpace(readText(path)), "interop "+path, "DE")))
		}
	case (command == "seal" || command == "seal-stream") && len(rest) >= 3:
		o := sealOptions(rest[2:])
		defer o.Close()
		if command == "seal" {
			check(os.WriteFile(rest[0], get(c.Seal(actor, get(os.ReadFile(rest[1])), o)), 0o600))
			return
		}
		src := get(os.Open(rest[1]))
		defer src.Close()
		dst := get(os.OpenFile(rest[0], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600))
		w := bufio.NewWriterSize(dst, 1<<20)
		check(c.SealStream(actor, src, w, o))
		check(w.Flush())
		check(dst.Close())
	case command == "seal-signed" && len(rest) >= 4:
		o := sealOptions(rest[3:])
		defer o.Close()
		check(o.SetSigner(get(custodia.ParseKeyID(rest[2]))))
		check(os.WriteFile(rest[0], get(c.Seal(actor, get(os.ReadFile(rest[1])), o)), 0o600))
	case command == "grant" && len(rest) == 4:
		envelope, signer, purpose, out := rest[0], rest[1], rest[2], rest[3]
		info := get(c.Inspect(get(os.ReadFile(envelope))))
		g := get(c.IssuePurposeExtension(actor, get(custodia.ParseKeyID(signer)), info.ObjectID, []string{purpose},
			time.Now().Add(24*time.Hour), "interop request letter"))
		check(os.WriteFile(out, g, 0o600))
	case command == "extend" && len(rest) == 3:
		extended := get(c.ExtendPurposes(actor, get(os.ReadFile(rest[0])), custodia.Grant(get(os.ReadFile(rest[1])))))
		check(os.WriteFile(rest[2], extended, 0o600))
	case (command == "open" || command == "open-stream") && len(rest) == 3:
		envelope, purpose, out := rest[0], rest[1], rest[2]
		if command == "open" {
			opened := get(c.Open(actor, get(os.ReadFile(envelope)), purpose))
			defer opened.Close()
			f := get(os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600))
			get(opened.Data.WriteTo(f))
			check(f.Close())
			return
		}
		src := get(os.Open(envelope))
		defer src.Close()
		dst := get(os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600))
		w := bufio.NewWriterSize(dst, 1<<20)
		_, err := c.OpenStream(actor, src, w, purpose)
		if err == nil {
			err = w.Flush()
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(out) // nothing unauthenticated is left behind
			panic(err)
		}
	case command == "seal-record" && len(rest) >= 2:
		o := get(custodia.NewSealOptions(custodia.CaseAdministration, "investigation", "prosecution"))
		defer o.Close()
		check(o.SetCaseRef("MLA-2026-0007"))
		check(o.SetJurisdictions("DE", "DE"))
		for _, k := range rest[1:] {
			check(o.AddRecipient(get(custodia.ParseKeyID(k))))
		}
		r := get(custodia.NewRecord())
		defer r.Close()
		check(r.AddText("account_iban", "NL91ABNA0417164300", custodia.FinancialRecords))
		check(r.AddDate("born", time.Date(1971, 5, 4, 0, 0, 0, 0, time.UTC), custodia.PersonalIdentity))
		check(r.AddInteger("transfers", -42, custodia.FinancialRecords, custodia.FieldPurposes("investigation.financial")))
		check(r.AddText("witness_name", "A. Jansen", custodia.WitnessIdentity))
		check(os.WriteFile(rest[0], get(c.SealRecord(actor, r, o)), 0o600))
	case command == "open-record" && len(rest) == 3:
		reader := get(custodia.NewActor("interop.go.reader", "investigator", "DE", get(custodia.ParseClassification(rest[2]))))
		defer reader.Close()
		r := get(c.OpenRecord(reader, get(os.ReadFile(rest[0])), rest[1]))
		defer r.Close()
		for _, f := range r.Fields {
			var ce custodia.Error
			if errors.As(f.Withheld, &ce) {
				fmt.Printf("%s withheld %d\n", f.Name, ce.Code())
				continue
			}
			v := get(r.JSON(f.Name)) // the library's compact JSON form, written from its memory
			fmt.Print(f.Name, "=")
			get(v.WriteTo(os.Stdout))
			fmt.Println()
			check(v.Wipe())
		}
	default:
		panic(usageError("interop: unknown command or wrong arguments: " + strings.Join(args, " ")))
	}
}

func main() {
	code := 0
	func() {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			err, isErr := p.(error)
			var ce custodia.Error
			switch {
			case isErr && errors.As(err, &ce):
				fmt.Fprintf(os.Stderr, "custodia error %d %s: %s\n", ce.Code(), ce.Name(), ce.Message())
				code = int(ce.Code())
				if code <= 0 || code > 254 {
					code = 255
				}
			default:
				fmt.Fprintln(os.Stderr, p)
				code = 1
			}
		}()
		run(os.Args[1:])
	}()
	os.Exit(code)
}
