package custodia_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

func auditEntries(t testing.TB, c *custodia.Custodian, q custodia.AuditQuery) []custodia.AuditEntry {
	t.Helper()
	s := must(c.QueryAudit(q))
	defer s.Close()
	return must(s.Entries())
}

func auditKinds(t testing.TB, c *custodia.Custodian, q custodia.AuditQuery) []string {
	t.Helper()
	var out []string
	for _, e := range auditEntries(t, c, q) {
		out = append(out, e.Kind)
	}
	return out
}

func TestAuditVerifiesAndDetectsTampering(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	o := must(w.c.Open(w.anna, env, "investigation"))
	ok(t, o.Close())
	_, _ = w.c.Open(w.anna, env, "asset_recovery")
	r := must(w.c.VerifyAudit())
	if r.Entries < 4 || len(r.Head) != 64 {
		t.Fatalf("report %+v", r)
	}
	anchor := must(w.c.Checkpoint())
	r = must(w.c.VerifyAudit(anchor))
	if r.Anchors != 1 || r.LastCheckpoint == nil {
		t.Fatalf("report %+v", r)
	}
	ok(t, w.c.Close())
	// Alter one byte of the log (a purpose in a refusal).
	logs, _ := filepath.Glob(filepath.Join(w.dir, "audit*"))
	var path string
	for _, p := range logs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), "asset_recovery") {
			path = p
		}
	}
	if path == "" {
		t.Fatalf("no audit log among %v", logs)
	}
	b := must(os.ReadFile(path))
	ok(t, os.WriteFile(path, []byte(strings.Replace(string(b), "asset_recovery", "asset_recoverx", 1)), 0o600))
	// Opening checks the log's tail already; a custodian that still opens finds the change in verification.
	c, err := custodia.OpenWithMasterKey(w.dir, masterKey, nil)
	if err == nil {
		defer c.Close()
		_, err = c.VerifyAudit()
	}
	wantCode[*custodia.AuditError](t, err, custodia.ErrAuditTampered)
}

func TestAnchorsAndErasureCertificatesVerifyWithKeysAlone(t *testing.T) {
	w := newWorld(t)
	b := newCustodian(t, filepath.Join(t.TempDir(), "b"))
	ben := newActor(t, "ben", "NL", custodia.Secret)
	witness := must(b.GenerateKey(ben, custodia.Ed25519, "witness"))
	witnessPub := must(b.ExportPublic(witness))
	auditKey := must(w.c.AuditPublicKey())
	anchor := must(w.c.Checkpoint())
	info := must(custodia.InspectAnchor(anchor))
	if len(info.LogID) != 32 || info.Count == 0 || info.Witnesses != 0 {
		t.Fatalf("anchor %+v", info)
	}
	signed := must(b.CountersignAnchor(ben, anchor, auditKey, witness))
	if must(custodia.InspectAnchor(signed)).Witnesses != 1 {
		t.Fatal("no witness")
	}
	ok(t, custodia.VerifyAnchor(signed, auditKey, witnessPub))
	ok(t, custodia.VerifyAnchor(anchor, auditKey, ""))
	bKey := must(b.AuditPublicKey())
	wantCode[*custodia.AuditError](t, custodia.VerifyAnchor(anchor, bKey, ""), custodia.ErrAnchorInvalid)
	_, err := b.CountersignAnchor(ben, anchor, bKey, witness) // its own key: an anchor of its own log
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	must(w.c.VerifyAudit(signed))

	cert := must(w.c.DestroyKey(w.anna, w.kek, "end of retention"))
	ok(t, custodia.VerifyErasureCertificate(cert, auditKey))
	ci := must(custodia.InspectErasureCertificate(cert))
	if ci.Reason != "end of retention" || len(ci.Keys) != 1 || ci.Keys[0] != w.kek {
		t.Fatalf("certificate %+v", ci)
	}
	var m map[string]any
	ok(t, json.Unmarshal([]byte(cert), &m))
	altered := strings.Replace(cert, "end of retention", "end of retentioN", 1)
	wantCode[*custodia.AuditError](t, custodia.VerifyErasureCertificate(altered, auditKey), custodia.ErrAuditTampered)
}

func TestMerkleInclusionForAnotherAuthority(t *testing.T) {
	w := newWorld(t)
	w.seal(t)
	must(w.c.Checkpoint())
	bundle := must(w.c.MerkleProve(1))
	entry := must(custodia.VerifyMerkleInclusion(bundle, must(w.c.AuditPublicKey())))
	if !strings.Contains(entry, "\"seq\":1") && !strings.Contains(entry, "\"seq\": 1") {
		t.Fatalf("entry %q", entry)
	}
	other := newCustodian(t, filepath.Join(t.TempDir(), "o"))
	_, err := custodia.VerifyMerkleInclusion(bundle, must(other.AuditPublicKey()))
	wantCode[*custodia.AuditError](t, err, custodia.ErrCheckpointInvalid)
}

func TestAuditQueries(t *testing.T) {
	noLeaks(t)
	w := newWorld(t)
	start := time.Now().Add(-time.Minute)
	env := w.seal(t)
	obj := must(w.c.Inspect(env)).ObjectID
	o := must(w.c.Open(w.anna, env, "investigation"))
	ok(t, o.Close())
	_, _ = w.c.Open(w.anna, env, "asset_recovery")
	ben := newActor(t, "ben", "DE", custodia.Secret)
	o = must(w.c.Open(ben, env, "prosecution"))
	ok(t, o.Close())

	if k := auditKinds(t, w.c, custodia.AuditQuery{Object: obj}); strings.Join(k, ",") != "sealed,opened,refused,opened" {
		t.Fatalf("by object %v", k)
	}
	byBen := auditEntries(t, w.c, custodia.AuditQuery{ActorID: "ben"})
	if len(byBen) != 1 || byBen[0].Purpose != "prosecution" || byBen[0].Outcome != "ok" || byBen[0].ActorRole != "investigator" ||
		byBen[0].ActorJurisdiction != "DE" || byBen[0].CaseRef != "MLA-2026-0042" || byBen[0].Object != obj {
		t.Fatalf("by actor %+v", byBen)
	}
	var js map[string]any
	ok(t, json.Unmarshal([]byte(byBen[0].JSON), &js))
	refused := auditEntries(t, w.c, custodia.AuditQuery{Kinds: []string{"refused"}})
	if len(refused) != 1 || !strings.HasPrefix(refused[0].Outcome, "refused:") {
		t.Fatalf("refused %+v", refused)
	}
	if n := len(auditEntries(t, w.c, custodia.AuditQuery{CaseRef: "MLA-2026-0042"})); n != 4 {
		t.Fatalf("by case: %d", n)
	}
	if n := len(auditEntries(t, w.c, custodia.AuditQuery{From: start, Until: start.Add(time.Second)})); n != 0 {
		t.Fatalf("time range: %d", n)
	}
	_, err := w.c.QueryAudit(custodia.AuditQuery{Kinds: []string{"no_such_kind"}})
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)

	s := must(w.c.QueryAudit(custodia.AuditQuery{Object: obj}))
	csv, rows, err := s.CSV()
	ok(t, err)
	path := filepath.Join(t.TempDir(), "audit.csv")
	if n := must(s.WriteCSV(path)); n != rows || rows != 4 {
		t.Fatalf("rows %d %d", n, rows)
	}
	if string(must(os.ReadFile(path))) != csv {
		t.Fatal("the file differs from the text")
	}
	if st := must(os.Stat(path)); st.Mode().Perm() != 0o600 {
		t.Fatalf("csv mode %v", st.Mode())
	}
	ok(t, s.Close())
	_, err = s.Entries()
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)
	// A closed custodian's log can still be read.
	must(w.c.Shutdown())
	if len(auditKinds(t, w.c, custodia.AuditQuery{Object: obj})) != 4 {
		t.Fatal("closed custodian's log")
	}
}

func TestMemoryStatus(t *testing.T) {
	w := newWorld(t)
	m := must(custodia.MemoryStatus())
	if m.LiveSecrets == 0 || m.LockedBytes+m.UnlockedBytes == 0 {
		t.Fatalf("memory %+v", m)
	}
	ok(t, w.c.Close())
	if m2 := must(custodia.MemoryStatus()); m2.LiveSecrets >= m.LiveSecrets {
		t.Fatalf("after close %+v", m2)
	}
}

// In a child process (the setting lasts for the life of the process): the test binary runs itself.
func TestDisableCoreDumpsShowsInTheStatus(t *testing.T) {
	if os.Getenv("CUSTODIA_GO_TEST_CHILD") == "core-dumps" {
		if m := must(custodia.MemoryStatus()); m.Dumpable == 0 {
			os.Exit(3)
		}
		ok(t, custodia.DisableCoreDumps())
		if m := must(custodia.MemoryStatus()); m.Dumpable != 0 {
			os.Exit(4)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDisableCoreDumpsShowsInTheStatus$")
	cmd.Env = append(os.Environ(), "CUSTODIA_GO_TEST_CHILD=core-dumps")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestIOFaultNamesThePath(t *testing.T) {
	w := newWorld(t)
	missing := filepath.Join(t.TempDir(), "missing.txt")
	err := w.c.SealFile(w.anna, w.terms, missing, filepath.Join(t.TempDir(), "out.cust"))
	wantCode[*custodia.EnvironmentError](t, err, custodia.ErrIO)
	var env *custodia.EnvironmentError
	if !errorsAs(err, &env) || !strings.HasPrefix(env.Path(), missing+" -> ") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("%v", err)
	}
	_, _, err = w.c.OpenSeekable(w.anna, missing, "investigation")
	wantCode[*custodia.EnvironmentError](t, err, custodia.ErrIO)
	if !errorsAs(err, &env) || env.Path() != missing {
		t.Fatalf("%v", err)
	}
}
