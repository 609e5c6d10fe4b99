package custodia

/*
#include "custodia.h"
*/
import "C"

import (
	"crypto/subtle"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unsafe"
)

// Sensitive is plaintext held in the library's memory, never copied into Go's heap by the binding. Its String,
// GoString and Format never show the content; Wipe (or Close) zeroizes and releases it through
// custodia_buffer_free. Expose lends the bytes; the slice is invalid after Wipe.
type Sensitive struct {
	mu  sync.Mutex
	buf *C.custodia_buffer // Go memory holding only a C pointer; nil once wiped
	n   int
}

func newSensitive(buf *C.custodia_buffer) *Sensitive {
	s := &Sensitive{buf: buf, n: int(buf.len)}
	runtime.SetFinalizer(s, (*Sensitive).Close)
	return s
}

// Len is the number of bytes (0 after Wipe).
func (s *Sensitive) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		return 0
	}
	return s.n
}

// Wiped is whether Wipe has run.
func (s *Sensitive) Wiped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf == nil
}

// Expose lends the bytes (in the library's memory, not copied): valid until Wipe, and never to be kept. Nil after
// Wipe.
func (s *Sensitive) Expose() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil || s.n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(s.buf.data)), s.n)
}

// Equal compares the content with b in constant time.
func (s *Sensitive) Equal(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		return false
	}
	if s.n == 0 {
		return len(b) == 0
	}
	return subtle.ConstantTimeCompare(unsafe.Slice((*byte)(unsafe.Pointer(s.buf.data)), s.n), b) == 1
}

// WriteTo writes the content to w (which is then responsible for it).
func (s *Sensitive) WriteTo(w io.Writer) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil || s.n == 0 {
		return 0, nil
	}
	n, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(s.buf.data)), s.n))
	return int64(n), err
}

// Wipe zeroizes and releases the bytes (custodia_buffer_free). Idempotent.
func (s *Sensitive) Wipe() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		return nil
	}
	buf := s.buf
	s.buf = nil
	runtime.SetFinalizer(s, nil)
	return call(func() C.custodia_status { return C.custodia_buffer_free(buf) })
}

// Close is Wipe, for defer and io.Closer.
func (s *Sensitive) Close() error { return s.Wipe() }

// String never shows the content.
func (s *Sensitive) String() string { return fmt.Sprintf("Sensitive(%d bytes, redacted)", s.Len()) }

// GoString never shows the content.
func (s *Sensitive) GoString() string { return "custodia." + s.String() }

// Format never shows the content, whatever the verb.
func (s *Sensitive) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// Opened is the result of Open: the plaintext and the envelope's metadata. Close wipes the plaintext.
type Opened struct {
	Data *Sensitive
	Info EnvelopeInfo
}

// Close wipes the plaintext.
func (o *Opened) Close() error { return o.Data.Wipe() }
