package custodia_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

var address = []byte("witness W-17: safe house at Keizersgracht 000, Amsterdam")

func sealWitness(t *testing.T, c *custodia.Custodian, a *custodia.Actor, kek custodia.KeyID, signer *custodia.KeyID, purposes ...string) []byte {
	o := must(custodia.NewSealOptions(custodia.WitnessIdentity, purposes...))
	defer o.Close()
	ok(t, o.SetCaseRef("MLA-2026-0042"))
	ok(t, o.SetJurisdictions("DE", "NL"))
	ok(t, o.AddRecipient(kek))
	if signer != nil {
		ok(t, o.SetSigner(*signer))
	}
	return must(c.Seal(a, address, o))
}

func lastEntry(t *testing.T, c *custodia.Custodian) (custodia.AuditEntry, map[string]any) {
	all := auditEntries(t, c, custodia.AuditQuery{})
	e := all[len(all)-1]
	var m map[string]any
	ok(t, json.Unmarshal([]byte(e.JSON), &m))
	return e, m
}

func refusalRecorded(t *testing.T, c *custodia.Custodian, actor, operation, kind string) {
	t.Helper()
	e, m := lastEntry(t, c)
	detail, _ := m["detail"].(map[string]any)
	if e.Kind != "refused" || e.ActorID != actor || detail["operation"] != operation || e.Outcome != "refused:"+kind {
		t.Fatalf("last entry %+v %v", e, detail)
	}
}

// A protected witness's identity is refused to Mallory (FR, clearance public) as an open and as every re-wrap,
// including to a key she imported and holds; no key is touched and the refusal is recorded.
func TestTheAttackIsRefusedOnEveryRewrapPath(t *testing.T) {
	dir := t.TempDir()
	nl := newCustodian(t, filepath.Join(dir, "nl"))
	outside := newCustodian(t, filepath.Join(dir, "outside"))
	mallory := must(custodia.NewActor("mallory", "clerk", "FR", custodia.Public))
	defer mallory.Close()
	jan := must(custodia.NewActor("jan", "central_authority", "NL", custodia.Secret))
	defer jan.Close()
	kek := must(nl.GenerateKey(jan, custodia.KEK, "NL witness protection"))
	env := sealWitness(t, nl, jan, kek, nil, "witness_protection")
	held := must(outside.GenerateKey(mallory, custodia.X25519, "mallory's own"))
	imported := must(nl.ImportPublic(mallory, must(outside.ExportPublic(held)), "a partner authority", "NL"))
	if k := must(nl.Key(imported)); imported != held || k.Jurisdiction != "NL" || k.HasSecret {
		t.Fatalf("imported %+v", k)
	}
	if must(nl.Key(kek)).Jurisdiction != "" {
		t.Fatal("own key with a jurisdiction")
	}
	_, err := nl.Open(mallory, env, "witness_protection")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	before := must(nl.UnwrapAttempts())
	for _, purpose := range []string{"witness_protection", "mla.execution"} {
		_, err := nl.Rewrap(mallory, env, purpose, nil, []custodia.KeyID{imported})
		wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
		refusalRecorded(t, nl, "mallory", "share", "clearance_insufficient")
		if e, _ := lastEntry(t, nl); e.Purpose != purpose {
			t.Fatal(e.Purpose)
		}
	}
	_, err = nl.Rewrap(mallory, env, "witness_protection", []custodia.KeyID{kek}, nil)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	refusalRecorded(t, nl, "mallory", "rewrap", "clearance_insufficient")
	must(nl.RotateKey(jan, kek))
	_, err = nl.RewrapRotated(mallory, env)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
	refusalRecorded(t, nl, "mallory", "rewrap_rotated", "clearance_insufficient")
	if must(nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	if k := auditKinds(t, nl, custodia.AuditQuery{Kinds: []string{"shared"}}); len(k) != 0 {
		t.Fatal("shared")
	}
}

func TestSharingNeedsMLAExecutionAndAPermittedJurisdiction(t *testing.T) {
	dir := t.TempDir()
	nl := newCustodian(t, filepath.Join(dir, "nl"))
	outside := newCustodian(t, filepath.Join(dir, "outside"))
	mallory := newActor(t, "mallory", "FR", custodia.Public)
	jan := must(custodia.NewActor("jan", "central_authority", "NL", custodia.Secret))
	defer jan.Close()
	kek := must(nl.GenerateKey(jan, custodia.KEK, "NL witness protection"))
	signer := must(nl.GenerateKey(jan, custodia.Ed25519, "NL signing")) // NL is the originator: no grant needed
	env := sealWitness(t, nl, jan, kek, &signer, "witness_protection", "mla.execution")
	partner := must(nl.ImportPublic(jan, must(outside.ExportPublic(must(outside.GenerateKey(mallory, custodia.X25519, "NL partner")))), "NL partner", "NL"))
	frKey := must(outside.GenerateKey(mallory, custodia.X25519, "FR authority"))
	frText := must(outside.ExportPublic(frKey))
	fr := must(nl.ImportPublic(jan, frText, "FR authority", "FR"))
	_, err := nl.ImportPublic(jan, frText, "FR authority", "XX")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidJurisdiction)
	_, err = nl.ImportPublic(jan, frText, "FR authority", "NL") // already FR
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrConflict)

	before := must(nl.UnwrapAttempts())
	_, err = nl.Rewrap(jan, env, "witness_protection", nil, []custodia.KeyID{partner})
	if ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrTransferNotPermitted); !strings.Contains(ce.Message(), "mla.execution") {
		t.Fatal(ce.Message())
	}
	refusalRecorded(t, nl, "jan", "share", "transfer_not_permitted")
	_, err = nl.Rewrap(jan, env, "mla.execution", nil, []custodia.KeyID{fr})
	if ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrRecipientNotPermitted); !strings.Contains(ce.Message(), "FR") {
		t.Fatal(ce.Message())
	}
	refusalRecorded(t, nl, "jan", "share", "recipient_not_permitted")
	_, err = nl.Rewrap(jan, env, "investigation", nil, []custodia.KeyID{kek})
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if must(nl.UnwrapAttempts()) != before {
		t.Fatal("a refusal touched a key")
	}
	shared := must(nl.Rewrap(jan, env, "mla.execution", nil, []custodia.KeyID{partner}))
	if e, _ := lastEntry(t, nl); e.Kind != "shared" || e.Purpose != "mla.execution" {
		t.Fatalf("%+v", e)
	}
	if must(nl.UnwrapAttempts()) != before+1 {
		t.Fatal("one unwrap for the share")
	}
	theirs := newActor(t, "nl.partner", "NL", custodia.Secret)
	o := must(outside.Open(theirs, shared, "mla.execution"))
	defer o.Close()
	if !o.Data.Equal(address) {
		t.Fatal("partner opens")
	}
}
