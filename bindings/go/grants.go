package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"runtime"
	"time"
)

// Grant is an originator's grant (rule of speciality) as bytes: armored text as issued, or binary as an envelope
// header carries it.
type Grant []byte

// Text is the grant as text (the armored form as issued).
func (g Grant) Text() string { return string(g) }

// ID is the grant's id, 32 hex digits (custodia_grant_id).
func (g Grant) ID() (string, error) {
	var out [C.CUSTODIA_GRANT_ID_TEXT_SIZE]C.char
	if err := call(func() C.custodia_status {
		return C.custodia_grant_id(bytesPtr(g), C.size_t(len(g)), &out[0], C.CUSTODIA_GRANT_ID_TEXT_SIZE)
	}); err != nil {
		return "", err
	}
	runtime.KeepAlive(g)
	return C.GoString(&out[0]), nil
}

// IssuePurposeExtension grants, as the envelope's originator (signing with signer), that the object may also be
// used for purposes until notAfter (custodia_grant_issue_purpose_extension).
func (c *Custodian) IssuePurposeExtension(actor *Actor, signer KeyID, objectID string, purposes []string, notAfter time.Time, reference string) (Grant, error) {
	defer keep(c, actor)
	o, err := cstr(objectID)
	if err != nil {
		return nil, err
	}
	defer freeC(o)
	ps, err := newCstrs(purposes)
	if err != nil {
		return nil, err
	}
	defer ps.free()
	r, err := cstr(reference)
	if err != nil {
		return nil, err
	}
	defer freeC(r)
	s := signer.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_grant_issue_purpose_extension(c.c(), actor.c(), &s, o, ps.array(), ps.n(),
			C.uint64_t(unixOrZero(notAfter)), r, &buf)
	}); err != nil {
		return nil, err
	}
	return Grant(takeBytes(&buf)), nil
}

// IssueOnwardTransfer grants, as the envelope's originator, that the recipient may share the object onward to
// another authority's key (custodia_grant_issue_onward_transfer).
func (c *Custodian) IssueOnwardTransfer(actor *Actor, signer KeyID, objectID, authority, jurisdiction string, recipient KeyID, notAfter time.Time, reference string) (Grant, error) {
	defer keep(c, actor)
	cs, err := newCstrs([]string{objectID, authority, jurisdiction, reference})
	if err != nil {
		return nil, err
	}
	defer cs.free()
	s, rk := signer.c(), recipient.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_grant_issue_onward_transfer(c.c(), actor.c(), &s, cs.ptrs[0], cs.ptrs[1], cs.ptrs[2], &rk,
			C.uint64_t(unixOrZero(notAfter)), cs.ptrs[3], &buf)
	}); err != nil {
		return nil, err
	}
	return Grant(takeBytes(&buf)), nil
}

// ExtendPurposes applies a purpose extension grant: the envelope re-issued with the granted purposes
// (custodia_extend_purposes).
func (c *Custodian) ExtendPurposes(actor *Actor, envelope []byte, grant Grant) ([]byte, error) {
	defer keep(c, actor)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_extend_purposes(c.c(), actor.c(), bytesPtr(envelope), C.size_t(len(envelope)),
			bytesPtr(grant), C.size_t(len(grant)), &buf)
	}); err != nil {
		return nil, err
	}
	return takeBytes(&buf), nil
}

// RewrapWithGrant is Rewrap with the originator's grant for an onward transfer (custodia_rewrap_with_grant).
func (c *Custodian) RewrapWithGrant(actor *Actor, envelope []byte, purpose string, remove, add []KeyID, grant Grant) ([]byte, error) {
	defer keep(c, actor)
	p, err := cstr(purpose)
	if err != nil {
		return nil, err
	}
	defer freeC(p)
	rp, rn := cKeyIDs(remove)
	ap, an := cKeyIDs(add)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_rewrap_with_grant(c.c(), actor.c(), p, bytesPtr(envelope), C.size_t(len(envelope)), rp, rn,
			ap, an, bytesPtr(grant), C.size_t(len(grant)), &buf)
	}); err != nil {
		return nil, err
	}
	return takeBytes(&buf), nil
}
