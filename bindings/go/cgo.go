// Package custodia is the Go binding of custodia's C ABI (include/custodia.h): typed sensitive values, envelope
// encryption with purpose tags checked by a policy gate, a tamper-evident audit log, grants and receipts between
// authorities.
//
// Every call that can fail returns an error whose concrete type names the status code's family
// (*InvalidArgumentError, *RefusalError, *EnvelopeError, *KeyError, *AuditError, *EnvironmentError,
// *InternalError); each also satisfies the Error interface (Code, Name, Message, IsRefusal), and
// errors.Is(err, custodia.ErrPurposeNotPermitted) tests the exact code. Messages are the library's own, read on
// the calling OS thread right after the failing call (the goroutine is locked to its thread for that time).
//
// Handles (Custodian, Actor, SealOptions, ExceptionGround, Receipt, ...) are released with Close; a finalizer frees
// a forgotten one as a safety net only. Plaintext comes back as a *Sensitive, which lives in the library's memory
// and is wiped and released by its Close (or Wipe).
package custodia

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lcustodia
#include <stdlib.h>
#include <string.h>
#include "custodia.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ABIVersion is the C ABI version this binding was written against (CUSTODIA_ABI_VERSION).
const ABIVersion = uint32(C.CUSTODIA_ABI_VERSION)

// Version is the library's version text (custodia_version).
func Version() string { return C.GoString(C.custodia_version()) }

// LibraryABIVersion is the ABI version of the loaded library (custodia_abi_version); it must equal ABIVersion.
func LibraryABIVersion() uint32 { return uint32(C.custodia_abi_version()) }

func init() {
	if LibraryABIVersion() != ABIVersion {
		panic("custodia: libcustodia has ABI version " + itoa(uint64(LibraryABIVersion())) +
			", this binding needs " + itoa(uint64(ABIVersion)))
	}
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// call runs one C call with the goroutine locked to its OS thread, and turns a non-zero status into a typed error
// carrying the message of this thread's last error, read before anything else can run on the thread.
func call(f func() C.custodia_status) error {
	runtime.LockOSThread()
	st := f()
	var err error
	if st != C.CUSTODIA_OK {
		err = newError(Status(st), C.GoString(C.custodia_last_error_message()), nil)
	}
	runtime.UnlockOSThread()
	return err
}

// keep keeps its arguments (handles) reachable until the deferred call runs, so that no finalizer frees a handle
// while a call that uses it is under way.
func keep(xs ...any) { runtime.KeepAlive(xs) }

// cstr is a NUL-terminated copy of s in C memory (freed by the caller); a NUL inside s is refused first, since C
// would silently cut the text there.
func cstr(s string) (*C.char, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, newError(ErrInvalidArgument, "text contains a NUL byte", nil)
		}
	}
	return C.CString(s), nil
}

// cstrs is a C array of C strings; free releases them all.
type cstrs struct{ ptrs []*C.char }

func newCstrs(list []string) (*cstrs, error) {
	cs := &cstrs{ptrs: make([]*C.char, 0, len(list))}
	for _, s := range list {
		p, err := cstr(s)
		if err != nil {
			cs.free()
			return nil, err
		}
		cs.ptrs = append(cs.ptrs, p)
	}
	return cs, nil
}

// array is the pointer to the first element (a Go slice holding C pointers only, which cgo allows), or NULL.
func (cs *cstrs) array() **C.char {
	if len(cs.ptrs) == 0 {
		return nil
	}
	return &cs.ptrs[0]
}

func (cs *cstrs) n() C.size_t { return C.size_t(len(cs.ptrs)) }

func (cs *cstrs) free() {
	for _, p := range cs.ptrs {
		C.free(unsafe.Pointer(p))
	}
	cs.ptrs = nil
}

// optCstr is NULL for "", else cstr(s).
func optCstr(s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cstr(s)
}

func freeC(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

// bytesPtr is a pointer to b's first byte, or NULL for an empty slice.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// takeBytes copies a library buffer into Go memory and frees (wipes) the buffer. For non-secret bytes only.
func takeBytes(buf *C.custodia_buffer) []byte {
	var out []byte
	if buf.len > 0 {
		out = C.GoBytes(unsafe.Pointer(buf.data), C.int(buf.len))
	} else {
		out = []byte{}
	}
	C.custodia_buffer_free(buf)
	return out
}

// takeText is takeBytes for text.
func takeText(buf *C.custodia_buffer) string {
	var out string
	if buf.len > 0 {
		out = C.GoStringN((*C.char)(unsafe.Pointer(buf.data)), C.int(buf.len))
	}
	C.custodia_buffer_free(buf)
	return out
}

// goStr is C.GoString that maps NULL to "".
func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// LiveCounts reports the library's live handles and buffers (custodia_live_counts): tests use it to check that
// everything was released.
func LiveCounts() (handles, buffers int, err error) {
	var h, b C.size_t
	err = call(func() C.custodia_status { return C.custodia_live_counts(&h, &b) })
	return int(h), int(b), err
}

// wipe overwrites b with zeros in a way the compiler does not drop.
func wipe(b []byte) {
	if len(b) == 0 {
		return
	}
	C.memset(unsafe.Pointer(&b[0]), 0, C.size_t(len(b)))
}

// unsafeKeys views n key ids in C memory (copy before the owner is freed).
func unsafeKeys(p *C.custodia_key_id, n int) []C.custodia_key_id {
	return unsafe.Slice(p, n)
}
