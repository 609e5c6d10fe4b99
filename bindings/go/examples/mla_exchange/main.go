// A mutual legal assistance exchange with custodia, from Go.
//
// The Netherlands (state A) answers a German request (state B) for bank records:
//
//  1. B gives A the public half of its X25519 key; A imports it.
//  2. A seals the records for B, for the purposes of the request (investigation, prosecution), for the case, to be
//     opened only in DE (and NL), and also for its own per-case key.
//  3. B records the arrival and opens them for a permitted purpose (prosecution.trial lies under prosecution).
//  4. B is refused for another purpose (asset_recovery), and the refusal says why.
//  5. B opens them for asset_recovery anyway, under a court order with its justification.
//     5b. B puts an access policy in force (need-to-know): a colleague who is not on the case team is refused.
//     5c. B sends A a signed disclosure receipt of what it did; A verifies and records it, and refuses an altered copy.
//  6. Both audit logs verify.
//  7. The rule of speciality: B may pass signed records on to France, or use them for another purpose, only under
//     A's signed grant; without it the transfer is refused.
//  8. A shreds its case key: from then on A can no longer open its copy.
//
// Run: go run ./examples/mla_exchange (from bindings/go; bindings/go/run-tests.sh runs it).
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

const caseRef = "MLA-2026-0042"

var records = []byte("IBAN NL91ABNA0417164300; 2026-03-01 transfer EUR 250,000 to DE89370400440532013000")

// Small Argon2id costs: a demo, not for production.
var demoKDF = &custodia.KDF{MemoryKiB: 8192, Passes: 1, Lanes: 1}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mla_exchange:", err)
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func get[T any](v T, err error) T {
	check(err)
	return v
}

// refused runs an operation that must be refused with want, and prints the library's message.
func refused(what string, want custodia.Status, err error) {
	var ce custodia.Error
	if !errors.Is(err, want) || !errors.As(err, &ce) {
		panic(fmt.Sprintf("%s: want %v, got %v", what, want, err))
	}
	fmt.Printf("%s: %s\n", what, ce.Message())
}

func run() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	tmp := get(os.MkdirTemp("", "custodia-mla-"))
	defer os.RemoveAll(tmp)

	jan := get(custodia.NewActor("jan", "prosecutor", "NL", custodia.Secret))
	defer jan.Close()
	anna := get(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	defer anna.Close()
	nl := get(custodia.OpenWithPassphrase(filepath.Join(tmp, "nl"), []byte("nl demo passphrase, not for production"),
		&custodia.Options{Create: true, KDF: demoKDF}))
	defer nl.Close()
	de := get(custodia.OpenWithPassphrase(filepath.Join(tmp, "de"), []byte("de demo passphrase, not for production"),
		&custodia.Options{Create: true, KDF: demoKDF}))
	defer de.Close()

	// 1. B's public key travels to A (as text; not secret).
	deKey := get(de.GenerateKey(anna, custodia.X25519, "DE BKA MLA key"))
	deKeyAtNL := get(nl.ImportPublic(jan, get(de.ExportPublic(deKey)), "DE BKA MLA key", "DE"))
	fmt.Printf("DE key %s imported at NL\n", deKeyAtNL)

	// 2. A seals for B (and for its own per-case key), bound to purposes, case and jurisdictions.
	caseKey := get(nl.KeyForCase(jan, caseRef, time.Time{}))
	terms := get(custodia.NewSealOptions(custodia.FinancialRecords, "investigation", "prosecution"))
	defer terms.Close()
	check(terms.SetCaseRef(caseRef))
	check(terms.SetJurisdictions("NL", "DE"))
	check(terms.AddRecipient(deKeyAtNL))
	check(terms.AddRecipient(caseKey))
	envelope := get(nl.Seal(jan, records, terms))
	info := get(nl.Inspect(envelope))
	fmt.Printf("sealed %d bytes into a %d-byte envelope: object %s, purposes %v\n", len(records), len(envelope),
		info.ObjectID, info.Purposes)

	// 3. B records the arrival (no key touched), then opens for a permitted purpose.
	get(de.Receive(anna, envelope))
	opened := get(de.Open(anna, envelope, "prosecution.trial"))
	if !opened.Data.Equal(records) {
		panic("DE opened other bytes")
	}
	fmt.Printf("DE opened %v for prosecution.trial\n", opened.Data) // prints no content
	check(opened.Close())

	// 4. B is refused for a purpose the data was not given for.
	_, err = de.Open(anna, envelope, "asset_recovery")
	refused("DE refused for asset_recovery", custodia.ErrPurposeNotPermitted, err)

	// 5. ... unless a court order says why.
	order := get(custodia.NewExceptionGround(custodia.CourtOrder, "LG-Berlin-123/26",
		"The regional court ordered the freezing of the proceeds identified in these records"))
	defer order.Close()
	opened = get(de.Open(anna, envelope, "asset_recovery", custodia.WithException(order)))
	check(opened.Close())
	fmt.Printf("DE opened it for asset_recovery under %s\n", get(order.Describe()))

	// 5b. Need-to-know at B: only the case team opens the case's data (docs/POLICY.md).
	policy := get(custodia.ParseAccessPolicy("version = 1\n[[cases.team]]\ncase = \"" + caseRef + "\"\nactors = [\"anna\"]\n"))
	check(de.SetAccessPolicy(anna, policy))
	check(policy.Close())
	bernd := get(custodia.NewActor("bernd", "prosecutor", "DE", custodia.Secret))
	defer bernd.Close()
	_, err = de.Open(bernd, envelope, "prosecution.trial")
	refused("DE refused bernd", custodia.ErrNotOnCase, err)

	// 5c. B signs a disclosure receipt with a key whose public half A holds; A imports it.
	deReceipts := get(de.GenerateKey(anna, custodia.Ed25519, "DE receipt signing key"))
	get(nl.ImportPublic(jan, get(de.ExportPublic(deReceipts)), "DE receipt signing key", "DE"))
	receipt := get(de.IssueReceipt(anna, info.ObjectID, deReceipts, custodia.ReceiptOptions{}))
	defer receipt.Close()
	text := get(receipt.Armored()) // what travels back to A
	for _, item := range get(receipt.Items()) {
		detail := item.Fields[custodia.FieldExceptionKind]
		if detail == "" {
			detail = item.Fields[custodia.FieldPurpose]
		}
		fmt.Printf("  receipt: %-15s %s\n", item.Kind, detail)
	}
	imported := get(nl.ImportReceipt(jan, text))
	check(imported.Close())
	fmt.Printf("NL holds %d receipt(s) for %s\n", len(get(nl.ReceiptsForCase(caseRef))), caseRef)
	lines := strings.Split(text, "\n")
	i := len(lines) - 3 // in the signature
	if lines[i][0] == 'A' {
		lines[i] = "B" + lines[i][1:]
	} else {
		lines[i] = "A" + lines[i][1:]
	}
	_, err = nl.ImportReceipt(jan, strings.Join(lines, "\n"))
	refused("NL refused an altered receipt", custodia.ErrReceiptInvalid, err)

	// 6. Both audit logs verify.
	for _, c := range []struct {
		name string
		c    *custodia.Custodian
	}{{"NL", nl}, {"DE", de}} {
		r := get(c.c.VerifyAudit())
		fmt.Printf("%s audit log verifies: %d entries, head %s\n", c.name, r.Entries, r.Head[:16])
	}

	// 7. Rule of speciality: onward transfer and purpose extension need A's grant (A signs what it seals).
	speciality(tmp, nl, de, jan, anna, deKeyAtNL)

	// 8. A shreds its case key: its own copy can no longer be opened.
	get(nl.DestroyKey(jan, caseKey, "case closed; retention period ended"))
	_, err = nl.Open(jan, envelope, "investigation")
	refused("NL after shredding", custodia.ErrKeyDestroyed, err)
	fmt.Println("MLA exchange complete")
	return nil
}

func speciality(tmp string, nl, de *custodia.Custodian, jan, anna *custodia.Actor, deKey custodia.KeyID) {
	signer := get(nl.GenerateKey(jan, custodia.Ed25519, "NL signing key"))
	terms := get(custodia.NewSealOptions(custodia.FinancialRecords, "investigation", "mla.execution"))
	defer terms.Close()
	check(terms.SetCaseRef(caseRef))
	check(terms.SetJurisdictions("", "DE"))
	check(terms.AddRecipient(deKey))
	check(terms.SetSigner(signer))
	signed := get(nl.Seal(jan, records, terms))
	objectID := get(nl.Inspect(signed)).ObjectID
	until := time.Now().Add(30 * 24 * time.Hour)

	claire := get(custodia.NewActor("claire", "magistrate", "FR", custodia.Secret))
	defer claire.Close()
	fr := get(custodia.OpenWithPassphrase(filepath.Join(tmp, "fr"), []byte("fr demo passphrase, not for production"),
		&custodia.Options{Create: true, KDF: demoKDF}))
	defer fr.Close()
	frKey := get(de.ImportPublic(anna, get(fr.ExportPublic(get(fr.GenerateKey(claire, custodia.X25519, "FR PNF")))),
		"FR PNF", "FR"))
	_, err := de.Rewrap(anna, signed, "mla.execution", nil, []custodia.KeyID{frKey})
	refused("DE passing it to FR without NL's grant", custodia.ErrOnwardTransferNotGranted, err)
	grant := get(nl.IssueOnwardTransfer(jan, signer, objectID, "Parquet national financier", "FR", frKey, until,
		"DE request letter 2026/118"))
	shared := get(de.RewrapWithGrant(anna, signed, "mla.execution", nil, []custodia.KeyID{frKey}, grant))
	opened := get(fr.Open(claire, shared, "investigation"))
	fmt.Printf("with NL's grant %s DE shares it; FR opens %d bytes\n", get(grant.ID()), opened.Data.Len())
	check(opened.Close())
	extension := get(nl.IssuePurposeExtension(jan, signer, objectID, []string{"asset_recovery"}, until,
		"DE request letter 2026/119"))
	opened = get(de.Open(anna, get(de.ExtendPurposes(anna, signed, extension)), "asset_recovery.freezing"))
	check(opened.Close())
	fmt.Printf("DE opens it for asset_recovery.freezing under NL's purpose extension %s\n", get(extension.ID()))
}
