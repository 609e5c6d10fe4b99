// The README's records example (bindings/go/README.md "Records, pseudonyms and SD-JWT"): a record sealed with a
// secret field, opened by a reader cleared to confidential (the secret field withheld), pseudonyms, and an SD-JWT
// presented with one field and verified with the issuer's public key alone. Every error is checked.
package main

import (
	"fmt"
	"os"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func get[T any](v T, err error) T {
	check(err)
	return v
}

func main() {
	dir := get(os.MkdirTemp("", "custodia-records-"))
	defer os.RemoveAll(dir)
	c := get(custodia.OpenWithMasterKey(dir+"/keys", make([]byte, 32), &custodia.Options{Create: true})) // demo key
	defer c.Close()
	jan := get(custodia.NewActor("jan", "prosecutor", "NL", custodia.Secret))
	ana := get(custodia.NewActor("ana", "analyst", "NL", custodia.Confidential))
	kek := get(c.GenerateKey(jan, custodia.KEK, "case team"))
	terms := get(custodia.NewSealOptions(custodia.CaseAdministration, "investigation"))
	check(terms.AddRecipient(kek))
	check(terms.SetCaseRef("MLA-2026-0042"))
	// --- the README's lines ---
	rec := get(custodia.NewRecord())
	check(rec.AddText("account_iban", "NL91ABNA0417164300", custodia.FinancialRecords))
	check(rec.AddDate("born", time.Date(1971, 5, 4, 0, 0, 0, 0, time.UTC), custodia.PersonalIdentity))
	check(rec.AddText("witness_name", "A. Jansen", custodia.WitnessIdentity)) // secret: its category's minimum
	envelope := get(c.SealRecord(jan, rec, terms))
	rec.Close() // wipes the values in the library's memory

	opened := get(c.OpenRecord(ana, envelope, "investigation"))
	fmt.Println(opened) // OpenedRecord(disclosed=[account_iban born], masked=[], withheld=[witness_name])
	iban := get(opened.Text("account_iban"))
	fmt.Println(iban, iban.Equal([]byte("NL91ABNA0417164300"))) // Sensitive(18 bytes, redacted) true
	iban.Wipe()
	fmt.Println(opened.Field("witness_name").Withheld) // ... [203 clearance_insufficient]
	opened.Close()

	p := get(c.Pseudonymize(jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person",
		[]string{"Jan de Vries", "jan DE VRIES"}))
	fmt.Println(p[0] == p[1], len(p[0])) // true 32

	signer := get(c.GenerateKey(jan, custodia.Ed25519, "NL redaction key"))
	sd := get(c.IssueSDJWT(jan, envelope, "investigation", signer))
	pres := get(c.Present(jan, sd.Expose(), []string{"born"}, "FR-PNF", "investigation"))
	sd.Wipe()
	v := get(custodia.VerifyPresentation(pres.Expose(), get(c.ExportPublic(signer)))) // the public key alone
	pres.Wipe()
	born := get(v.JSON("born"))
	fmt.Println(v.Names, v.WithheldCount, string(born.Expose())) // [born] 2 {"date":"1971-05-04"}
	born.Wipe()
	v.Close()
	// --- end ---
	terms.Close()
	ana.Close()
	jan.Close()
}
