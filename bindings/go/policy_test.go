package custodia_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

const why = "The witness is in immediate danger and the court ordered the disclosure now"

func policyText(approverKey string) string {
	return "version = 1\n" +
		"[roles.prosecutor]\ncategories = [\"witness_identity\"]\n" +
		"purposes = [\"investigation\", \"prosecution\", \"witness_protection\"]\n" +
		"[[cases.team]]\ncase = \"MLA-2026-0042\"\nactors = [\"anna.schmidt\"]\n" +
		"[[transfers.rule]]\ncategory = \"witness_identity\"\nto = \"*\"\ndecision = \"legal_basis\"\n" +
		"[four_eyes]\ncategories = [\"witness_identity\"]\n" +
		"[[four_eyes.approver]]\nid = \"head.of.unit\"\nkey = \"" + approverKey + "\"\n"
}

func TestPolicyErrorsNameLineAndColumn(t *testing.T) {
	_, err := custodia.ParseAccessPolicy("version = 1\n[roles.x]\ncategories = [\"nope\"]\npurposes = [\"mla\"]\n")
	ce := wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrPolicyInvalid)
	if !strings.Contains(ce.Message(), "line 3, column 15") {
		t.Fatal(ce.Message())
	}
	_, err = custodia.ParseAccessPolicy("version = 1\ncolour = \"red\"\n")
	if ce := wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrPolicyInvalid); !strings.Contains(ce.Message(), "line 2") {
		t.Fatal(ce.Message())
	}
	dir := t.TempDir()
	if _, err := custodia.LoadAccessPolicy(filepath.Join(dir, "missing.toml")); err == nil {
		t.Fatal("a missing file loaded")
	}
	path := filepath.Join(dir, "p.toml")
	text := "version = 1\n[roles.a]\ncategories = [\"*\"]\npurposes = [\"mla\"]\n"
	ok(t, os.WriteFile(path, []byte(text), 0o600))
	a := must(custodia.LoadAccessPolicy(path))
	defer a.Close()
	b := must(custodia.ParseAccessPolicy(text))
	defer b.Close()
	if must(a.SHA256()) != must(b.SHA256()) || len(must(a.SHA256())) != 64 {
		t.Fatal("sha256")
	}
}

func TestNeedToKnowTransferRulesAndFourEyes(t *testing.T) {
	dir := t.TempDir()
	nl := newCustodian(t, filepath.Join(dir, "nl"))
	headC := newCustodian(t, filepath.Join(dir, "head"))
	mk := func(user, role string) *custodia.Actor {
		a := must(custodia.NewActor(user, role, "NL", custodia.Secret))
		t.Cleanup(func() { _ = a.Close() })
		return a
	}
	anna, bob, head := mk("anna.schmidt", "prosecutor"), mk("bob", "prosecutor"), mk("head.of.unit", "central_authority")
	kek := must(nl.GenerateKey(anna, custodia.KEK, "kek"))
	headKey := must(headC.GenerateKey(head, custodia.Ed25519, "approvals"))
	opts := must(custodia.NewSealOptions(custodia.WitnessIdentity, "witness_protection"))
	defer opts.Close()
	ok(t, opts.SetCaseRef("MLA-2026-0042"))
	ok(t, opts.SetJurisdictions("NL"))
	ok(t, opts.AddRecipient(kek))
	secret := []byte("witness W-17")
	env := must(nl.Seal(anna, secret, opts))
	policy := must(custodia.ParseAccessPolicy(policyText(must(headC.ExportPublic(headKey)))))
	ok(t, nl.SetAccessPolicy(anna, policy))
	changed := auditEntries(t, nl, custodia.AuditQuery{Kinds: []string{"policy_changed"}})
	if len(changed) != 1 || changed[0].ActorID != "anna.schmidt" || !strings.Contains(changed[0].JSON, must(policy.SHA256())) {
		t.Fatalf("policy_changed %+v", changed)
	}
	ok(t, policy.Close())

	before := must(nl.UnwrapAttempts())
	_, err := nl.Open(bob, env, "witness_protection")
	if ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrNotOnCase); !strings.Contains(ce.Message(), "bob is not on case MLA-2026-0042") {
		t.Fatal(ce.Message())
	}
	_, err = nl.Open(anna, env, "mla.execution")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrRoleNotPermitted)
	if must(nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	ok(t, must(nl.Open(anna, env, "witness_protection")).Close())

	abroad := must(custodia.NewSealOptions(custodia.WitnessIdentity, "witness_protection"))
	defer abroad.Close()
	ok(t, abroad.SetJurisdictions("NL", "DE"))
	ok(t, abroad.AddRecipient(kek))
	_, err = nl.Seal(anna, secret, abroad)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrLegalBasisRequired)

	order := must(custodia.NewExceptionGround(custodia.CourtOrder, "OLG 1/26", why))
	defer order.Close()
	before = must(nl.UnwrapAttempts())
	_, err = nl.Open(anna, env, "prosecution", custodia.WithException(order))
	if ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrApprovalRequired); !strings.Contains(ce.Message(), "none was given") {
		t.Fatal(ce.Message())
	}
	obj := must(nl.Inspect(env)).ObjectID
	far := time.Unix(1<<40, 0)
	_, err = headC.ApproveException(head, headKey, obj, "head.of.unit", "prosecution", custodia.CourtOrder, "OLG 1/26", far)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	approval := must(headC.ApproveException(head, headKey, obj, "anna.schmidt", "prosecution", custodia.CourtOrder, "OLG 1/26", far))
	if !strings.HasPrefix(approval, "custodia-approval:") {
		t.Fatal(approval)
	}
	for _, bad := range []string{"custodia-approval:AAAA", "hello", approval[:len(approval)-4]} {
		_, err := order.WithApproval(bad)
		wantCode[*custodia.EnvelopeError](t, err, custodia.ErrApprovalInvalid)
	}
	other := must(headC.ApproveException(head, headKey, obj, "anna.schmidt", "investigation", custodia.CourtOrder, "OLG 1/26", far))
	wrong := must(order.WithApproval(other))
	defer wrong.Close()
	_, err = nl.Open(anna, env, "prosecution", custodia.WithException(wrong))
	if ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrApprovalRequired); !strings.Contains(ce.Message(), "purpose") {
		t.Fatal(ce.Message())
	}
	if must(nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	approved := must(order.WithApproval(approval))
	defer approved.Close()
	o := must(nl.Open(anna, env, "prosecution", custodia.WithException(approved)))
	defer o.Close()
	if !o.Data.Equal(secret) {
		t.Fatal("approved open")
	}
	used := auditEntries(t, nl, custodia.AuditQuery{Kinds: []string{"exception_used"}})
	if len(used) != 1 || !strings.Contains(used[0].JSON, "head.of.unit") {
		t.Fatalf("exception_used %+v", used)
	}
}
