package custodia_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

func TestReaderReadsAtChunkBoundariesAndPastTheEnd(t *testing.T) {
	noLeaks(t)
	w := newWorld(t)
	ok(t, w.terms.SetChunkSize(64))
	plain := make([]byte, 64*10+17)
	for i := range plain {
		plain[i] = byte(i * 7)
	}
	path := filepath.Join(t.TempDir(), "e.cust")
	ok(t, os.WriteFile(path, must(w.c.Seal(w.anna, plain, w.terms)), 0o600))
	r, info, err := w.c.OpenSeekable(w.anna, path, "investigation")
	ok(t, err)
	if r.Size() != int64(len(plain)) || info.CaseRef != "MLA-2026-0042" {
		t.Fatalf("size %d", r.Size())
	}
	for _, c := range []struct{ off, n int }{{0, 64}, {60, 8}, {63, 130}, {640, 17}, {650, 7}} {
		buf := make([]byte, c.n)
		n, err := r.ReadAt(buf, int64(c.off))
		ok(t, err)
		if n != c.n || !bytes.Equal(buf, plain[c.off:c.off+c.n]) {
			t.Fatalf("at %d+%d", c.off, c.n)
		}
	}
	buf := make([]byte, 30)
	if n, err := r.ReadAt(buf, int64(len(plain)-10)); n != 10 || err != io.EOF {
		t.Fatalf("across the end: %d %v", n, err)
	}
	if n, err := r.ReadAt(buf, int64(len(plain)+5)); n != 0 || err != io.EOF {
		t.Fatalf("past the end: %d %v", n, err)
	}
	all := must(io.ReadAll(io.NewSectionReader(r, 0, r.Size())))
	if !bytes.Equal(all, plain) {
		t.Fatal("section reader")
	}
	ok(t, r.Close())
	ok(t, r.Close())

	// Through a descriptor whose envelope starts mid-file.
	f := must(os.CreateTemp(t.TempDir(), "mid"))
	must(f.Write([]byte("prefix bytes")))
	must(f.Write(must(os.ReadFile(path))))
	must(f.Seek(int64(len("prefix bytes")), io.SeekStart))
	r2, _, err := w.c.OpenSeekableFile(w.anna, f, "investigation")
	ok(t, err)
	ok(t, f.Close())
	got := make([]byte, 100)
	if n, err := r2.ReadAt(got, 600); n != 57 || err != io.EOF || !bytes.Equal(got[:57], plain[600:]) {
		t.Fatal("fd reader")
	}
	ok(t, r2.Close())
}

func TestARefusedReaderTouchesNoKeyAndAChangedChunkIsRefused(t *testing.T) {
	w := newWorld(t)
	ok(t, w.terms.SetChunkSize(64))
	plain := bytes.Repeat([]byte("0123456789abcdef"), 40)
	path := filepath.Join(t.TempDir(), "e.cust")
	env := must(w.c.Seal(w.anna, plain, w.terms))
	ok(t, os.WriteFile(path, env, 0o600))
	before := must(w.c.UnwrapAttempts())
	_, _, err := w.c.OpenSeekable(w.anna, path, "asset_recovery")
	wantCode[*custodia.RefusalError](t, err, custodia.ErrPurposeNotPermitted)
	if must(w.c.UnwrapAttempts()) != before {
		t.Fatal("a refused reader touched a key")
	}
	r, _, err := w.c.OpenSeekable(w.anna, path, "investigation")
	ok(t, err)
	defer r.Close()
	// Change a byte inside the third chunk's ciphertext after the reader has opened.
	f := must(os.OpenFile(path, os.O_RDWR, 0))
	at := int64(len(env) - 3*(64+16) - 30)
	b := make([]byte, 1)
	must(f.ReadAt(b, at))
	b[0] ^= 1
	must(f.WriteAt(b, at))
	ok(t, f.Close())
	buf := make([]byte, 64)
	must(r.ReadAt(buf, 0)) // an intact chunk still reads
	var bad error
	for off := int64(0); off < int64(len(plain)); off += 64 {
		if _, err := r.ReadAt(buf, off); err != nil {
			bad = err
			break
		}
	}
	var ee *custodia.EnvelopeError
	if !errorsAs(bad, &ee) {
		t.Fatalf("a changed chunk: %v", bad)
	}
}

func TestBatchRewrapReportsEachFile(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 2; i++ {
		p := filepath.Join(dir, "e"+string(rune('0'+i)))
		ok(t, os.WriteFile(p, w.seal(t), 0o600))
		paths = append(paths, p)
	}
	garbage := filepath.Join(dir, "garbage")
	ok(t, os.WriteFile(garbage, []byte("not an envelope"), 0o600))
	paths = append(paths, garbage, filepath.Join(dir, "missing"))
	next := must(w.c.RotateKey(w.anna, w.kek))
	res := must(w.c.RewrapBatch(w.anna, paths, "", nil, nil))
	if len(res) != 4 || res[0] != nil || res[1] != nil || res[2] == nil || res[3] == nil {
		t.Fatalf("results %v", res)
	}
	wantCode[*custodia.EnvironmentError](t, res[3], custodia.ErrIO)
	must(w.c.DestroyKey(w.anna, w.kek, "rotated out"))
	for _, p := range paths[:2] {
		env := must(os.ReadFile(p))
		if r := must(w.c.Inspect(env)).Recipients; r[0].KeyID != next {
			t.Fatal("not re-wrapped")
		}
		ok(t, must(w.c.Open(w.anna, env, "investigation")).Close())
	}
	res = must(w.c.RewrapBatch(w.anna, paths[:2], "asset_recovery", nil, []custodia.KeyID{next}))
	for _, e := range res {
		wantCode[*custodia.RefusalError](t, e, custodia.ErrPurposeNotPermitted)
	}
}
