package custodia_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

func TestAnAnchorCatchesALogCutBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a")
	c := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true}))
	anna := newActor(t, "anna", "DE", custodia.Secret)
	kek := must(c.GenerateKey(anna, custodia.KEK, "local"))
	early := must(custodia.InspectAnchor(must(c.Checkpoint())))
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	defer o.Close()
	ok(t, o.AddRecipient(kek))
	env := must(c.Seal(anna, []byte("evidence"), o))
	ok(t, must(c.Open(anna, env, "investigation")).Close())
	anchor := must(custodia.InspectAnchor(must(c.Checkpoint())))
	if anchor.Count <= early.Count {
		t.Fatal("counts")
	}
	closing := must(c.Shutdown())
	if must(custodia.InspectAnchor(closing)).Count < anchor.Count {
		t.Fatal("closing count")
	}
	if again := must(c.Shutdown()); again != closing { // idempotent
		t.Fatal("a second closing anchor")
	}
	_, err := c.GenerateKey(anna, custodia.KEK, "late")
	wantCode[*custodia.AuditError](t, err, custodia.ErrCustodianClosed)
	ok(t, c.Close())

	log := filepath.Join(dir, "audit.log")
	lines := bytes.SplitAfter(must(os.ReadFile(log)), []byte("\n"))
	ok(t, os.WriteFile(log, bytes.Join(lines[:early.Count+1], nil), 0o600)) // the seal and the open vanish
	_, err = custodia.OpenWithMasterKey(dir, masterKey, nil)
	if ce := wantCode[*custodia.AuditError](t, err, custodia.ErrAuditTampered); !strings.Contains(ce.Message(), "truncated") {
		t.Fatal(ce.Message())
	}
}

// Under umask 0 a file created with the default mode would be 0666: every file written here must be 0600.
func TestFilesArePrivateEvenUnderUmask0(t *testing.T) {
	tmp := t.TempDir()
	old := syscall.Umask(0)
	func() {
		defer syscall.Umask(old)
		c := must(custodia.OpenWithMasterKey(filepath.Join(tmp, "k"), masterKey, &custodia.Options{Create: true}))
		defer c.Close()
		a := must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
		defer a.Close()
		kek := must(c.GenerateKey(a, custodia.KEK, "k"))
		ok(t, os.WriteFile(filepath.Join(tmp, "plain.txt"), data, 0o600))
		o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
		defer o.Close()
		ok(t, o.AddRecipient(kek))
		ok(t, c.SealFile(a, o, filepath.Join(tmp, "plain.txt"), filepath.Join(tmp, "sealed.cust")))
		must(c.OpenFile(a, filepath.Join(tmp, "sealed.cust"), filepath.Join(tmp, "opened.txt"), "investigation"))
	}()
	if st := must(os.Stat(filepath.Join(tmp, "k"))); st.Mode().Perm() != 0o700 {
		t.Fatalf("dir %v", st.Mode())
	}
	for _, name := range []string{"k/keyring.cdk", "k/keyring.lock", "sealed.cust", "opened.txt"} {
		if st := must(os.Stat(filepath.Join(tmp, name))); st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v", name, st.Mode())
		}
	}
}

// feature_walk_b, as in Python, Java and C: one custodian, every feature of the second half of issue 17 §2 once.
func TestFeatureWalkB(t *testing.T) {
	noLeaks(t)
	tmp := t.TempDir()
	var events []custodia.AuditEntry
	sink := func(e custodia.AuditEntry) error { events = append(events, e); return nil }
	a := must(custodia.OpenWithMasterKey(filepath.Join(tmp, "a"), masterKey, &custodia.Options{Create: true,
		AuditSinks: []custodia.AuditSink{sink}}))
	defer a.Close()
	b := must(custodia.OpenWithMasterKey(filepath.Join(tmp, "b"), bytes.Repeat([]byte{1}, 32), &custodia.Options{Create: true}))
	defer b.Close()
	anna := must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	defer anna.Close()
	var walked []string
	kek := must(a.GenerateKey(anna, custodia.KEK, "local"))
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	defer o.Close()
	ok(t, o.AddRecipient(kek))
	ok(t, o.SetCaseRef("MLA-2026-0042"))
	ok(t, os.WriteFile(filepath.Join(tmp, "doc.txt"), []byte("statement"), 0o600))
	ok(t, a.SealFile(anna, o, filepath.Join(tmp, "doc.txt"), filepath.Join(tmp, "doc.cust")))

	if k := auditKinds(t, a, custodia.AuditQuery{Kinds: []string{"sealed"}}); strings.Join(k, ",") != "sealed" {
		t.Fatal(k)
	}
	walked = append(walked, "audit query")
	s := must(a.QueryAudit(custodia.AuditQuery{CaseRef: "MLA-2026-0042"}))
	csv, _, err := s.CSV()
	ok(t, err)
	ok(t, s.Close())
	if strings.Count(csv, "\r\n") != 2 {
		t.Fatalf("csv %q", csv)
	}
	walked = append(walked, "csv export")
	witness := must(b.GenerateKey(anna, custodia.Ed25519, "witness"))
	anchor := must(b.CountersignAnchor(anna, must(a.Checkpoint()), must(a.AuditPublicKey()), witness))
	ok(t, custodia.VerifyAnchor(anchor, must(a.AuditPublicKey()), must(b.ExportPublic(witness))))
	if must(a.VerifyAudit(anchor)).Anchors != 1 {
		t.Fatal("anchors")
	}
	walked = append(walked, "anchor")
	caseKey := must(a.KeyForCase(anna, "MLA-2026-0043", zeroTime))
	cert := must(a.DestroyKey(anna, caseKey, "retention period ended"))
	ok(t, custodia.VerifyErasureCertificate(cert, must(a.AuditPublicKey())))
	if ks := must(custodia.InspectErasureCertificate(cert)).Keys; len(ks) != 1 || ks[0] != caseKey {
		t.Fatal(ks)
	}
	walked = append(walked, "erasure certificate")
	must(a.RotateKey(anna, kek))
	if res := must(a.RewrapBatch(anna, []string{filepath.Join(tmp, "doc.cust")}, "", nil, nil)); len(res) != 1 || res[0] != nil {
		t.Fatal(res)
	}
	walked = append(walked, "batch rewrap")
	ok(t, a.PlaceLegalHold(anna, "MLA-2026-0042", "order 1", "appeal pending"))
	if h := must(a.LegalHolds()); len(h) != 1 || h[0].CaseRef != "MLA-2026-0042" {
		t.Fatal(h)
	}
	walked = append(walked, "legal holds")
	if len(events) == 0 || events[len(events)-1].Kind != "legal_hold_set" {
		t.Fatal("sink")
	}
	var logged []string
	for _, k := range auditKinds(t, a, custodia.AuditQuery{}) {
		switch k {
		case "genesis", "checkpoint", "recovery", "erasure":
		default:
			logged = append(logged, k)
		}
	}
	var sunk []string
	for _, e := range events {
		sunk = append(sunk, e.Kind)
	}
	if strings.Join(sunk, ",") != strings.Join(logged, ",") {
		t.Fatalf("sink %v log %v", sunk, logged)
	}
	walked = append(walked, "audit sink")
	if strings.Join(walked, ",") != "audit query,csv export,anchor,erasure certificate,batch rewrap,legal holds,audit sink" {
		t.Fatal(walked)
	}
}
