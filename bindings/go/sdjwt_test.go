package custodia_test

// Verifiable redaction from Go (issue 16 §3, docs/FORMAT.md section 15): a record issued as an SD-JWT, presented with
// some fields, verified with the issuer's public key alone. Attacks: an altered disclosure, another issuer's key, a
// truncated text, a bad key text, a field the SD-JWT does not have, a reader not cleared for a field (it never enters
// the SD-JWT), a key that cannot sign; each is its typed error. Issue and present are audited.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

type sdScene struct {
	*recordScene
	signer custodia.KeyID
	key    string
}

func newSDScene(t *testing.T) *sdScene {
	t.Helper()
	s := &sdScene{recordScene: newRecordScene(t)}
	s.signer = must(s.c.GenerateKey(s.jan, custodia.Ed25519, "NL redaction key"))
	s.key = must(s.c.ExportPublic(s.signer))
	return s
}

// text copies a *Sensitive SD-JWT or presentation into a Go string for the tests' string surgery, and wipes it.
func text(t testing.TB, s *custodia.Sensitive) string {
	t.Helper()
	defer s.Wipe()
	return string(s.Expose())
}

// alterFirstDisclosure changes characters 1..3 of the first disclosure's salt: still well formed, no longer signed.
func alterFirstDisclosure(text string) string {
	i := strings.Index(text, "~")
	jwt, rest := text[:i], text[i+1:]
	patch := "QUFB"
	if rest[4:8] == "QUFB" {
		patch = "QkJC"
	}
	return jwt + "~" + rest[:4] + patch + rest[8:]
}

func verified(t testing.TB, text, key string) *custodia.Presentation {
	t.Helper()
	p := must(custodia.VerifyPresentation([]byte(text), key))
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func presentedValues(t testing.TB, p *custodia.Presentation) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, name := range p.Names {
		out[name] = jsonOf(t, must(p.JSON(name)))
	}
	return out
}

func TestSDJWTIssuePresentVerifyShowsExactlyTheChosenFields(t *testing.T) {
	noLeaks(t)
	s := newSDScene(t)
	// For investigation.financial: transfers (its own purpose) is disclosed too.
	sdBuf := must(s.c.IssueSDJWT(s.jan, s.envelope, "investigation.financial", s.signer))
	if shown := fmt.Sprintf("%v %s %#v", sdBuf, sdBuf, sdBuf); strings.Contains(shown, "~") {
		t.Fatalf("the SD-JWT is shown: %s", shown)
	}
	presBuf := must(s.c.Present(s.jan, sdBuf.Expose(), []string{"born", "address", "scan"}, "FR-PNF", "investigation"))
	sd := text(t, sdBuf)
	if !strings.HasSuffix(sd, "~") || strings.Count(sd, "~") != 7 {
		t.Fatalf("an SD-JWT of 6 disclosures: %d", strings.Count(sd, "~"))
	}
	pres := text(t, presBuf)
	v := verified(t, pres, s.key)
	if strings.Join(v.Names, " ") != "address born scan" {
		t.Fatalf("names %v", v.Names)
	}
	want := map[string]any{
		"address": map[string]any{"nested": map[string]any{"city": map[string]any{"text": "Utrecht"},
			"postcode": map[string]any{"integer": float64(3511)}}},
		"born": map[string]any{"date": "1971-05-04"},
		"scan": map[string]any{"bytes": "25504446" + "00ff"},
	}
	if got := presentedValues(t, v); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v", got)
	}
	if v.FieldCount != 6 || v.WithheldCount != 3 || v.CaseRef != "MLA-2026-0042" || v.Issuer != s.signer ||
		len(v.ObjectID) != 32 || v.IssuedAt.IsZero() {
		t.Fatalf("claims %v", v)
	}
	if info := must(s.c.Inspect(s.envelope)); info.ObjectID != v.ObjectID {
		t.Fatalf("object id %s, envelope %s", v.ObjectID, info.ObjectID)
	}
	_, err := v.JSON("witness_name")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	shown := fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
	if strings.Contains(shown, "Utrecht") || strings.Contains(shown, "1971") || !strings.Contains(shown, "born") {
		t.Fatalf("shown: %s", shown)
	}
	whole := verified(t, sd, s.key)
	if whole.WithheldCount != 0 || len(whole.Names) != 6 {
		t.Fatalf("whole %v", whole)
	}
	got := presentedValues(t, whole)
	if !reflect.DeepEqual(got["witness_name"], map[string]any{"text": "A. Jansen"}) ||
		!reflect.DeepEqual(got["transfers"], map[string]any{"integer": float64(-42)}) {
		t.Fatalf("whole %v", got)
	}
	ok(t, v.Close())
	_, err = v.JSON("born")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)
}

func TestSDJWTIssueAndPresentAreAudited(t *testing.T) {
	s := newSDScene(t)
	sd := must(s.c.IssueSDJWT(s.jan, s.envelope, "investigation", s.signer))
	defer sd.Wipe()
	pres := must(s.c.Present(s.jan, sd.Expose(), []string{"born"}, "FR-PNF", "investigation"))
	ok(t, pres.Wipe())
	entries := auditEntries(t, s.c, custodia.AuditQuery{Kinds: []string{"selective_disclosure"}})
	var ops []string
	for _, e := range entries {
		var m struct {
			Detail struct{ Operation, Audience string }
		}
		ok(t, json.Unmarshal([]byte(e.JSON), &m))
		ops = append(ops, m.Detail.Operation)
		if m.Detail.Operation == "sd_jwt_present" && (m.Detail.Audience != "FR-PNF" || e.CaseRef != "MLA-2026-0042") {
			t.Fatalf("present entry %s", e.JSON)
		}
	}
	if strings.Join(ops, " ") != "sd_jwt_issue sd_jwt_present" {
		t.Fatalf("operations %v", ops)
	}
}

func TestSDJWTTamperingAndWrongKeysAreRefusedWithTypedErrors(t *testing.T) {
	noLeaks(t)
	s := newSDScene(t)
	other := must(s.c.GenerateKey(s.jan, custodia.Ed25519, "another key"))
	sd := must(s.c.IssueSDJWT(s.jan, s.envelope, "investigation", s.signer))
	pres := text(t, must(s.c.Present(s.jan, sd.Expose(), []string{"account_iban", "born"}, "FR-PNF", "investigation")))
	ok(t, sd.Wipe())
	verify := func(text, key string) error {
		p, err := custodia.VerifyPresentation([]byte(text), key)
		if err == nil {
			_ = p.Close()
		}
		return err
	}
	ok(t, verify(pres, s.key))
	wantCode[*custodia.EnvelopeError](t, verify(alterFirstDisclosure(pres), s.key), custodia.ErrSignatureInvalid)
	wantCode[*custodia.EnvelopeError](t, verify(pres, must(s.c.ExportPublic(other))), custodia.ErrSignatureInvalid)
	wantCode[*custodia.EnvelopeError](t, verify(pres[:strings.Index(pres, "~")-10], s.key), custodia.ErrMalformed)
	wantCode[*custodia.EnvelopeError](t, verify(pres[:len(pres)-6], s.key), custodia.ErrMalformed)
	wantCode[*custodia.KeyError](t, verify(pres, "not a key"), custodia.ErrInvalidKeyText)
	wantCode[*custodia.InvalidArgumentError](t, verify(pres+"\x00", s.key), custodia.ErrInvalidArgument)
}

func TestSDJWTPresentingRefusesWhatTheSDJWTDoesNotHold(t *testing.T) {
	s := newSDScene(t)
	sd := text(t, must(s.c.IssueSDJWT(s.jan, s.envelope, "investigation", s.signer)))
	present := func(sd string, fields []string, audience string) error {
		p, err := s.c.Present(s.jan, []byte(sd), fields, audience, "investigation")
		if err == nil {
			_ = p.Wipe()
		}
		return err
	}
	ok(t, present(sd, []string{"born"}, "FR-PNF"))
	wantCode[*custodia.InvalidArgumentError](t, present(sd, []string{"phone"}, "FR-PNF"), custodia.ErrInvalidArgument)
	wantCode[*custodia.InvalidArgumentError](t, present(sd, []string{"born", "born"}, "FR-PNF"), custodia.ErrInvalidArgument)
	wantCode[*custodia.InvalidArgumentError](t, present(sd, []string{"born"}, ""), custodia.ErrInvalidArgument)
	wantCode[*custodia.EnvelopeError](t, present(alterFirstDisclosure(sd), []string{"born"}, "FR-PNF"), custodia.ErrSignatureInvalid)
	wantCode[*custodia.EnvelopeError](t, present("x.y.z~", []string{"born"}, "FR-PNF"), custodia.ErrMalformed)
}

func TestSDJWTAFieldTheIssuerMayNotOpenNeverEntersIt(t *testing.T) {
	s := newSDScene(t)
	sd := text(t, must(s.c.IssueSDJWT(s.ana, s.envelope, "investigation", s.signer)))
	if strings.Contains(sd, "Jansen") {
		t.Fatal("the withheld value is in the SD-JWT")
	}
	v := verified(t, sd, s.key)
	for _, n := range v.Names {
		if n == "witness_name" {
			t.Fatal("witness_name disclosed")
		}
	}
	// ana may not open transfers (its own purpose) or witness_name (secret).
	if v.FieldCount != 6 || v.WithheldCount != 2 {
		t.Fatalf("counts %v", v)
	}
	_, err := s.c.Present(s.ana, []byte(sd), []string{"witness_name"}, "FR-PNF", "investigation")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	_, err = s.c.IssueSDJWT(s.ana, s.envelope, "investigation", s.kek)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	_, err = s.c.IssueSDJWT(s.ana, s.envelope, "marketing", s.signer)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
}
