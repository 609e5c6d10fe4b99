package custodia_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

var hostKey = custodia.KeyID{0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB}

var providerSecret = []byte("account 4711, balance 1,000,000")

// gcmKMS is the host's "KMS": AES-256-GCM from Go's standard library under a key only it holds.
type gcmKMS struct {
	aead                cipher.AEAD
	holds, wrap, unwrap atomic.Int64
	mode                atomic.Value // "ok", "down", "bug"
}

func newKMS(t *testing.T) *gcmKMS {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	ok(t, err)
	block := must(aes.NewCipher(key))
	k := &gcmKMS{aead: must(cipher.NewGCM(block))}
	k.mode.Store("ok")
	return k
}

func (k *gcmKMS) Name() string { return "go-kms" }

func (k *gcmKMS) check() error {
	switch k.mode.Load() {
	case "down":
		return fmt.Errorf("kms is down: %w", custodia.ErrProviderUnavailable)
	case "bug":
		panic("a bug in the host's provider")
	}
	return nil
}

func (k *gcmKMS) Holds(key custodia.KeyID) (bool, error) {
	k.holds.Add(1)
	if err := k.check(); err != nil {
		return false, err
	}
	return key == hostKey, nil
}

func (k *gcmKMS) Wrap(key custodia.KeyID, dataKey, aad []byte) ([]byte, error) {
	k.wrap.Add(1)
	if err := k.check(); err != nil {
		return nil, err
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, dataKey, aad), nil
}

func (k *gcmKMS) Unwrap(key custodia.KeyID, wrapped, aad []byte) ([]byte, error) {
	k.unwrap.Add(1)
	if err := k.check(); err != nil {
		return nil, err
	}
	if key != hostKey {
		return nil, nil
	}
	n := k.aead.NonceSize()
	if len(wrapped) < n {
		return nil, custodia.ErrOpenFailed
	}
	dk, err := k.aead.Open(nil, wrapped[:n], wrapped[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("the wrapped key does not authenticate: %w", custodia.ErrOpenFailed)
	}
	return dk, nil
}

type providerScene struct {
	app  *custodia.Custodian
	kms  *gcmKMS
	opts *custodia.SealOptions
	anna *custodia.Actor
}

func newProviderScene(t *testing.T) *providerScene {
	s := &providerScene{kms: newKMS(t), anna: newActor(t, "anna", "DE", custodia.Secret)}
	s.app = must(custodia.OpenWithMasterKey(filepath.Join(t.TempDir(), "app"), masterKey,
		&custodia.Options{Create: true, Providers: []custodia.KeyProvider{s.kms}}))
	t.Cleanup(func() { _ = s.app.Close() })
	s.opts = must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation"))
	t.Cleanup(func() { _ = s.opts.Close() })
	ok(t, s.opts.AddRecipient(hostKey))
	return s
}

func TestSealAndOpenThroughAGoProvider(t *testing.T) {
	s := newProviderScene(t)
	env := must(s.app.Seal(s.anna, providerSecret, s.opts))
	if s.kms.holds.Load() != 1 || s.kms.wrap.Load() != 1 {
		t.Fatalf("holds %d wrap %d", s.kms.holds.Load(), s.kms.wrap.Load())
	}
	o := must(s.app.Open(s.anna, env, "investigation"))
	defer o.Close()
	if !o.Data.Equal(providerSecret) || s.kms.unwrap.Load() != 1 {
		t.Fatal("provider open")
	}
	// A refused open never calls the provider.
	_, err := s.app.Open(s.anna, env, "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if s.kms.unwrap.Load() != 1 {
		t.Fatal("a refused open called the provider")
	}
}

func TestATamperedWrappedKeyIsRefused(t *testing.T) {
	s := newProviderScene(t)
	env := must(s.app.Seal(s.anna, providerSecret, s.opts))
	at := bytes.Index(env, hostKey[:])
	env[at+16+20] ^= 1 // inside the wrapped key
	_, err := s.app.Open(s.anna, env, "investigation")
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrOpenFailed)
}

func TestProviderErrorsAreTypedAndNeverUnwind(t *testing.T) {
	s := newProviderScene(t)
	env := must(s.app.Seal(s.anna, providerSecret, s.opts))
	s.kms.mode.Store("down")
	_, err := s.app.Open(s.anna, env, "investigation")
	wantCode[*custodia.KeyError](t, err, custodia.ErrProviderUnavailable)
	_, err = s.app.Seal(s.anna, []byte("x"), s.opts)
	wantCode[*custodia.KeyError](t, err, custodia.ErrProviderUnavailable)
	s.kms.mode.Store("bug")
	_, err = s.app.Open(s.anna, env, "investigation")
	wantCode[*custodia.KeyError](t, err, custodia.ErrProviderFailed)
	s.kms.mode.Store("ok")
	ok(t, must(s.app.Open(s.anna, env, "investigation")).Close())
}

func TestAKeyTheProviderDoesNotHold(t *testing.T) {
	s := newProviderScene(t)
	other := must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation"))
	defer other.Close()
	ok(t, other.AddRecipient(custodia.KeyID{}))
	_, err := s.app.Seal(s.anna, []byte("x"), other)
	wantCode[*custodia.KeyError](t, err, custodia.ErrKeyNotFound)
	env := must(s.app.Seal(s.anna, providerSecret, s.opts))
	bare := newCustodian(t, filepath.Join(t.TempDir(), "bare"))
	_, err = bare.Open(s.anna, env, "investigation")
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrNoMatchingRecipient)
}

func TestProvidersFromSeveralGoroutines(t *testing.T) {
	s := newProviderScene(t)
	env := must(s.app.Seal(s.anna, providerSecret, s.opts))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 5; n++ {
				o, err := s.app.Open(s.anna, env, "investigation")
				if err != nil {
					errs <- err
					return
				}
				if !o.Data.Equal(providerSecret) {
					errs <- errors.New("mismatch")
				}
				_ = o.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.kms.unwrap.Load() != 20 {
		t.Fatalf("unwraps %d", s.kms.unwrap.Load())
	}
}

func TestCaseKeysWrappedByAGoProvider(t *testing.T) {
	kms := newKMS(t)
	anna := newActor(t, "anna", "DE", custodia.Secret)
	dir := filepath.Join(t.TempDir(), "cases")
	cached := &custodia.CaseKeys{Provider: kms, KEK: hostKey, CacheTTL: 300 * time.Second, CacheMaxUses: 100}
	w1 := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true, CaseKeys: cached}))
	defer w1.Close()
	w2 := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{CaseKeys: cached}))
	defer w2.Close()
	w3 := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{CaseKeys: &custodia.CaseKeys{Provider: kms, KEK: hostKey}}))
	defer w3.Close()
	key := must(w1.KeyForCase(anna, "MLA-2026-0042", time.Time{}))
	if kms.wrap.Load() != 1 {
		t.Fatalf("wraps %d", kms.wrap.Load())
	}
	o := must(custodia.NewSealOptions(custodia.FinancialRecords, "investigation"))
	defer o.Close()
	ok(t, o.AddRecipient(key))
	ok(t, o.SetCaseRef("MLA-2026-0042"))
	var envs [][]byte
	for i := 0; i < 3; i++ {
		envs = append(envs, must(w1.Seal(anna, append(append([]byte(nil), providerSecret...), byte(i)), o)))
	}
	before := kms.unwrap.Load()
	for round := 0; round < 2; round++ {
		for _, env := range envs {
			ok(t, must(w2.Open(anna, env, "investigation")).Close())
		}
	}
	if kms.unwrap.Load() != before+1 {
		t.Fatalf("six opens cost %d provider calls", kms.unwrap.Load()-before)
	}
	before = kms.unwrap.Load()
	for _, env := range envs[:2] {
		ok(t, must(w3.Open(anna, env, "investigation")).Close())
	}
	if kms.unwrap.Load() != before+2 {
		t.Fatal("no cache: one call per open")
	}
	must(w1.DestroyKey(anna, key, "case closed, retention ended"))
	before = kms.unwrap.Load()
	for _, env := range envs {
		_, err := w2.Open(anna, env, "investigation")
		wantCode[*custodia.RefusalError](t, err, custodia.ErrKeyDestroyed)
	}
	if kms.unwrap.Load() != before {
		t.Fatal("a destroyed case key reached the provider")
	}
}

// hsmSigner is an Ed25519 key "held outside": Go's crypto/ed25519.
type hsmSigner struct {
	priv  ed25519.PrivateKey
	mode  string
	calls atomic.Int64
}

func (s *hsmSigner) PublicKey() []byte { return s.priv.Public().(ed25519.PublicKey) }

func (s *hsmSigner) Sign(m []byte) ([]byte, error) {
	s.calls.Add(1)
	switch s.mode {
	case "lie":
		return ed25519.Sign(s.priv, append([]byte("other"), m...)), nil
	case "down":
		return nil, custodia.ErrProviderUnavailable
	case "bug":
		panic("signer bug")
	}
	return ed25519.Sign(s.priv, m), nil
}

func newSigner(t *testing.T) *hsmSigner {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	ok(t, err)
	return &hsmSigner{priv: priv}
}

func TestAnEnvelopeSignedOutside(t *testing.T) {
	w := newWorld(t)
	signer := newSigner(t)
	id := must(custodia.SignerKeyID(signer))
	c := must(custodia.OpenWithMasterKey(w.dir, masterKey, &custodia.Options{Signers: []custodia.Signer{signer}}))
	defer c.Close()
	ok(t, w.terms.SetSigner(id))
	env := must(c.Seal(w.anna, data, w.terms))
	if info := must(c.Inspect(env)); info.Signer == nil || *info.Signer != id {
		t.Fatal("signer id")
	}
	o := must(w.c.Open(w.anna, env, "investigation", custodia.WithRequiredSigner(id)))
	ok(t, o.Close())
	if k := must(c.Key(id)); k.Kind != custodia.Ed25519 || k.HasSecret {
		t.Fatalf("the keyring holds the outside key's secret: %+v", k)
	}
	for _, mode := range []string{"lie", "down", "bug"} {
		signer.mode = mode
		_, err := c.Seal(w.anna, data, w.terms)
		var ke *custodia.KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	signer.mode = ""
	must(c.Seal(w.anna, data, w.terms))
	_, err := custodia.SignerKeyID(&hsmSigner{priv: make(ed25519.PrivateKey, 64)})
	var ia *custodia.InvalidArgumentError
	if !errors.As(err, &ia) {
		t.Fatalf("a weak public key: %v", err)
	}
}

func TestAnAuditLogSignedOutside(t *testing.T) {
	signer := newSigner(t)
	dir := filepath.Join(t.TempDir(), "k")
	c := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true, AuditSigner: signer}))
	a := newActor(t, "anna", "DE", custodia.Secret)
	must(c.GenerateKey(a, custodia.KEK, "k"))
	anchor := must(c.Checkpoint())
	ok(t, custodia.VerifyAnchor(anchor, must(c.AuditPublicKey()), ""))
	if signer.calls.Load() == 0 {
		t.Fatal("the checkpoint was not signed outside")
	}
	must(c.VerifyAudit(anchor))
	ok(t, c.Close())
}

func TestEveryAppendedEventReachesTheSinkInOrder(t *testing.T) {
	noLeaks(t)
	var mu sync.Mutex
	var got []custodia.AuditEntry
	sink := func(e custodia.AuditEntry) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e)
		return nil
	}
	dir := filepath.Join(t.TempDir(), "k")
	c := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true, AuditSinks: []custodia.AuditSink{sink}}))
	a := must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	kek := must(c.GenerateKey(a, custodia.KEK, "k"))
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	ok(t, o.AddRecipient(kek))
	env := must(c.Seal(a, data, o))
	ok(t, must(c.Open(a, env, "investigation")).Close())
	_, _ = c.Open(a, env, "asset_recovery")
	logged := auditEntries(t, c, custodia.AuditQuery{ActorID: "anna"})
	if len(got) != len(logged) || len(got) != 4 {
		t.Fatalf("sink %d, log %d", len(got), len(logged))
	}
	for i := range got {
		if got[i].Kind != logged[i].Kind || got[i].Outcome != logged[i].Outcome {
			t.Fatalf("%d: %+v vs %+v", i, got[i], logged[i])
		}
	}
	if n := must(c.AuditSinkFailures()); n != 0 {
		t.Fatal(n)
	}
	ok(t, o.Close())
	ok(t, a.Close())
	ok(t, c.Close())
}

func TestFailingAndRequiredSinks(t *testing.T) {
	broken := func(custodia.AuditEntry) error { return errors.New("siem unreachable") }
	panicky := func(custodia.AuditEntry) error { panic("sink bug") }
	dir := filepath.Join(t.TempDir(), "k")
	c := must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{Create: true,
		AuditSinks: []custodia.AuditSink{broken, panicky}}))
	a := newActor(t, "anna", "DE", custodia.Secret)
	must(c.GenerateKey(a, custodia.KEK, "k")) // goes on despite the sinks
	if n := must(c.AuditSinkFailures()); n != 2 {
		t.Fatalf("failures %d", n)
	}
	errs := c.AuditSinkErrors()
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "siem unreachable") || !strings.Contains(errs[1].Error(), "sink bug") {
		t.Fatalf("errors %v", errs)
	}
	ok(t, c.Close())
	c = must(custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{AuditSinks: []custodia.AuditSink{broken},
		RequireAuditSinks: true}))
	defer c.Close()
	_, err := c.GenerateKey(a, custodia.KEK, "k2")
	wantCode[*custodia.AuditError](t, err, custodia.ErrAuditWrite)
	if k := auditKinds(t, c, custodia.AuditQuery{Kinds: []string{"key_generated"}}); len(k) != 2 {
		t.Fatalf("the log keeps the event: %v", k)
	}
	_, err = custodia.OpenWithMasterKey(dir, masterKey, &custodia.Options{AuditSinks: []custodia.AuditSink{nil}})
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrNullPointer)
}
