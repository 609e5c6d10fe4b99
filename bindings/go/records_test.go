package custodia_test

// Sealed records from Go (issue 16 §1, docs/FORMAT.md section 14): a record built with typed adders, sealed as one
// envelope, opened field by field. Attacks: a reader not cleared for a field (a secret witness, a field with its own
// purposes) never gets its value, only the refusal; the envelope-level refusal is still the call's error; Open and
// OpenRecord keep to their payload types; a changed byte fails the whole open; a [[mask]] gives the masked view,
// never the value; no value appears in a debug string or the audit log.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

type recordScene struct {
	dir      string
	c        *custodia.Custodian
	jan, ana *custodia.Actor
	kek      custodia.KeyID
	options  *custodia.SealOptions
	envelope []byte
}

var born = time.Date(1971, 5, 4, 0, 0, 0, 0, time.UTC)
var scan = []byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff}

// buildRecord is the scene's record: text, nested, date, bytes (confidential), an integer with its own purposes and
// a secret witness name.
func buildRecord(t testing.TB) *custodia.Record {
	t.Helper()
	r := must(custodia.NewRecord())
	t.Cleanup(func() { _ = r.Close() })
	addr := must(custodia.NewRecord())
	defer addr.Close()
	ok(t, addr.AddText("city", "Utrecht", custodia.ContactDetails))
	ok(t, addr.AddInteger("postcode", 3511, custodia.ContactDetails))
	ok(t, r.AddText("account_iban", "NL91ABNA0417164300", custodia.FinancialRecords))
	ok(t, r.AddNested("address", addr, custodia.ContactDetails))
	ok(t, r.AddDate("born", born, custodia.PersonalIdentity))
	ok(t, r.AddBytes("scan", scan, custodia.Evidence, custodia.FieldClassification(custodia.Confidential)))
	ok(t, r.AddInteger("transfers", -42, custodia.FinancialRecords, custodia.FieldPurposes("investigation.financial")))
	ok(t, r.AddText("witness_name", "A. Jansen", custodia.WitnessIdentity))
	return r
}

func newRecordScene(t *testing.T) *recordScene {
	t.Helper()
	s := &recordScene{dir: filepath.Join(t.TempDir(), "c")}
	s.c = newCustodian(t, s.dir)
	s.jan = must(custodia.NewActor("jan", "prosecutor", "NL", custodia.Secret))
	t.Cleanup(func() { _ = s.jan.Close() })
	s.ana = must(custodia.NewActor("ana", "analyst", "NL", custodia.Confidential))
	t.Cleanup(func() { _ = s.ana.Close() })
	s.kek = must(s.c.GenerateKey(s.jan, custodia.KEK, "case team"))
	s.options = must(custodia.NewSealOptions(custodia.CaseAdministration, "investigation", "prosecution"))
	t.Cleanup(func() { _ = s.options.Close() })
	ok(t, s.options.AddRecipient(s.kek))
	ok(t, s.options.SetCaseRef("MLA-2026-0042"))
	s.envelope = must(s.c.SealRecord(s.jan, buildRecord(t), s.options))
	return s
}

func (s *recordScene) open(t *testing.T, actor *custodia.Actor, purpose string) *custodia.OpenedRecord {
	t.Helper()
	r := must(s.c.OpenRecord(actor, s.envelope, purpose))
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// jsonOf reads a *Sensitive JSON value, wipes it and decodes it.
func jsonOf(t testing.TB, v *custodia.Sensitive) any {
	t.Helper()
	defer v.Wipe()
	var out any
	ok(t, json.Unmarshal(v.Expose(), &out))
	return out
}

func TestRecordAClearedReaderGetsEveryValueBackAsSealed(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	r := s.open(t, s.jan, "investigation.financial")
	if w := r.Withheld(); len(w) != 0 || len(r.Masked()) != 0 {
		t.Fatalf("withheld %v masked %v", w, r.Masked())
	}
	if d := strings.Join(r.Disclosed(), " "); d != "account_iban address born scan transfers witness_name" {
		t.Fatalf("disclosed (name order) %s", d)
	}
	iban := must(r.Text("account_iban"))
	if !iban.Equal([]byte("NL91ABNA0417164300")) || iban.Len() != 18 {
		t.Fatalf("account_iban %d bytes", iban.Len())
	}
	ok(t, iban.Wipe())
	if !iban.Wiped() || iban.Expose() != nil {
		t.Fatal("a wiped value is still readable")
	}
	if v := must(r.Integer("transfers")); v != -42 {
		t.Fatalf("transfers %d", v)
	}
	if d := must(r.Date("born")); !d.Equal(born) {
		t.Fatalf("born %v", d)
	}
	bornText := must(r.Text("born"))
	if !bornText.Equal([]byte("1971-05-04")) {
		t.Fatal("born as text")
	}
	ok(t, bornText.Close())
	b := must(r.Bytes("scan"))
	if !b.Equal(scan) {
		t.Fatal("scan bytes differ")
	}
	ok(t, b.Close())
	addr := jsonOf(t, must(r.JSON("address")))
	want := map[string]any{"nested": map[string]any{"city": map[string]any{"text": "Utrecht"},
		"postcode": map[string]any{"integer": float64(3511)}}}
	if !reflect.DeepEqual(addr, want) {
		t.Fatalf("address %v", addr)
	}
	if w := jsonOf(t, must(r.JSON("witness_name"))); !reflect.DeepEqual(w, map[string]any{"text": "A. Jansen"}) {
		t.Fatalf("witness_name %v", w)
	}
	f := r.Field("transfers")
	if f == nil || !reflect.DeepEqual(f.Purposes, []string{"investigation.financial"}) || f.Kind != custodia.FieldInteger ||
		f.Category != custodia.FinancialRecords || !f.IsDisclosed() {
		t.Fatalf("transfers %+v", f)
	}
	if f := r.Field("witness_name"); f.Category != custodia.WitnessIdentity || f.Classification != custodia.Secret || f.Purposes != nil {
		t.Fatalf("witness_name %+v", f)
	}
	if f := r.Field("scan"); f.Classification != custodia.Confidential || f.Kind != custodia.FieldBytes {
		t.Fatalf("scan %+v", f)
	}
	if r.Field("address").Kind.String() != "nested" || r.Field("phone") != nil {
		t.Fatal("kinds or unknown names")
	}
	if r.Info.CaseRef != "MLA-2026-0042" || r.Info.Category != custodia.CaseAdministration {
		t.Fatalf("info %+v", r.Info)
	}
	// Type mismatches and unknown names are the library's invalid argument; no value is shown anywhere.
	_, err := r.Integer("account_iban")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	_, err = r.Text("phone")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	for _, shown := range []string{r.String(), fmt.Sprintf("%v %+v %#v %s", r, r, r, r), fmt.Sprintf("%+v", r.Fields),
		fmt.Sprintf("%v %#v", buildRecord(t), buildRecord(t))} {
		for _, secret := range []string{"Jansen", "NL91", "Utrecht", "1971", "-42", "3511"} {
			if strings.Contains(shown, secret) {
				t.Fatalf("%q shows %q", shown, secret)
			}
		}
	}
	if !strings.Contains(r.String(), "witness_name") {
		t.Fatalf("names are shown: %s", r)
	}
	ok(t, r.Close())
	_, err = r.Text("account_iban")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)
	ok(t, r.Close()) // idempotent
}

func TestRecordFieldsAReaderMayNotSeeAreWithheldWithTheirRefusals(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	before := must(s.c.UnwrapAttempts())
	r := s.open(t, s.ana, "investigation")
	if after := must(s.c.UnwrapAttempts()); after != before+1 {
		t.Fatalf("unwrap attempts %d -> %d", before, after)
	}
	if d := strings.Join(r.Disclosed(), " "); d != "account_iban address born scan" {
		t.Fatalf("disclosed %s", d)
	}
	if w := strings.Join(r.Withheld(), " "); w != "transfers witness_name" {
		t.Fatalf("withheld %s", w)
	}
	// The secret field: ana's clearance is confidential.
	w := r.Field("witness_name")
	if !w.IsWithheld() || w.IsDisclosed() || w.IsMasked() {
		t.Fatalf("witness_name %+v", w)
	}
	ce := wantCode[*custodia.RefusalError](t, w.Withheld, custodia.ErrClearanceInsufficient)
	if !strings.Contains(ce.Message(), "witness_name") || !ce.IsRefusal() {
		t.Fatalf("message %q", ce.Message())
	}
	_, err := r.Text("witness_name")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	_, err = r.JSON("witness_name")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	// The field with its own purposes: investigation is not investigation.financial.
	wantCode[*custodia.RefusalError](t, r.Field("transfers").Withheld, custodia.ErrPurposeNotPermitted)
	_, err = r.Integer("transfers")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	log := string(must(os.ReadFile(filepath.Join(s.dir, "audit.log"))))
	if !strings.Contains(log, `"withheld":"transfers witness_name"`) {
		t.Fatal("the audit log does not name the withheld fields")
	}
	for _, secret := range []string{"A. Jansen", "NL91ABNA"} {
		if strings.Contains(log, secret) {
			t.Fatalf("the audit log holds %q", secret)
		}
	}
}

func TestRecordTheEnvelopeGateStillRefusesAndPayloadTypesAreKept(t *testing.T) {
	s := newRecordScene(t)
	before := must(s.c.UnwrapAttempts())
	_, err := s.c.OpenRecord(s.jan, s.envelope, "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	_, err = s.c.Open(s.jan, s.envelope, "investigation")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	if after := must(s.c.UnwrapAttempts()); after != before {
		t.Fatalf("a refused open touched a key: %d -> %d", before, after)
	}
	plain := must(s.c.Seal(s.jan, []byte("a document"), s.options))
	_, err = s.c.OpenRecord(s.jan, plain, "investigation")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	bad := append([]byte(nil), s.envelope...)
	bad[len(bad)-30] ^= 1
	_, err = s.c.OpenRecord(s.jan, bad, "investigation")
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrOpenFailed)
}

func TestRecordSealingRefusesWhatItMust(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	_, err := s.c.SealRecord(s.ana, buildRecord(t), s.options)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	// A field purpose the envelope's purposes do not permit.
	narrow := must(custodia.NewRecord())
	defer narrow.Close()
	ok(t, narrow.AddInteger("n", 1, custodia.FinancialRecords, custodia.FieldPurposes("asset_recovery")))
	_, err = s.c.SealRecord(s.jan, narrow, s.options)
	ce := wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	if !strings.Contains(ce.Message(), "asset_recovery") {
		t.Fatalf("message %q", ce.Message())
	}
	// An empty record.
	empty := must(custodia.NewRecord())
	defer empty.Close()
	_, err = s.c.SealRecord(s.jan, empty, s.options)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	// Refused adders leave the record as it was.
	r := must(custodia.NewRecord())
	defer r.Close()
	ok(t, r.AddInteger("transfers", 1, custodia.FinancialRecords))
	wantCode[*custodia.InvalidArgumentError](t, r.AddText("Bad", "x", custodia.ContactDetails), custodia.ErrInvalidArgument)
	ce = wantCode[*custodia.InvalidArgumentError](t, r.AddInteger("transfers", 2, custodia.FinancialRecords), custodia.ErrInvalidArgument)
	if !strings.Contains(ce.Message(), "already") {
		t.Fatalf("message %q", ce.Message())
	}
	wantCode[*custodia.InvalidArgumentError](t, r.AddText("alias", "\xff", custodia.PersonalIdentity), custodia.ErrInvalidArgument)
	wantCode[*custodia.InvalidArgumentError](t, r.AddText("bad\x00name", "x", custodia.PersonalIdentity), custodia.ErrInvalidArgument)
	wantCode[*custodia.InvalidArgumentError](t, r.AddDate("old", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), custodia.PersonalIdentity),
		custodia.ErrInvalidArgument)
	wantCode[custodia.Error](t, r.AddText("w", "x", custodia.WitnessIdentity, custodia.FieldClassification(custodia.Restricted)),
		custodia.ErrClassificationBelowMinimum)
	// The header names CUSTODIA_ERR_MALFORMED for a purpose outside the grammar; the library says invalid_purpose.
	wantCode[*custodia.InvalidArgumentError](t, r.AddText("p", "x", custodia.ContactDetails, custodia.FieldPurposes("Not A Purpose")),
		custodia.ErrInvalidPurpose)
	env := must(s.c.SealRecord(s.jan, r, s.options))
	opened := must(s.c.OpenRecord(s.jan, env, "investigation.financial"))
	defer opened.Close()
	if len(opened.Fields) != 1 || must(opened.Integer("transfers")) != 1 {
		t.Fatalf("the refused adders changed the record: %v", opened)
	}
	// A closed record is refused, not a crash.
	ok(t, r.Close())
	wantCode[*custodia.InvalidArgumentError](t, r.AddInteger("x", 1, custodia.FinancialRecords), custodia.ErrInvalidHandle)
	_, err = s.c.SealRecord(s.jan, r, s.options)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)
}

func TestRecordAPolicyMaskGivesTheMaskedViewNeverTheValue(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	policy := must(custodia.ParseAccessPolicy("version = 1\n" +
		"[roles.prosecutor]\ncategories = [\"*\"]\npurposes = [\"investigation\", \"prosecution\"]\n" +
		"[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n" +
		"[[mask]]\ncategory = \"witness_identity\"\npurposes = [\"investigation\"]\nroles = [\"analyst\"]\n" +
		"rule = \"initials\"\n"))
	defer policy.Close()
	ok(t, s.c.SetAccessPolicy(s.jan, policy))
	r := s.open(t, s.ana, "investigation")
	m := r.Field("witness_name")
	if !m.IsMasked() || m.IsWithheld() || m.IsDisclosed() || m.MaskedText != "A. J." || m.Mask != custodia.MaskInitials ||
		m.Mask.String() != "initials" {
		t.Fatalf("witness_name %+v", m)
	}
	wantCode[*custodia.RefusalError](t, m.Withheld, custodia.ErrClearanceInsufficient)
	// The getters refuse a masked field: the view is never handed out as the value.
	_, err := r.Text("witness_name")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	if got := strings.Join(r.Masked(), " "); got != "witness_name" {
		t.Fatalf("masked %s", got)
	}
	if got := strings.Join(r.Withheld(), " "); got != "transfers" {
		t.Fatalf("withheld %s", got)
	}
	if strings.Contains(strings.Join(r.Disclosed(), " "), "witness_name") || r.Field("account_iban").MaskedText != "" {
		t.Fatal("masked and disclosed overlap")
	}
	if strings.Contains(r.String(), "A. J.") {
		t.Fatalf("the view in %s", r)
	}
}

func TestPseudonymsAreStableInACaseAndResolvingIsAudited(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	p := must(s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person",
		[]string{"Jan de Vries", " jan  DE VRIES", "Anna Smit"}))
	if len(p) != 3 || p[0] != p[1] || p[0] == p[2] || len(p[0]) != 32 {
		t.Fatalf("pseudonyms %v", p)
	}
	again := must(s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person",
		[]string{"Anna Smit"}))
	if again[0] != p[2] {
		t.Fatal("not deterministic within the case")
	}
	other := must(s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0043", custodia.PersonalIdentity, "person",
		[]string{"Jan de Vries"}))
	if other[0] == p[0] {
		t.Fatal("the same pseudonym in another case")
	}
	iban := must(s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "iban",
		[]string{"Jan de Vries"}))
	if iban[0] == p[0] {
		t.Fatal("the same pseudonym in another domain")
	}
	if i := must(s.c.ResolvePseudonym(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person", p[2],
		[]string{"Jan de Vries", "Anna Smit"})); i != 1 {
		t.Fatalf("resolved to %d", i)
	}
	if i := must(s.c.ResolvePseudonym(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person", p[2],
		[]string{"Piet"})); i != -1 {
		t.Fatalf("resolved to %d", i)
	}
	_, err := s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "Person", []string{"x"})
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	if v := must(s.c.Pseudonymize(s.jan, "investigation", "MLA-2026-0042", custodia.PersonalIdentity, "person", nil)); len(v) != 0 {
		t.Fatalf("no values, %v", v)
	}
	log := string(must(os.ReadFile(filepath.Join(s.dir, "audit.log"))))
	if !strings.Contains(log, `"kind":"pseudonym_resolved"`) || !strings.Contains(log, `"kind":"pseudonyms_derived"`) {
		t.Fatal("pseudonyms are not audited")
	}
	for _, v := range []string{"Anna Smit", "Vries"} {
		if strings.Contains(log, v) {
			t.Fatalf("the audit log holds %q", v)
		}
	}
}

func TestRecordOpenOptionsAndNestingDepth(t *testing.T) {
	noLeaks(t)
	s := newRecordScene(t)
	signer := must(s.c.GenerateKey(s.jan, custodia.Ed25519, "record signer"))
	other := must(s.c.GenerateKey(s.jan, custodia.Ed25519, "another signer"))
	ok(t, s.options.SetSigner(signer))
	signed := must(s.c.SealRecord(s.jan, buildRecord(t), s.options))
	r := must(s.c.OpenRecord(s.jan, signed, "investigation", custodia.WithRequiredSigner(signer)))
	if r.Info.Signer == nil || *r.Info.Signer != signer || len(r.Disclosed()) != 5 {
		t.Fatalf("signed record %v, info signer %v", r, r.Info.Signer)
	}
	ok(t, r.Close())
	_, err := s.c.OpenRecord(s.jan, signed, "investigation", custodia.WithRequiredSigner(other))
	wantCode[*custodia.RefusalError](t, err, custodia.ErrSignerMismatch)
	_, err = s.c.OpenRecord(s.jan, s.envelope, "investigation", custodia.WithRequiredSigner(signer))
	wantCode[*custodia.RefusalError](t, err, custodia.ErrSignerMismatch)
	// Nesting is at most 4 deep.
	inner := must(custodia.NewRecord())
	defer inner.Close()
	ok(t, inner.AddInteger("n", 1, custodia.ContactDetails))
	var err5 error
	for depth := 2; depth <= 6 && err5 == nil; depth++ {
		outer := must(custodia.NewRecord())
		defer outer.Close()
		if err5 = outer.AddNested("level", inner, custodia.ContactDetails); err5 == nil {
			inner = outer
		} else if depth <= 4 {
			t.Fatalf("depth %d refused: %v", depth, err5)
		}
	}
	wantCode[*custodia.InvalidArgumentError](t, err5, custodia.ErrInvalidArgument)
}
