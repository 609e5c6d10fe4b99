package custodia_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

func TestOutsideTheValidityPeriodNothingIsSealed(t *testing.T) {
	nl := newCustodian(t, filepath.Join(t.TempDir(), "nl"))
	de := newCustodian(t, filepath.Join(t.TempDir(), "de"))
	jan := newActor(t, "jan", "NL", custodia.Secret)
	dora := newActor(t, "dora", "DE", custodia.Secret)
	pub := must(de.ExportPublic(must(de.GenerateKey(dora, custodia.X25519, "de"))))
	key := must(nl.ImportAuthority(jan, pub, "BKA", "Bundeskriminalamt", "DE", time.Now().Add(365*24*time.Hour), time.Time{}))
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	defer o.Close()
	ok(t, o.SetJurisdictions("NL", "DE"))
	ok(t, o.AddRecipient(key))
	_, err := nl.Seal(jan, data, o)
	ce := wantCode[*custodia.KeyError](t, err, custodia.ErrKeyNotValid)
	if ce.IsRefusal() || !strings.Contains(ce.Message(), "is valid from") {
		t.Fatalf("%v", err)
	}
	if e, _ := lastEntry(t, nl); e.Kind != "refused" || e.Outcome != "failed:key_not_valid" {
		t.Fatalf("%+v", e)
	}
	// Own keys are rotated, not revoked.
	kek := must(nl.GenerateKey(jan, custodia.KEK, "NL escrow"))
	var ia *custodia.InvalidArgumentError
	if err := nl.RevokeKey(jan, kek, "own keys are rotated, not revoked"); !errors.As(err, &ia) {
		t.Fatalf("revoking an own key: %v", err)
	}
	// A retention change is its own event.
	ok(t, nl.SetRetention(jan, kek, time.Now().Add(24*time.Hour)))
	if e, _ := lastEntry(t, nl); e.Kind != "retention_changed" {
		t.Fatal(e.Kind)
	}
}

func TestSignersFromSeveralGoroutines(t *testing.T) {
	w := newWorld(t)
	signer := newSigner(t)
	id := must(custodia.SignerKeyID(signer))
	c := must(custodia.OpenWithMasterKey(w.dir, masterKey, &custodia.Options{Signers: []custodia.Signer{signer}}))
	defer c.Close()
	ok(t, w.terms.SetSigner(id))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 5; n++ {
				env, err := c.Seal(w.anna, data, w.terms)
				if err == nil {
					var o *custodia.Opened
					if o, err = c.Open(w.anna, env, "investigation", custodia.WithRequiredSigner(id)); err == nil {
						_ = o.Close()
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if signer.calls.Load() != 20 {
		t.Fatalf("sign calls %d", signer.calls.Load())
	}
}
