package custodia_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

const letter = "DE request letter 2026/118"

var statement = []byte("IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456")

// DE seals a signed envelope for NL; NL may neither pass it to FR nor use it for another purpose without DE's grant.
type grantWorld struct {
	de, nl, fr        *custodia.Custodian
	anna, jan, claire *custodia.Actor
	signer, frKey     custodia.KeyID
	envelope          []byte
	objectID          string
}

func newGrantWorld(t *testing.T) *grantWorld {
	dir := t.TempDir()
	g := &grantWorld{de: newCustodian(t, filepath.Join(dir, "de")), nl: newCustodian(t, filepath.Join(dir, "nl")),
		fr: newCustodian(t, filepath.Join(dir, "fr")), anna: newActor(t, "anna", "DE", custodia.Secret),
		jan: newActor(t, "jan", "NL", custodia.Secret), claire: newActor(t, "claire", "FR", custodia.Secret)}
	g.signer = must(g.de.GenerateKey(g.anna, custodia.Ed25519, "DE signing"))
	nlKey := must(g.de.ImportPublic(g.anna, must(g.nl.ExportPublic(must(g.nl.GenerateKey(g.jan, custodia.X25519, "NL")))), "NL", "NL"))
	g.frKey = must(g.nl.ImportPublic(g.jan, must(g.fr.ExportPublic(must(g.fr.GenerateKey(g.claire, custodia.X25519, "FR")))), "FR", "FR"))
	o := must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation", "mla.execution"))
	defer o.Close()
	ok(t, o.SetJurisdictions("", "NL"))
	ok(t, o.AddRecipient(nlKey))
	ok(t, o.SetSigner(g.signer))
	g.envelope = must(g.de.Seal(g.anna, statement, o))
	g.objectID = must(g.nl.Inspect(g.envelope)).ObjectID
	return g
}

func soon() time.Time { return time.Now().Add(30 * 24 * time.Hour) }

func TestOnwardTransferNeedsTheOriginatorsGrant(t *testing.T) {
	g := newGrantWorld(t)
	before := must(g.nl.UnwrapAttempts())
	_, err := g.nl.Rewrap(g.jan, g.envelope, "mla.execution", nil, []custodia.KeyID{g.frKey})
	ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrOnwardTransferNotGranted)
	if !strings.Contains(ce.Message(), "originator") {
		t.Fatal(ce.Message())
	}
	last := auditEntries(t, g.nl, custodia.AuditQuery{})
	if e := last[len(last)-1]; e.Kind != "refused" || !strings.Contains(e.Outcome, "onward_transfer_not_granted") {
		t.Fatalf("last entry %+v", e)
	}
	grant := must(g.de.IssueOnwardTransfer(g.anna, g.signer, g.objectID, "Parquet national financier", "FR", g.frKey,
		soon(), letter))
	id := must(grant.ID())
	if !strings.HasPrefix(grant.Text(), "-----BEGIN CUSTODIA GRANT-----\n") || len(id) != 32 {
		t.Fatalf("grant %q %q", grant.Text()[:40], id)
	}
	issued := auditEntries(t, g.de, custodia.AuditQuery{Kinds: []string{"grant_issued"}})
	if len(issued) != 1 || !strings.Contains(issued[0].JSON, id) || !strings.Contains(issued[0].JSON, letter) {
		t.Fatalf("grant_issued %+v", issued)
	}
	// Forged: one base64 character of the signature changed.
	text := grant.Text()
	at := len(text) - len("-----END CUSTODIA GRANT-----\n") - 8
	c := byte('A')
	if text[at] == 'A' {
		c = 'B'
	}
	forged := custodia.Grant(text[:at] + string(c) + text[at+1:])
	_, err = g.nl.RewrapWithGrant(g.jan, g.envelope, "mla.execution", nil, []custodia.KeyID{g.frKey}, forged)
	ce = wantCode[*custodia.RefusalError](t, err, custodia.ErrOnwardTransferNotGranted)
	if !strings.Contains(ce.Message(), "signature does not verify") {
		t.Fatal(ce.Message())
	}
	_, err = custodia.Grant("hello").ID()
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrGrantInvalid)
	if must(g.nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	shared := must(g.nl.RewrapWithGrant(g.jan, g.envelope, "mla.execution", nil, []custodia.KeyID{g.frKey}, grant))
	o := must(g.fr.Open(g.claire, shared, "investigation"))
	defer o.Close()
	if !o.Data.Equal(statement) {
		t.Fatal("FR opens")
	}
	if n := must(g.fr.Inspect(shared)).GrantCount; n != 1 {
		t.Fatalf("grant count %d", n)
	}
	carried := must(g.fr.EnvelopeGrant(shared, 0))
	if must(carried.ID()) != id {
		t.Fatal("the carried grant")
	}
}

func TestPurposeExtensionNeedsTheOriginatorsGrant(t *testing.T) {
	g := newGrantWorld(t)
	_, err := g.nl.Open(g.jan, g.envelope, "prosecution")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	onward := must(g.de.IssueOnwardTransfer(g.anna, g.signer, g.objectID, "PNF", "FR", g.frKey, soon(), letter))
	before := must(g.nl.UnwrapAttempts())
	_, err = g.nl.ExtendPurposes(g.jan, g.envelope, onward)
	ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeExtensionNotGranted)
	if !strings.Contains(ce.Message(), "not a purpose extension") {
		t.Fatal(ce.Message())
	}
	if must(g.nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	_, err = g.de.IssuePurposeExtension(g.anna, g.signer, g.objectID, nil, soon(), letter)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrNoPurpose)
	_, err = g.de.IssuePurposeExtension(g.anna, g.signer, "not hex", []string{"prosecution"}, soon(), letter)
	var ia *custodia.InvalidArgumentError
	if !errors.As(err, &ia) {
		t.Fatalf("bad object id: %v", err)
	}
	grant := must(g.de.IssuePurposeExtension(g.anna, g.signer, g.objectID, []string{"prosecution"}, soon(), letter))
	extended := must(g.nl.ExtendPurposes(g.jan, g.envelope, grant))
	o := must(g.nl.Open(g.jan, extended, "prosecution.trial"))
	defer o.Close()
	if !o.Data.Equal(statement) {
		t.Fatal("extended open")
	}
}

// NL receives DE's envelope, opens it, is refused, opens under a national-security exception and signs a receipt;
// DE imports it and finds it per object and per case.
type receiptScene struct {
	de, nl    *custodia.Custodian
	anna, jan *custodia.Actor
	signer    custodia.KeyID
	envelope  []byte
}

func newReceiptScene(t *testing.T) *receiptScene {
	dir := t.TempDir()
	s := &receiptScene{de: newCustodian(t, filepath.Join(dir, "de")), nl: newCustodian(t, filepath.Join(dir, "nl")),
		anna: newActor(t, "anna", "DE", custodia.Secret), jan: newActor(t, "jan", "NL", custodia.Secret)}
	nlX := must(s.nl.GenerateKey(s.jan, custodia.X25519, "NL central authority"))
	s.signer = must(s.nl.GenerateKey(s.jan, custodia.Ed25519, "NL receipts"))
	toNL := must(s.de.ImportPublic(s.anna, must(s.nl.ExportPublic(nlX)), "NL", "NL"))
	must(s.de.ImportPublic(s.anna, must(s.nl.ExportPublic(s.signer)), "NL receipts", "NL"))
	o := must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation", "mla.execution"))
	defer o.Close()
	ok(t, o.SetCaseRef("MLA-2026-0042"))
	ok(t, o.SetJurisdictions("", "NL"))
	ok(t, o.AddRecipient(toNL))
	s.envelope = must(s.de.Seal(s.anna, []byte("IBAN NL91ABNA0417164300"), o))
	return s
}

func (s *receiptScene) handled(t *testing.T) *custodia.Receipt {
	info := must(s.nl.Receive(s.jan, s.envelope))
	ok(t, must(s.nl.Open(s.jan, s.envelope, "investigation")).Close())
	_, err := s.nl.Open(s.jan, s.envelope, "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	ns := must(custodia.NewExceptionGround(custodia.NationalSecurity, "Decision AIVD 2026/3",
		"The account funds an imminent attack on critical infrastructure here"))
	defer ns.Close()
	ok(t, must(s.nl.Open(s.jan, s.envelope, "asset_recovery", custodia.WithException(ns))).Close())
	r := must(s.nl.IssueReceipt(s.jan, info.ObjectID, s.signer, custodia.ReceiptOptions{}))
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestReceiptRoundTrip(t *testing.T) {
	s := newReceiptScene(t)
	r := s.handled(t)
	if k := strings.Join(must(r.Kinds()), " "); k != "received opened refused exception_used opened" {
		t.Fatalf("kinds %q", k)
	}
	items := must(r.Items())
	if items[1].Fields[custodia.FieldPurpose] != "investigation" || items[1].Fields[custodia.FieldRole] != "investigator" {
		t.Fatalf("item 1 %+v", items[1])
	}
	if _, named := items[1].Fields[custodia.FieldActor]; named {
		t.Fatal("actor named")
	}
	quiet := must(s.nl.IssueReceipt(s.jan, must(r.Header()).ObjectID, s.signer, custodia.ReceiptOptions{OmitRefusals: true}))
	defer quiet.Close()
	if k := strings.Join(must(quiet.Kinds()), " "); strings.Contains(k, "refused") {
		t.Fatalf("refusals not omitted: %q", k)
	}
	if items[2].Fields[custodia.FieldRefusal] != "purpose_not_permitted" ||
		items[3].Fields[custodia.FieldExceptionKind] != "national_security" {
		t.Fatalf("items %+v", items)
	}
	h := must(r.Header())
	if h.CaseRef != "MLA-2026-0042" || h.Issuer != s.signer || len(h.ObjectID) != 32 {
		t.Fatalf("header %+v", h)
	}
	ok(t, r.Verify(must(s.nl.ExportPublic(s.signer))))
	text := must(r.Armored())
	if !strings.HasPrefix(text, "-----BEGIN CUSTODIA RECEIPT-----\n") {
		t.Fatal(text[:40])
	}
	named := must(s.nl.IssueReceipt(s.jan, h.ObjectID, s.signer, custodia.ReceiptOptions{NameActors: true}))
	defer named.Close()
	if must(named.Items())[1].Fields[custodia.FieldActor] != "jan" {
		t.Fatal("named actor")
	}
	before := must(s.de.UnwrapAttempts())
	imported := must(s.de.ImportReceipt(s.anna, text))
	defer imported.Close()
	if must(imported.Armored()) != text {
		t.Fatal("imported differs")
	}
	if got := must(s.de.ReceiptsForObject(h.ObjectID)); len(got) != 1 || got[0] != text {
		t.Fatalf("by object %d", len(got))
	}
	if got := must(s.de.ReceiptsForCase("MLA-2026-0042")); len(got) != 1 {
		t.Fatalf("by case %d", len(got))
	}
	if got := must(s.de.ReceiptsForCase("MLA-2026-9999")); len(got) != 0 {
		t.Fatal("other case")
	}
	if must(s.de.UnwrapAttempts()) != before {
		t.Fatal("touched a key")
	}
}

func TestHostileReceipts(t *testing.T) {
	s := newReceiptScene(t)
	r := s.handled(t)
	text := must(r.Armored())
	forger := must(s.nl.GenerateKey(s.jan, custodia.Ed25519, "forger"))
	forged := must(s.nl.IssueReceipt(s.jan, must(r.Header()).ObjectID, forger, custodia.ReceiptOptions{}))
	defer forged.Close()
	_, err := s.de.ImportReceipt(s.anna, must(forged.Armored()))
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrReceiptIssuerUnknown)
	wantCode[*custodia.EnvelopeError](t, forged.Verify(must(s.nl.ExportPublic(s.signer))), custodia.ErrReceiptIssuerUnknown)
	lines := strings.Split(text, "\n")
	if lines[1][0] == 'A' {
		lines[1] = "B" + lines[1][1:]
	} else {
		lines[1] = "A" + lines[1][1:]
	}
	_, err = s.de.ImportReceipt(s.anna, strings.Join(lines, "\n"))
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrReceiptInvalid)
	_, err = custodia.ParseReceipt(strings.Join(lines, "\n"))
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrReceiptInvalid)
	_, err = s.de.ImportReceipt(s.anna, text[:len(text)/2])
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrReceiptInvalid)
	_, err = s.de.ImportReceipt(s.anna, strings.Repeat("A", 200_000))
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrReceiptInvalid)
	_, err = s.nl.IssueReceipt(s.jan, strings.Repeat("00", 16), s.signer, custodia.ReceiptOptions{})
	wantCode[*custodia.RefusalError](t, err, custodia.ErrReceiptNotApplicable)
	if got := must(s.de.ReceiptsForObject(must(r.Header()).ObjectID)); len(got) != 0 {
		t.Fatal("a refused receipt was kept")
	}
}
