package custodia_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

func headerCodes(t *testing.T) map[int]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "include", "custodia.h"))
	ok(t, err)
	text := string(raw)
	re := regexp.MustCompile(`CUSTODIA_ERR_([A-Z0-9_]+) = (\d+),`)
	out := map[int]string{}
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[2])
		out[n] = strings.ToLower(m[1])
	}
	if len(out) < 70 {
		t.Fatalf("only %d codes found in the header", len(out))
	}
	return out
}

// Every header code has its Go constant with the library's name, and no other constant exists.
func TestStatusTableMatchesHeader(t *testing.T) {
	header := headerCodes(t)
	seen := map[int]bool{}
	for _, s := range custodia.AllStatuses() {
		name, ok := header[int(s)]
		if !ok {
			t.Errorf("%d is not in the header", s)
			continue
		}
		seen[int(s)] = true
		if s.Name() != name {
			t.Errorf("%d: library name %q, header %q", s, s.Name(), name)
		}
		if want := "Err" + camel(name); custodia.StatusConstName(s) != want {
			t.Errorf("%d: constant %s, want %s", s, custodia.StatusConstName(s), want)
		}
	}
	for code, name := range header {
		if !seen[code] {
			t.Errorf("header code %d %s has no Go constant", code, name)
		}
	}
}

func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "_") {
		switch w {
		case "utf8":
			b.WriteString("UTF8")
		case "io":
			b.WriteString("IO")
		default:
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// Each code maps to its family's type; refusals are exactly the 2xx codes, and the code, name and message read.
func TestEveryCodeHasItsFamily(t *testing.T) {
	for _, s := range custodia.AllStatuses() {
		err := custodia.ErrorFor(s, "msg")
		var want string
		switch {
		case s == 998 || s == 999:
			want = "*custodia.InternalError"
		case s < 200:
			want = "*custodia.InvalidArgumentError"
		case s < 300:
			want = "*custodia.RefusalError"
		case s < 400:
			want = "*custodia.EnvelopeError"
		case s < 500:
			want = "*custodia.KeyError"
		case s < 600:
			want = "*custodia.AuditError"
		default:
			want = "*custodia.EnvironmentError"
		}
		if got := fmt.Sprintf("%T", err); got != want {
			t.Errorf("%v: %s, want %s", s, got, want)
		}
		var ce custodia.Error
		if !errors.As(err, &ce) || ce.Code() != s || ce.Message() != "msg" || ce.IsRefusal() != (s >= 200 && s < 300) {
			t.Errorf("%v: %#v", s, err)
		}
		if !errors.Is(err, s) || errors.Is(err, s+1) {
			t.Errorf("%v: errors.Is", s)
		}
		if !strings.Contains(err.Error(), s.Name()) || !strings.Contains(err.Error(), "msg") {
			t.Errorf("%v: %q", s, err.Error())
		}
	}
	var other *custodia.OtherError
	if err := custodia.ErrorFor(777, ""); !errors.As(err, &other) {
		t.Errorf("an unknown code: %T", err)
	}
	var env *custodia.EnvironmentError
	if !errors.As(custodia.ErrorFor(950, ""), &env) {
		t.Error("an unknown 9xx code is an environment error")
	}
}

// The message is the library's, for this call, on this thread.
func TestMessageIsTheLibrarysForThisCall(t *testing.T) {
	err := custodia.ValidatePurpose("Bad Purpose")
	ce := wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidPurpose)
	if !strings.Contains(ce.Message(), "Bad Purpose") {
		t.Fatalf("message %q", ce.Message())
	}
	ok(t, custodia.ValidatePurpose("investigation"))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_ = custodia.ValidatePurpose("Bad")
	if code, msg := custodia.LastError(); code != custodia.ErrInvalidPurpose || !strings.Contains(msg, "Bad") {
		t.Fatalf("last error %v %q", code, msg)
	}
	ok(t, custodia.ValidatePurpose("investigation"))
	if code, msg := custodia.LastError(); code != custodia.OK || msg != "" {
		t.Fatalf("after success: %v %q", code, msg)
	}
}

// Failures interleaving on many goroutines each read their own message.
func TestMessagesDoNotCrossGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	bad := make(chan string, 8*200)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				p := fmt.Sprintf("Bad%d", i)
				err := custodia.ValidatePurpose(p)
				var ce custodia.Error
				if !errors.As(err, &ce) || !strings.Contains(ce.Message(), p) {
					bad <- fmt.Sprint(err)
				}
				runtime.Gosched()
			}
		}(i)
	}
	wg.Wait()
	close(bad)
	for m := range bad {
		t.Error(m)
	}
}

// Text buffers are freed after being copied; handles released by Close, twice is harmless; use after Close is a
// typed error, not a crash.
func TestHandlesAndBuffersAreReleased(t *testing.T) {
	noLeaks(t)
	a := must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	for i := 0; i < 50; i++ {
		if d := must(a.Describe()); !strings.Contains(d, "anna") {
			t.Fatalf("describe %q", d)
		}
	}
	ok(t, a.Close())
	ok(t, a.Close())
	_, err := a.Describe()
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidHandle)

	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	ok(t, o.Close())
	wantCode[*custodia.InvalidArgumentError](t, o.SetCaseRef("X-1"), custodia.ErrInvalidHandle)
}

// A forgotten handle is freed by its finalizer (a safety net, not the way to release).
func TestFinalizersFree(t *testing.T) {
	noLeaks(t)
	func() {
		for i := 0; i < 20; i++ {
			_ = must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
		}
	}()
	for i := 0; i < 5; i++ {
		runtime.GC()
	}
}

// Closing a handle while other goroutines use it: those calls either succeed or fail cleanly.
func TestCloseWhileInUse(t *testing.T) {
	noLeaks(t)
	a := must(custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret))
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				if _, err := a.Describe(); err != nil && !errors.Is(err, custodia.ErrInvalidHandle) {
					t.Error(err)
					return
				}
			}
		}()
	}
	ok(t, a.Close())
	wg.Wait()
}

// A NUL inside text is refused before the call (C would cut the text there).
func TestNulInTextIsRefused(t *testing.T) {
	wantCode[*custodia.InvalidArgumentError](t, custodia.ValidatePurpose("investigation\x00evil"), custodia.ErrInvalidArgument)
	_, err := custodia.NewActor("an\x00na", "r", "DE", custodia.Secret)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
}

// Invalid UTF-8 is the library's own error.
func TestInvalidUTF8IsTheLibrarysError(t *testing.T) {
	wantCode[*custodia.InvalidArgumentError](t, custodia.ValidatePurpose("inv\xffestigation"), custodia.ErrInvalidUTF8)
}

func TestVersions(t *testing.T) {
	if custodia.LibraryABIVersion() != custodia.ABIVersion {
		t.Fatal("ABI version")
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(custodia.Version()) {
		t.Fatalf("version %q", custodia.Version())
	}
}
