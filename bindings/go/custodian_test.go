package custodia_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

func TestSealOpenRoundTrip(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	if bytes.Contains(env, data) {
		t.Fatal("plaintext in the envelope")
	}
	opened := must(w.c.Open(w.anna, env, "prosecution.trial"))
	if !opened.Data.Equal(data) || !bytes.Equal(opened.Data.Expose(), data) || opened.Data.Len() != len(data) {
		t.Fatal("round trip")
	}
	info := opened.Info
	if info.Category != custodia.FinancialRecords || info.CaseRef != "MLA-2026-0042" ||
		strings.Join(info.Purposes, ",") != "investigation,prosecution" || info.Origin != "NL" ||
		strings.Join(info.Destinations, ",") != "DE" || len(info.ObjectID) != 32 {
		t.Fatalf("info %+v", info)
	}
	ok(t, opened.Close())
	if !opened.Data.Wiped() || opened.Data.Expose() != nil || opened.Data.Len() != 0 {
		t.Fatal("not wiped")
	}
	ok(t, opened.Close())
}

func TestRoundTripSizes(t *testing.T) {
	w := newWorld(t)
	noLeaks(t)
	// Beyond the pooled seal buffer (128 KiB), beyond what the pool keeps (4 MiB), then small again.
	for _, n := range []int{0, 1, 1023, 1024, 65536, 1<<20 + 7, 5 << 20, 1024} {
		in := bytes.Repeat([]byte{byte(n)}, n)
		env := must(w.c.Seal(w.anna, in, w.terms))
		o := must(w.c.Open(w.anna, env, "investigation"))
		if !o.Data.Equal(in) {
			t.Fatalf("size %d", n)
		}
		ok(t, o.Close())
	}
}

func TestArmoredEnvelope(t *testing.T) {
	w := newWorld(t)
	ok(t, w.terms.SetArmor(true))
	env := w.seal(t)
	if !strings.HasPrefix(string(env), "-----BEGIN") {
		t.Fatalf("not armored: %q", env[:20])
	}
	o := must(w.c.Open(w.anna, env, "investigation"))
	defer o.Close()
	if !o.Data.Equal(data) {
		t.Fatal("armored round trip")
	}
}

func TestInspectReadsMetadataWithoutOpening(t *testing.T) {
	w := newWorld(t)
	ok(t, w.terms.SetInstrument(custodia.EuropeanInvestigationOrder, "EIO-2026-17", "Art. 18 MLAT NL-US"))
	env := w.seal(t)
	before := must(w.c.UnwrapAttempts())
	info := must(w.c.Inspect(env))
	if after := must(w.c.UnwrapAttempts()); after != before {
		t.Fatal("inspect touched a key")
	}
	if info.Classification != custodia.Confidential || info.Signer != nil || info.NotAfter != (time.Time{}) ||
		len(info.Recipients) != 1 || info.Recipients[0].KeyID != w.kek || info.Recipients[0].Kind != 1 ||
		info.InstrumentKind != custodia.EuropeanInvestigationOrder || info.InstrumentReference != "EIO-2026-17" ||
		info.TransferBasis != "Art. 18 MLAT NL-US" || time.Since(info.Created) > time.Hour {
		t.Fatalf("info %+v", info)
	}
	d := must(w.c.Describe(env))
	if !strings.Contains(d, "MLA-2026-0042") {
		t.Fatalf("describe %q", d)
	}
	_, err := w.c.Inspect([]byte("not an envelope"))
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrMalformed)
}

func TestPurposeNotPermitted(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	_, err := w.c.Open(w.anna, env, "asset_recovery")
	ce := wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if !ce.IsRefusal() || !strings.Contains(ce.Message(), "asset_recovery") {
		t.Fatalf("%v", err)
	}
	var refusal *custodia.RefusalError
	if !errors.As(err, &refusal) || refusal.Code() != 200 {
		t.Fatal("errors.As to the family type")
	}
}

// The binding cannot set the custodian's clock (no such door in the shipped library), so data cannot be made to
// expire here: seal refuses a deadline already past, carries one ahead; the status maps to a refusal.
func TestExpiryIsCheckedAtSealAndCarried(t *testing.T) {
	w := newWorld(t)
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	defer o.Close()
	ok(t, o.AddRecipient(w.kek))
	ok(t, o.SetNotAfter(time.Now().Add(-24*time.Hour)))
	_, err := w.c.Seal(w.anna, data, o)
	ce := wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	if !strings.Contains(ce.Message(), "not_after") {
		t.Fatalf("%v", err)
	}
	deadline := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	ok(t, o.SetNotAfter(deadline))
	env := must(w.c.Seal(w.anna, data, o))
	if info := must(w.c.Inspect(env)); !info.NotAfter.Equal(deadline) {
		t.Fatalf("not after %v", info.NotAfter)
	}
	op := must(w.c.Open(w.anna, env, "investigation"))
	ok(t, op.Close())
	wantCode[*custodia.RefusalError](t, custodia.ErrorFor(custodia.ErrExpired, ""), custodia.ErrExpired)
}

func TestJurisdictionAndClearance(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	pierre := newActor(t, "pierre", "FR", custodia.Secret)
	_, err := w.c.Open(pierre, env, "investigation")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrJurisdictionNotPermitted)
	low := newActor(t, "lars", "DE", custodia.Restricted)
	_, err = w.c.Open(low, env, "investigation")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrClearanceInsufficient)
}

func TestTruncatedAndTamperedEnvelopes(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	for _, bad := range [][]byte{nil, []byte("not an envelope at all"), env[:10], env[:len(env)/2], env[:len(env)-1]} {
		_, err := w.c.Open(w.anna, bad, "investigation")
		var ee *custodia.EnvelopeError
		if !errors.As(err, &ee) {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
	tampered := append([]byte(nil), env...)
	tampered[len(tampered)-5] ^= 1
	_, err := w.c.Open(w.anna, tampered, "investigation")
	ce := wantCode[*custodia.EnvelopeError](t, err, custodia.ErrOpenFailed)
	if strings.Contains(ce.Message(), "IBAN") {
		t.Fatal("plaintext in a message")
	}
}

func TestWrongKeyNoMatchingRecipient(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	other := newCustodian(t, filepath.Join(t.TempDir(), "other"))
	_, err := other.Open(w.anna, env, "investigation")
	wantCode[*custodia.EnvelopeError](t, err, custodia.ErrNoMatchingRecipient)
}

func TestExceptions(t *testing.T) {
	w := newWorld(t)
	noLeaks(t)
	env := w.seal(t)
	order := must(custodia.NewExceptionGround(custodia.CourtOrder, "Rechtbank Amsterdam 13/123456", justification))
	defer order.Close()
	d := must(order.Describe())
	if !strings.Contains(d, "court_order") {
		t.Fatalf("describe %q", d)
	}
	o := must(w.c.Open(w.anna, env, "asset_recovery", custodia.WithException(order)))
	if !o.Data.Equal(data) {
		t.Fatal("court order open")
	}
	ok(t, o.Close())
	threat := must(custodia.NewExceptionGround(custodia.ImminentThreat, "", "A hostage's life is at risk now"))
	defer threat.Close()
	o = must(w.c.Open(w.anna, env, "asset_recovery", custodia.WithException(threat)))
	ok(t, o.Close())
	_, err := custodia.NewExceptionGround(custodia.CourtOrder, "13/1", "")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidException)
	_, err = custodia.NewExceptionGround(custodia.CourtOrder, "", justification)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidException)
	entries := auditKinds(t, w.c, custodia.AuditQuery{Kinds: []string{"exception_used"}})
	if len(entries) != 2 {
		t.Fatalf("exception entries %v", entries)
	}
}

func TestSignerMismatch(t *testing.T) {
	w := newWorld(t)
	signer := must(w.c.GenerateKey(w.anna, custodia.Ed25519, "signer"))
	other := must(w.c.GenerateKey(w.anna, custodia.Ed25519, "other"))
	ok(t, w.terms.SetSigner(signer))
	env := w.seal(t)
	if info := must(w.c.Inspect(env)); info.Signer == nil || *info.Signer != signer {
		t.Fatalf("signer %v", info.Signer)
	}
	o := must(w.c.Open(w.anna, env, "investigation", custodia.WithRequiredSigner(signer)))
	ok(t, o.Close())
	_, err := w.c.Open(w.anna, env, "investigation", custodia.WithRequiredSigner(other))
	wantCode[*custodia.RefusalError](t, err, custodia.ErrSignerMismatch)
}

func TestStreamAFile(t *testing.T) {
	w := newWorld(t)
	noLeaks(t)
	big := bytes.Repeat([]byte("witness statement 0123456789\n"), 200_000) // ~5.8 MB
	var env bytes.Buffer
	ok(t, w.c.SealStream(w.anna, bytes.NewReader(big), &env, w.terms))
	var out bytes.Buffer
	info := must(w.c.OpenStream(w.anna, bytes.NewReader(env.Bytes()), &out, "investigation"))
	if !bytes.Equal(out.Bytes(), big) || info.CaseRef != "MLA-2026-0042" {
		t.Fatal("stream round trip")
	}
	// The header as written gives the envelope's info.
	var env2 bytes.Buffer
	streamed := must(w.c.SealStreamInfo(w.anna, bytes.NewReader(big), &env2, w.terms))
	if streamed.CaseRef != "MLA-2026-0042" || streamed.ObjectID != must(w.c.Inspect(env2.Bytes())).ObjectID {
		t.Fatalf("seal stream info %+v", streamed)
	}
	// A stream opens as a buffer too, and the other way round.
	o := must(w.c.Open(w.anna, env.Bytes(), "investigation"))
	if !o.Data.Equal(big) {
		t.Fatal("streamed envelope opened as a buffer")
	}
	ok(t, o.Close())
	// Files through paths.
	dir := t.TempDir()
	src, sealed, opened := filepath.Join(dir, "in"), filepath.Join(dir, "sealed"), filepath.Join(dir, "out")
	ok(t, os.WriteFile(src, big, 0o600))
	ok(t, w.c.SealFile(w.anna, w.terms, src, sealed))
	must(w.c.OpenFile(w.anna, sealed, opened, "prosecution"))
	if got := must(os.ReadFile(opened)); !bytes.Equal(got, big) {
		t.Fatal("file round trip")
	}
	_, err := w.c.OpenFile(w.anna, sealed, filepath.Join(dir, "refused"), "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if _, err := os.Stat(filepath.Join(dir, "refused")); !os.IsNotExist(err) {
		t.Fatal("a refused open left a file")
	}
}

// The Go streams run in constant memory: a 64 MiB stream through a counting reader and writer, with no buffer
// of the whole.
func TestStreamsInConstantMemory(t *testing.T) {
	w := newWorld(t)
	const size = 64 << 20
	var env bytes.Buffer
	ok(t, w.c.SealStream(w.anna, io.LimitReader(zeros{}, size), &env, w.terms))
	var n countWriter
	must(w.c.OpenStream(w.anna, &env, &n, "investigation"))
	if n != size {
		t.Fatalf("%d bytes", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func TestStreamRefusalWritesNothing(t *testing.T) {
	w := newWorld(t)
	var env bytes.Buffer
	ok(t, w.c.SealStream(w.anna, bytes.NewReader(data), &env, w.terms))
	var out bytes.Buffer
	_, err := w.c.OpenStream(w.anna, &env, &out, "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if out.Len() != 0 {
		t.Fatal("a refused open wrote plaintext")
	}
}

var errBroken = errors.New("disk on fire")

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errBroken
	}
	n := len(p)
	if n > f.after {
		n = f.after
	}
	f.after -= n
	return n, nil
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBroken }

type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("writer bug") }

// A Go reader's or writer's error comes back inside the library's I/O error, and a panic does not unwind through
// the library.
func TestStreamCallbackErrorsSurface(t *testing.T) {
	w := newWorld(t)
	err := w.c.SealStream(w.anna, &failingReader{after: 100}, io.Discard, w.terms)
	wantCode[*custodia.EnvironmentError](t, err, custodia.ErrIO)
	if !errors.Is(err, errBroken) {
		t.Fatalf("the reader's error is not reachable: %v", err)
	}
	err = w.c.SealStream(w.anna, bytes.NewReader(data), failingWriter{}, w.terms)
	if !errors.Is(err, custodia.ErrIO) || !errors.Is(err, errBroken) {
		t.Fatalf("writer: %v", err)
	}
	err = w.c.SealStream(w.anna, bytes.NewReader(data), panickingWriter{}, w.terms)
	if !errors.Is(err, custodia.ErrIO) || !strings.Contains(err.Error(), "writer bug") {
		t.Fatalf("panic: %v", err)
	}
	// The custodian still works.
	ok(t, w.c.SealStream(w.anna, bytes.NewReader(data), io.Discard, w.terms))
}

// io.WriteCloser and io.ReadCloser over the streams.
func TestSealWriterAndOpenReader(t *testing.T) {
	w := newWorld(t)
	var env bytes.Buffer
	sw := w.c.NewSealWriter(w.anna, &env, w.terms)
	for i := 0; i < 1000; i++ {
		must(fmt.Fprintf(sw, "line %d of the statement\n", i))
	}
	ok(t, sw.Close())
	r := w.c.NewOpenReader(w.anna, bytes.NewReader(env.Bytes()), "investigation")
	got := must(io.ReadAll(r))
	ok(t, r.Close())
	if !strings.HasPrefix(string(got), "line 0 of") || !strings.HasSuffix(string(got), "line 999 of the statement\n") {
		t.Fatal("reader/writer round trip")
	}
	r = w.c.NewOpenReader(w.anna, bytes.NewReader(env.Bytes()), "asset_recovery")
	_, err := io.ReadAll(r)
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	// A refused seal surfaces at Close.
	bad := must(custodia.NewSealOptions(custodia.Evidence, "investigation")) // no recipient
	defer bad.Close()
	sw = w.c.NewSealWriter(w.anna, io.Discard, bad)
	_, _ = sw.Write(data)
	var ce custodia.Error
	if err := sw.Close(); !errors.As(err, &ce) {
		t.Fatalf("close: %v", err)
	}
}

func TestWrongPassphraseAndMasterKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	kdf := &custodia.KDF{MemoryKiB: 64, Passes: 1, Lanes: 1}
	c := must(custodia.OpenWithPassphrase(dir, []byte("correct horse"), &custodia.Options{Create: true, KDF: kdf}))
	kek := must(c.GenerateKey(newActor(t, "anna", "DE", custodia.Secret), custodia.KEK, "k"))
	ok(t, c.Close())
	_, err := custodia.OpenWithPassphrase(dir, []byte("wrong horse"), nil)
	wantCode[*custodia.KeyError](t, err, custodia.ErrWrongPassphrase)
	c = must(custodia.OpenWithPassphrase(dir, []byte("correct horse"), nil))
	if k := must(c.Key(kek)); k.Kind != custodia.KEK {
		t.Fatal("key after reopen")
	}
	ok(t, c.Close())

	mdir := filepath.Join(t.TempDir(), "m")
	ok(t, must(custodia.OpenWithMasterKey(mdir, masterKey, &custodia.Options{Create: true})).Close())
	_, err = custodia.OpenWithMasterKey(mdir, make([]byte, 32), nil)
	wantCode[*custodia.KeyError](t, err, custodia.ErrWrongPassphrase)
	_, err = custodia.OpenWithMasterKey(mdir, masterKey[:31], nil)
	var ia *custodia.InvalidArgumentError
	if !errors.As(err, &ia) {
		t.Fatalf("short key: %v", err)
	}
}

func TestMissingCustodianUnlessCreate(t *testing.T) {
	typo := filepath.Join(t.TempDir(), "typo")
	_, err := custodia.OpenWithMasterKey(typo, masterKey, nil)
	ce := wantCode[*custodia.KeyError](t, err, custodia.ErrCustodianNotFound)
	if !strings.Contains(ce.Message(), "no custodian at") {
		t.Fatal(ce.Message())
	}
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Fatal("created without Create")
	}
	_, err = custodia.OpenWithMasterKey(filepath.Join(t.TempDir(), "no", "parent"), masterKey, &custodia.Options{Create: true})
	wantCode[*custodia.KeyError](t, err, custodia.ErrCustodianNotFound)
	ok(t, must(custodia.OpenWithMasterKey(typo, masterKey, &custodia.Options{Create: true})).Close())
	if st := must(os.Stat(typo)); st.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v", st.Mode())
	}
	ok(t, must(custodia.OpenWithMasterKey(typo, masterKey, nil)).Close())
}

func TestKDFCostsOutOfRange(t *testing.T) {
	_, err := custodia.OpenWithPassphrase(filepath.Join(t.TempDir(), "k"), []byte("pass"),
		&custodia.Options{Create: true, KDF: &custodia.KDF{MemoryKiB: 1 << 20, Passes: 2, Lanes: 1}})
	wantCode[*custodia.KeyError](t, err, custodia.ErrKdfParamsOutOfRange)
}

func TestDurabilityChoices(t *testing.T) {
	for _, d := range []custodia.Options{{Durability: custodia.FsyncEach}, {Durability: custodia.GroupCommit, MaxBatch: 8,
		MaxDelay: time.Millisecond}, {Durability: custodia.OSBuffered}} {
		d.Create = true
		c := must(custodia.OpenWithMasterKey(filepath.Join(t.TempDir(), "k"), masterKey, &d))
		a := newActor(t, "anna", "DE", custodia.Secret)
		must(c.GenerateKey(a, custodia.KEK, "k"))
		must(c.VerifyAudit())
		ok(t, c.Close())
	}
	_, err := custodia.OpenWithMasterKey(filepath.Join(t.TempDir(), "k"), masterKey,
		&custodia.Options{Create: true, Durability: 7})
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrUnknownCode)
}

func TestClosedCustodian(t *testing.T) {
	noLeaks(t)
	w := newWorld(t)
	env := w.seal(t)
	anchor := must(w.c.Shutdown())
	if !strings.Contains(anchor, "{") {
		t.Fatalf("anchor %q", anchor)
	}
	_, err := w.c.Seal(w.anna, data, w.terms)
	wantCode[*custodia.AuditError](t, err, custodia.ErrCustodianClosed)
	_, err = w.c.Open(w.anna, env, "investigation")
	wantCode[*custodia.AuditError](t, err, custodia.ErrCustodianClosed)
	must(w.c.Inspect(env))
	must(w.c.VerifyAudit(anchor))
	ok(t, w.c.Close())
	ok(t, w.c.Close())
	_, err = w.c.Inspect(env)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)
}

func TestEightGoroutinesOnOneCustodian(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; n < 10; n++ {
				in := []byte(fmt.Sprintf("goroutine %d item %d", i, n))
				env, err := w.c.Seal(w.anna, in, w.terms)
				if err != nil {
					errs <- err
					return
				}
				o, err := w.c.Open(w.anna, env, "investigation")
				if err != nil {
					errs <- err
					return
				}
				if !o.Data.Equal(in) {
					errs <- fmt.Errorf("mismatch")
				}
				_ = o.Close()
				if _, err := w.c.Open(w.anna, env, "asset_recovery"); !errors.Is(err, custodia.ErrPurposeNotPermitted) {
					errs <- fmt.Errorf("want a refusal, got %v", err)
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	must(w.c.VerifyAudit())
}

func TestASecondCustodianOnTheSameDirectory(t *testing.T) {
	w := newWorld(t)
	env := w.seal(t)
	c2 := must(custodia.OpenWithMasterKey(w.dir, masterKey, nil))
	defer c2.Close()
	o := must(c2.Open(w.anna, env, "investigation"))
	ok(t, o.Close())
	must(w.c.VerifyAudit())
}

func TestFilesArePrivate(t *testing.T) {
	w := newWorld(t)
	w.seal(t)
	filepath.Walk(w.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v", p, fi.Mode())
		}
		return nil
	})
}
