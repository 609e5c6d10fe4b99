package custodia_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

// masterKey is a raw master key (no Argon2id, so tests stay fast); a test harness's, never a way to handle keys.
var masterKey = func() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}()

const justification = "The regional court ordered the freezing of the proceeds identified in these records"

var data = []byte("IBAN NL91ABNA0417164300, balance 1,204,331.17")

// must returns v, or panics with err (which fails the test run with the stack: a step that may not fail).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantCode checks that err is a custodia error with this code, of the family type F, and returns it.
func wantCode[F error](t testing.TB, err error, code custodia.Status) custodia.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got success", code)
	}
	if !errors.Is(err, code) {
		t.Fatalf("want %v, got %v", code, err)
	}
	var fam F
	if !errors.As(err, &fam) {
		t.Fatalf("want family %T for %v, got %T", fam, code, err)
	}
	var ce custodia.Error
	if !errors.As(err, &ce) || ce.Code() != code || ce.Name() != code.Name() {
		t.Fatalf("code/name: %v", err)
	}
	return ce
}

// noLeaks fails the test when it leaves library handles or buffers live that were not live before.
func noLeaks(t *testing.T) {
	t.Helper()
	runtime.GC()
	h0, b0 := must2(t)
	t.Cleanup(func() {
		runtime.GC()
		h1, b1 := must2(t)
		if h1 != h0 || b1 != b0 {
			t.Errorf("live handles %d -> %d, buffers %d -> %d", h0, h1, b0, b1)
		}
	})
}

func must2(t testing.TB) (int, int) {
	h, b, err := custodia.LiveCounts()
	ok(t, err)
	return h, b
}

func newCustodian(t testing.TB, dir string) *custodia.Custodian {
	t.Helper()
	c := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true}))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newActor(t testing.TB, user, jurisdiction string, clearance custodia.Classification) *custodia.Actor {
	t.Helper()
	a := must(custodia.NewActor(user, "investigator", jurisdiction, clearance))
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// world is one custodian with a KEK, an actor (anna, DE, secret) and seal options (financial records for
// investigation and prosecution, case MLA-2026-0042, NL to DE).
type world struct {
	dir   string
	c     *custodia.Custodian
	anna  *custodia.Actor
	kek   custodia.KeyID
	terms *custodia.SealOptions
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{dir: filepath.Join(t.TempDir(), "keys")}
	w.c = newCustodian(t, w.dir)
	w.anna = must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	t.Cleanup(func() { _ = w.anna.Close() })
	w.kek = must(w.c.GenerateKey(w.anna, custodia.KEK, "test kek"))
	w.terms = must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation", "prosecution"))
	t.Cleanup(func() { _ = w.terms.Close() })
	ok(t, w.terms.SetCaseRef("MLA-2026-0042"))
	ok(t, w.terms.SetJurisdictions("NL", "DE"))
	ok(t, w.terms.AddRecipient(w.kek))
	return w
}

func (w *world) seal(t testing.TB) []byte {
	t.Helper()
	return must(w.c.Seal(w.anna, data, w.terms))
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

var zeroTime time.Time
