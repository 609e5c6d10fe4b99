package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"time"
)

// handle holds a library registry id (never an address); 0 after Close.
type handle struct{ id uint64 }

func (h *handle) get() uint64 {
	if h == nil {
		return 0
	}
	return atomic.LoadUint64(&h.id)
}

// release takes the id once (Close is idempotent, also when racing) and frees it with free.
func (h *handle) release(free func(uint64) C.custodia_status) error {
	id := atomic.SwapUint64(&h.id, 0)
	if id == 0 {
		return nil
	}
	return call(func() C.custodia_status { return free(id) })
}

// Actor is who performs a call (user id, role, jurisdiction, clearance), recorded in the audit log.
type Actor struct{ h handle }

// NewActor makes an actor (custodia_actor_new). Close it when done.
func NewActor(userID, role, jurisdiction string, clearance Classification) (*Actor, error) {
	u, err := cstr(userID)
	if err != nil {
		return nil, err
	}
	defer freeC(u)
	r, err := cstr(role)
	if err != nil {
		return nil, err
	}
	defer freeC(r)
	j, err := cstr(jurisdiction)
	if err != nil {
		return nil, err
	}
	defer freeC(j)
	var out C.custodia_actor
	if err := call(func() C.custodia_status { return C.custodia_actor_new(u, r, j, C.uint32_t(clearance), &out) }); err != nil {
		return nil, err
	}
	a := &Actor{handle{uint64(out.id)}}
	runtime.SetFinalizer(a, (*Actor).Close)
	return a, nil
}

func (a *Actor) c() C.custodia_actor {
	var h C.custodia_actor
	if a != nil {
		h.id = C.uint64_t(a.h.get())
	}
	return h
}

// Close frees the actor (idempotent).
func (a *Actor) Close() error {
	return a.h.release(func(id uint64) C.custodia_status { return C.custodia_actor_free(C.custodia_actor{id: C.uint64_t(id)}) })
}

// Describe is the actor's text form (custodia_actor_describe).
func (a *Actor) Describe() (string, error) {
	defer keep(a)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_actor_describe(a.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// ExceptionGround is a legal ground (court order, consent, ...) with its reference and written justification,
// stated to open data for a purpose it was not given for.
type ExceptionGround struct{ h handle }

// NewExceptionGround makes an exception ground (custodia_exception_ground_new); reference may be "" only for
// ImminentThreat, justification is required.
func NewExceptionGround(kind ExceptionKind, reference, justification string) (*ExceptionGround, error) {
	r, err := optCstr(reference)
	if err != nil {
		return nil, err
	}
	defer freeC(r)
	j, err := cstr(justification)
	if err != nil {
		return nil, err
	}
	defer freeC(j)
	var out C.custodia_exception_ground
	if err := call(func() C.custodia_status {
		return C.custodia_exception_ground_new(C.uint32_t(kind), r, j, &out)
	}); err != nil {
		return nil, err
	}
	return newException(out), nil
}

func newException(out C.custodia_exception_ground) *ExceptionGround {
	e := &ExceptionGround{handle{uint64(out.id)}}
	runtime.SetFinalizer(e, (*ExceptionGround).Close)
	return e
}

// WithApproval is a new exception ground carrying a four-eyes approval's text (custodia_exception_ground_with_approval).
func (e *ExceptionGround) WithApproval(approvalText string) (*ExceptionGround, error) {
	defer keep(e)
	t, err := cstr(approvalText)
	if err != nil {
		return nil, err
	}
	defer freeC(t)
	var out C.custodia_exception_ground
	if err := call(func() C.custodia_status { return C.custodia_exception_ground_with_approval(e.c(), t, &out) }); err != nil {
		return nil, err
	}
	return newException(out), nil
}

func (e *ExceptionGround) c() C.custodia_exception_ground {
	var h C.custodia_exception_ground
	if e != nil {
		h.id = C.uint64_t(e.h.get())
	}
	return h
}

// Describe is the ground's text form.
func (e *ExceptionGround) Describe() (string, error) {
	defer keep(e)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_exception_ground_describe(e.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// Close frees the ground (idempotent).
func (e *ExceptionGround) Close() error {
	return e.h.release(func(id uint64) C.custodia_status {
		return C.custodia_exception_ground_free(C.custodia_exception_ground{id: C.uint64_t(id)})
	})
}

// SealOptions are the terms data is sealed under (category, classification, purposes, case, jurisdictions,
// expiry, instrument) and who can open it (recipients) and vouches for it (signer). Setters validate at once; a
// refused setter leaves the options unchanged.
type SealOptions struct{ h handle }

// NewSealOptions makes seal options for a category and at least one purpose (custodia_seal_options_new).
func NewSealOptions(category Category, purposes ...string) (*SealOptions, error) {
	ps, err := newCstrs(purposes)
	if err != nil {
		return nil, err
	}
	defer ps.free()
	var out C.custodia_seal_options
	if err := call(func() C.custodia_status {
		return C.custodia_seal_options_new(C.uint32_t(category), ps.array(), ps.n(), &out)
	}); err != nil {
		return nil, err
	}
	o := &SealOptions{handle{uint64(out.id)}}
	runtime.SetFinalizer(o, (*SealOptions).Close)
	return o, nil
}

func (o *SealOptions) c() C.custodia_seal_options {
	var h C.custodia_seal_options
	if o != nil {
		h.id = C.uint64_t(o.h.get())
	}
	return h
}

// Close frees the options (idempotent).
func (o *SealOptions) Close() error {
	return o.h.release(func(id uint64) C.custodia_status {
		return C.custodia_seal_options_free(C.custodia_seal_options{id: C.uint64_t(id)})
	})
}

func (o *SealOptions) set(f func(C.custodia_seal_options) C.custodia_status) error {
	defer keep(o)
	return call(func() C.custodia_status { return f(o.c()) })
}

// SetClassification sets the classification (at least the category's minimum).
func (o *SealOptions) SetClassification(c Classification) error {
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_classification(h, C.uint32_t(c))
	})
}

// SetCaseRef sets the case reference.
func (o *SealOptions) SetCaseRef(caseRef string) error {
	p, err := cstr(caseRef)
	if err != nil {
		return err
	}
	defer freeC(p)
	return o.set(func(h C.custodia_seal_options) C.custodia_status { return C.custodia_seal_options_set_case_ref(h, p) })
}

// SetJurisdictions sets the origin ("" for none) and the destinations the data may be opened in.
func (o *SealOptions) SetJurisdictions(origin string, destinations ...string) error {
	op, err := optCstr(origin)
	if err != nil {
		return err
	}
	defer freeC(op)
	ds, err := newCstrs(destinations)
	if err != nil {
		return err
	}
	defer ds.free()
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_jurisdictions(h, op, ds.array(), ds.n())
	})
}

// SetNotAfter sets the expiry (the zero time: never).
func (o *SealOptions) SetNotAfter(t time.Time) error {
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_not_after(h, C.uint64_t(unixOrZero(t)))
	})
}

// AddRecipient adds a key that can open the envelope.
func (o *SealOptions) AddRecipient(id KeyID) error {
	k := id.c()
	return o.set(func(h C.custodia_seal_options) C.custodia_status { return C.custodia_seal_options_add_recipient(h, &k) })
}

// SetSigner signs envelopes with one of the keyring's Ed25519 keys.
func (o *SealOptions) SetSigner(id KeyID) error {
	k := id.c()
	return o.set(func(h C.custodia_seal_options) C.custodia_status { return C.custodia_seal_options_set_signer(h, &k) })
}

// SetSender authenticates the sender with one of the keyring's X25519 keys.
func (o *SealOptions) SetSender(id KeyID) error {
	k := id.c()
	return o.set(func(h C.custodia_seal_options) C.custodia_status { return C.custodia_seal_options_set_sender(h, &k) })
}

// SetInstrument names the legal instrument, its reference and the transfer basis ("" for none).
func (o *SealOptions) SetInstrument(kind InstrumentKind, reference, transferBasis string) error {
	r, err := cstr(reference)
	if err != nil {
		return err
	}
	defer freeC(r)
	b, err := optCstr(transferBasis)
	if err != nil {
		return err
	}
	defer freeC(b)
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_instrument(h, C.uint32_t(kind), r, b)
	})
}

// SetChunkSize sets the chunk size of streamed envelopes.
func (o *SealOptions) SetChunkSize(size uint32) error {
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_chunk_size(h, C.uint32_t(size))
	})
}

// SetArmor makes Seal write the armored text form.
func (o *SealOptions) SetArmor(armor bool) error {
	return o.set(func(h C.custodia_seal_options) C.custodia_status {
		return C.custodia_seal_options_set_armor(h, C.bool(armor))
	})
}

func unixOrZero(t time.Time) uint64 {
	if t.IsZero() || t.Unix() <= 0 {
		return 0
	}
	return uint64(t.Unix())
}

func timeOrZero(v C.uint64_t) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}

func setSnapshotFinalizer(s *AuditSnapshot) { runtime.SetFinalizer(s, (*AuditSnapshot).Close) }
