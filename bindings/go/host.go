package custodia

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "custodia.h"
custodia_status custodia_go_key_provider_new(uintptr_t h, const char *name, uint32_t kind, custodia_key_provider *out);
custodia_status custodia_go_signer_new(uintptr_t h, const uint8_t *public_key, custodia_signer *out);
custodia_status custodia_go_add_audit_sink(custodia_custodian_options o, uintptr_t h);
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// KeyProvider is a key service of the host (a KMS, an HSM) that wraps and unwraps data keys under keys it holds
// (custodia_key_provider_new, stanza kind 6 "external"). Its methods run during seal, share and open calls of
// custodians opened with it, on the calling goroutine, possibly on several at once: they must be safe for
// concurrent use. They report with errors: one that matches ErrProviderUnavailable (errors.Is) means the service
// could not be reached, ErrOpenFailed (from Unwrap) that the wrapped bytes or aad did not authenticate; any other
// error, or a panic (recovered: it never unwinds into the library), is a failure of the operation.
type KeyProvider interface {
	// Name names the provider in errors (at most 64 bytes).
	Name() string
	// Holds is whether the provider holds the key.
	Holds(key KeyID) (bool, error)
	// Wrap wraps the 32-byte data key under key, authenticating aad; at most 1024 bytes.
	Wrap(key KeyID, dataKey, aad []byte) ([]byte, error)
	// Unwrap returns the 32-byte data key (wiped by the binding after use), or nil and no error when the provider
	// does not hold key.
	Unwrap(key KeyID, wrapped, aad []byte) ([]byte, error)
}

// Signer is an Ed25519 key held by the host (an HSM, a KMS) (custodia_signer_new). Sign runs on the calling
// goroutine during operations that sign with its key, possibly concurrently; every signature is verified before
// use. An error matching ErrProviderUnavailable means the service could not be reached; any other, or a panic, a
// failure.
type Signer interface {
	// PublicKey is the 32-byte Ed25519 public key.
	PublicKey() []byte
	// Sign signs message (plain Ed25519, RFC 8032 PureEdDSA) and returns the 64-byte signature.
	Sign(message []byte) ([]byte, error)
}

// AuditSink receives each audit event a custodian records, after the log has made it durable, on the goroutine of
// the call that recorded it (possibly concurrently). It must not call back into that custodian. A returned error
// (or a panic, recovered) is counted (Custodian.AuditSinkFailures) and kept (Custodian.AuditSinkErrors); with
// Options.RequireAuditSinks the operation then fails with ErrAuditWrite (the event is in the log already).
// The event's Seq is CUSTODIA_AUDIT_SEQ_UNKNOWN (the log numbers it as it appends).
type AuditSink func(event AuditEntry) error

// CaseKeys wraps every new per-case key under the key KEK of Provider and caches an unwrapped case key for at most
// CacheTTL and CacheMaxUses uses (either 0: no cache) (custodia_custodian_options_set_case_keys).
type CaseKeys struct {
	Provider     KeyProvider
	KEK          KeyID
	CacheTTL     time.Duration
	CacheMaxUses uint64
}

func providerResult(err error) C.int32_t {
	switch {
	case err == nil:
		return C.CUSTODIA_PROVIDER_OK
	case errors.Is(err, ErrProviderUnavailable):
		return C.CUSTODIA_PROVIDER_UNAVAILABLE
	default:
		return C.CUSTODIA_PROVIDER_FAILED
	}
}

func recovered(p any) error { return fmt.Errorf("custodia: panic in a host callback: %v", p) }

func cKeyBytes(p *C.uint8_t) KeyID {
	var k KeyID
	copy(k[:], unsafe.Slice((*byte)(unsafe.Pointer(p)), len(k)))
	return k
}

func cBytes(p *C.uint8_t, n C.size_t) []byte {
	if n == 0 || p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

//export custodiaGoProviderHolds
func custodiaGoProviderHolds(h C.uintptr_t, key *C.uint8_t) (rc C.int32_t) {
	defer func() {
		if p := recover(); p != nil {
			rc = C.CUSTODIA_PROVIDER_FAILED
		}
	}()
	held, err := cgo.Handle(h).Value().(KeyProvider).Holds(cKeyBytes(key))
	if err != nil {
		return providerResult(err)
	}
	if !held {
		return C.CUSTODIA_PROVIDER_NOT_MINE
	}
	return C.CUSTODIA_PROVIDER_OK
}

//export custodiaGoProviderWrap
func custodiaGoProviderWrap(h C.uintptr_t, key, dk *C.uint8_t, dkLen C.size_t, aad *C.uint8_t, aadLen C.size_t,
	out *C.uint8_t, capacity C.size_t, outLen *C.size_t) (rc C.int32_t) {
	defer func() {
		if p := recover(); p != nil {
			rc = C.CUSTODIA_PROVIDER_FAILED
		}
	}()
	wrapped, err := cgo.Handle(h).Value().(KeyProvider).Wrap(cKeyBytes(key), cBytes(dk, dkLen), cBytes(aad, aadLen))
	if err != nil {
		return providerResult(err)
	}
	if len(wrapped) == 0 || len(wrapped) > int(capacity) {
		return C.CUSTODIA_PROVIDER_FAILED
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(capacity)), wrapped)
	*outLen = C.size_t(len(wrapped))
	return C.CUSTODIA_PROVIDER_OK
}

//export custodiaGoProviderUnwrap
func custodiaGoProviderUnwrap(h C.uintptr_t, key, wrapped *C.uint8_t, wrappedLen C.size_t, aad *C.uint8_t,
	aadLen C.size_t, outKey *C.uint8_t, outKeyLen C.size_t) (rc C.int32_t) {
	defer func() {
		if p := recover(); p != nil {
			rc = C.CUSTODIA_PROVIDER_FAILED
		}
	}()
	dk, err := cgo.Handle(h).Value().(KeyProvider).Unwrap(cKeyBytes(key), cBytes(wrapped, wrappedLen), cBytes(aad, aadLen))
	defer wipe(dk)
	switch {
	case errors.Is(err, ErrOpenFailed):
		return C.CUSTODIA_PROVIDER_AUTH_FAILED
	case err != nil:
		return providerResult(err)
	case dk == nil:
		return C.CUSTODIA_PROVIDER_NOT_MINE
	case len(dk) != int(outKeyLen):
		return C.CUSTODIA_PROVIDER_FAILED
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(outKey)), int(outKeyLen)), dk)
	return C.CUSTODIA_PROVIDER_OK
}

//export custodiaGoSign
func custodiaGoSign(h C.uintptr_t, message *C.uint8_t, length C.size_t, out *C.uint8_t) (rc C.int32_t) {
	defer func() {
		if p := recover(); p != nil {
			rc = C.CUSTODIA_PROVIDER_FAILED
		}
	}()
	sig, err := cgo.Handle(h).Value().(Signer).Sign(cBytes(message, length))
	if err != nil {
		return providerResult(err)
	}
	if len(sig) != 64 {
		return C.CUSTODIA_PROVIDER_FAILED
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), 64), sig)
	return C.CUSTODIA_PROVIDER_OK
}

//export custodiaGoRelease
func custodiaGoRelease(h C.uintptr_t) { cgo.Handle(h).Delete() }

// sinkState is one registered sink and the errors it returned.
type sinkState struct {
	sink AuditSink
	mu   *sync.Mutex
	errs *[]error
}

//export custodiaGoSink
func custodiaGoSink(h C.uintptr_t, e *C.custodia_audit_entry) (rc C.int) {
	s := cgo.Handle(h).Value().(*sinkState)
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = recovered(p)
			}
		}()
		err = s.sink(auditEntry(e))
	}()
	if err == nil {
		return 0
	}
	s.mu.Lock()
	*s.errs = append(*s.errs, err)
	s.mu.Unlock()
	return 1
}

// newProviderHandle makes a library provider over p (the handle's release deletes the cgo.Handle).
func newProviderHandle(p KeyProvider) (C.custodia_key_provider, error) {
	var out C.custodia_key_provider
	name, err := cstr(p.Name())
	if err != nil {
		return out, err
	}
	defer freeC(name)
	h := cgo.NewHandle(p)
	if err := call(func() C.custodia_status {
		return C.custodia_go_key_provider_new(C.uintptr_t(h), name, 6, &out)
	}); err != nil {
		h.Delete() // on failure nothing is kept and release is not called
		return out, err
	}
	return out, nil
}

func newSignerHandle(s Signer) (C.custodia_signer, error) {
	var out C.custodia_signer
	pk := s.PublicKey()
	if len(pk) != 32 {
		return out, newError(ErrInvalidArgument, "a signer's public key is 32 bytes", nil)
	}
	cpk := (*C.uint8_t)(C.CBytes(pk))
	defer C.free(unsafe.Pointer(cpk))
	h := cgo.NewHandle(s)
	if err := call(func() C.custodia_status { return C.custodia_go_signer_new(C.uintptr_t(h), cpk, &out) }); err != nil {
		h.Delete()
		return out, err
	}
	return out, nil
}

// SignerKeyID is the key id of a host signer's key: what seal options, grants and receipts name it by.
func SignerKeyID(s Signer) (KeyID, error) {
	h, err := newSignerHandle(s)
	if err != nil {
		return KeyID{}, err
	}
	defer C.custodia_signer_free(h)
	var id C.custodia_key_id
	err = call(func() C.custodia_status { return C.custodia_signer_key_id(h, &id) })
	return fromCKeyID(&id), err
}

// hostState is what a custodian keeps for the host callbacks it was opened with.
type hostState struct {
	sinks []cgo.Handle
	mu    sync.Mutex
	errs  []error
}

func (s *hostState) release() {
	if s == nil {
		return
	}
	for _, h := range s.sinks {
		h.Delete()
	}
	s.sinks = nil
}

// addHost adds the options' providers, signers and sinks to the C options.
func (o *Options) addHost(h C.custodia_custodian_options, hs *hostState) error {
	for _, p := range o.Providers {
		ph, err := newProviderHandle(p)
		if err != nil {
			return err
		}
		err = call(func() C.custodia_status { return C.custodia_custodian_options_add_provider(h, ph) })
		C.custodia_key_provider_free(ph) // the options keep it alive
		if err != nil {
			return err
		}
	}
	if ck := o.CaseKeys; ck != nil {
		ph, err := newProviderHandle(ck.Provider)
		if err != nil {
			return err
		}
		k := ck.KEK.c()
		err = call(func() C.custodia_status {
			return C.custodia_custodian_options_set_case_keys(h, ph, &k, C.uint64_t(ck.CacheTTL/time.Second),
				C.uint64_t(ck.CacheMaxUses))
		})
		C.custodia_key_provider_free(ph)
		if err != nil {
			return err
		}
	}
	for _, s := range o.Signers {
		sh, err := newSignerHandle(s)
		if err != nil {
			return err
		}
		err = call(func() C.custodia_status { return C.custodia_custodian_options_add_signer(h, sh) })
		C.custodia_signer_free(sh)
		if err != nil {
			return err
		}
	}
	if o.AuditSigner != nil {
		sh, err := newSignerHandle(o.AuditSigner)
		if err != nil {
			return err
		}
		err = call(func() C.custodia_status { return C.custodia_custodian_options_set_audit_signer(h, sh) })
		C.custodia_signer_free(sh)
		if err != nil {
			return err
		}
	}
	for _, sink := range o.AuditSinks {
		if sink == nil {
			return newError(ErrNullPointer, "an audit sink is nil", nil)
		}
		sh := cgo.NewHandle(&sinkState{sink: sink, mu: &hs.mu, errs: &hs.errs})
		hs.sinks = append(hs.sinks, sh)
		if err := call(func() C.custodia_status { return C.custodia_go_add_audit_sink(h, C.uintptr_t(sh)) }); err != nil {
			return err
		}
	}
	if o.RequireAuditSinks {
		return call(func() C.custodia_status { return C.custodia_custodian_options_set_require_audit_sinks(h, true) })
	}
	return nil
}

// AuditSinkFailures is how many times a sink failed (custodia_custodian_audit_sink_failures).
func (c *Custodian) AuditSinkFailures() (uint64, error) {
	defer keep(c)
	var n C.uint64_t
	err := call(func() C.custodia_status { return C.custodia_custodian_audit_sink_failures(c.c(), &n) })
	return uint64(n), err
}

// AuditSinkErrors are the errors (and recovered panics) the custodian's sinks returned, oldest first.
func (c *Custodian) AuditSinkErrors() []error {
	if c.host == nil {
		return nil
	}
	c.host.mu.Lock()
	defer c.host.mu.Unlock()
	return append([]error(nil), c.host.errs...)
}
