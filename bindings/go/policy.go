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

// AccessPolicy is a validated access policy (need-to-know, transfer rules, four eyes; docs/POLICY.md).
type AccessPolicy struct{ h handle }

func newPolicy(out C.custodia_access_policy) *AccessPolicy {
	p := &AccessPolicy{handle{uint64(out.id)}}
	runtime.SetFinalizer(p, (*AccessPolicy).Close)
	return p
}

// ParseAccessPolicy validates a policy's TOML text (custodia_access_policy_parse); ErrPolicyInvalid gives the line
// and column.
func ParseAccessPolicy(toml string) (*AccessPolicy, error) {
	t, err := cstr(toml)
	if err != nil {
		return nil, err
	}
	defer freeC(t)
	var out C.custodia_access_policy
	if err := call(func() C.custodia_status { return C.custodia_access_policy_parse(t, &out) }); err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// LoadAccessPolicy reads and validates a policy file (custodia_access_policy_load_file).
func LoadAccessPolicy(path string) (*AccessPolicy, error) {
	p, err := cstr(path)
	if err != nil {
		return nil, err
	}
	defer freeC(p)
	var out C.custodia_access_policy
	if err := call(func() C.custodia_status { return C.custodia_access_policy_load_file(p, &out) }); err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

func (p *AccessPolicy) c() C.custodia_access_policy {
	var h C.custodia_access_policy
	if p != nil {
		h.id = C.uint64_t(p.h.get())
	}
	return h
}

// SHA256 is the policy's SHA-256 (hex), as the audit log records it.
func (p *AccessPolicy) SHA256() (string, error) {
	defer keep(p)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_access_policy_sha256(p.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// Close releases the policy (idempotent).
func (p *AccessPolicy) Close() error {
	return p.h.release(func(id uint64) C.custodia_status {
		return C.custodia_access_policy_free(C.custodia_access_policy{id: C.uint64_t(id)})
	})
}

// SetAccessPolicy puts a policy in force, written to the directory and audited as policy_changed.
func (c *Custodian) SetAccessPolicy(actor *Actor, policy *AccessPolicy) error {
	defer keep(c, actor, policy)
	return call(func() C.custodia_status { return C.custodia_custodian_set_access_policy(c.c(), actor.c(), policy.c()) })
}

// ApproveException signs a four-eyes approval, by approver with the keyring's Ed25519 key, of an exception that
// actorID may state to open objectID for purpose; the text goes to ExceptionGround.WithApproval
// (custodia_custodian_approve_exception).
func (c *Custodian) ApproveException(approver *Actor, signingKey KeyID, objectID, actorID, purpose string, kind ExceptionKind, reference string, notAfter time.Time) (string, error) {
	defer keep(c, approver)
	cs, err := newCstrs([]string{objectID, actorID, purpose, reference})
	if err != nil {
		return "", err
	}
	defer cs.free()
	k := signingKey.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_custodian_approve_exception(c.c(), approver.c(), &k, cs.ptrs[0], cs.ptrs[1], cs.ptrs[2],
			C.uint32_t(kind), cs.ptrs[3], C.uint64_t(unixOrZero(notAfter)), &buf)
	}); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}
