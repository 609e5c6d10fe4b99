package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"strings"
	"time"
)

// GenerateKey makes a new key of a kind in the keyring (custodia_key_generate).
func (c *Custodian) GenerateKey(actor *Actor, kind KeyKind, label string) (KeyID, error) {
	defer keep(c, actor)
	l, err := cstr(label)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(l)
	var id C.custodia_key_id
	err = call(func() C.custodia_status { return C.custodia_key_generate(c.c(), actor.c(), C.uint32_t(kind), l, &id) })
	return fromCKeyID(&id), err
}

// KeyForCase is the case's own key, made on first use, with a retention deadline (zero time: none)
// (custodia_key_for_case).
func (c *Custodian) KeyForCase(actor *Actor, caseRef string, destroyAfter time.Time) (KeyID, error) {
	defer keep(c, actor)
	r, err := cstr(caseRef)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(r)
	var id C.custodia_key_id
	err = call(func() C.custodia_status {
		return C.custodia_key_for_case(c.c(), actor.c(), r, C.uint64_t(unixOrZero(destroyAfter)), &id)
	})
	return fromCKeyID(&id), err
}

// KeyInfo is everything public about one key.
type KeyInfo struct {
	ID                KeyID
	Kind              KeyKind
	State             KeyState
	Label             string
	CaseRef           string
	Created           time.Time
	DestroyAfter      time.Time
	DestroyedAt       time.Time
	HasSecret         bool
	RotatedFrom       *KeyID
	RotatedTo         *KeyID
	Jurisdiction      string
	Authority         string
	NotBefore         time.Time
	NotAfter          time.Time
	RevokedAt         time.Time
	RevokedReason     string
	CompromisedAt     time.Time
	CompromisedReason string
}

// Keys lists the keyring's keys (custodia_key_list_*).
func (c *Custodian) Keys() ([]KeyInfo, error) {
	defer keep(c)
	var list C.custodia_key_list
	if err := call(func() C.custodia_status { return C.custodia_key_list_new(c.c(), &list) }); err != nil {
		return nil, err
	}
	defer C.custodia_key_list_free(list)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_key_list_len(list, &n) }); err != nil {
		return nil, err
	}
	out := make([]KeyInfo, 0, int(n))
	for i := 0; i < int(n); i++ {
		var k C.custodia_key_info
		if err := call(func() C.custodia_status { return C.custodia_key_list_get(list, C.size_t(i), &k) }); err != nil {
			return nil, err
		}
		info := KeyInfo{
			ID: fromCKeyID(&k.key_id), Kind: KeyKind(k.kind), State: KeyState(k.state), Label: goStr(k.label),
			CaseRef: goStr(k.case_ref), Created: timeOrZero(k.created), DestroyAfter: timeOrZero(k.destroy_after),
			DestroyedAt: timeOrZero(k.destroyed_at), HasSecret: bool(k.has_secret),
			Jurisdiction: goStr(k.jurisdiction), Authority: goStr(k.authority), NotBefore: timeOrZero(k.not_before),
			NotAfter: timeOrZero(k.not_after), RevokedAt: timeOrZero(k.revoked_at),
			RevokedReason: goStr(k.revoked_reason), CompromisedAt: timeOrZero(k.compromised_at),
			CompromisedReason: goStr(k.compromised_reason),
		}
		if k.has_rotated_from {
			id := fromCKeyID(&k.rotated_from)
			info.RotatedFrom = &id
		}
		if k.has_rotated_to {
			id := fromCKeyID(&k.rotated_to)
			info.RotatedTo = &id
		}
		out = append(out, info)
	}
	return out, nil
}

// Key is one key's info, or ErrKeyNotFound.
func (c *Custodian) Key(id KeyID) (KeyInfo, error) {
	keys, err := c.Keys()
	if err != nil {
		return KeyInfo{}, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return KeyInfo{}, newError(ErrKeyNotFound, "no key "+id.String()+" in the keyring", nil)
}

// ExportPublic is the public key text of an asymmetric key (custodia_key_export_public).
func (c *Custodian) ExportPublic(id KeyID) (string, error) {
	defer keep(c)
	k := id.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_key_export_public(c.c(), &k, &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// ImportPublic imports another authority's public key with its jurisdiction ("" for none)
// (custodia_key_import_public).
func (c *Custodian) ImportPublic(actor *Actor, keyText, label, jurisdiction string) (KeyID, error) {
	defer keep(c, actor)
	t, err := cstr(keyText)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(t)
	l, err := cstr(label)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(l)
	j, err := optCstr(jurisdiction)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(j)
	var id C.custodia_key_id
	err = call(func() C.custodia_status { return C.custodia_key_import_public(c.c(), actor.c(), t, l, j, &id) })
	return fromCKeyID(&id), err
}

// ImportAuthority imports another authority's public key with the authority's name, jurisdiction and validity
// period (zero times: open-ended) (custodia_key_import_authority).
func (c *Custodian) ImportAuthority(actor *Actor, keyText, label, authority, jurisdiction string, notBefore, notAfter time.Time) (KeyID, error) {
	defer keep(c, actor)
	cs, err := newCstrs([]string{keyText, label, authority, jurisdiction})
	if err != nil {
		return KeyID{}, err
	}
	defer cs.free()
	var id C.custodia_key_id
	err = call(func() C.custodia_status {
		return C.custodia_key_import_authority(c.c(), actor.c(), cs.ptrs[0], cs.ptrs[1], cs.ptrs[2], cs.ptrs[3],
			C.uint64_t(unixOrZero(notBefore)), C.uint64_t(unixOrZero(notAfter)), &id)
	})
	return fromCKeyID(&id), err
}

func (c *Custodian) keyReason(actor *Actor, id KeyID, reason string,
	f func(C.custodia_custodian, C.custodia_actor, *C.custodia_key_id, *C.char) C.custodia_status) error {
	defer keep(c, actor)
	r, err := cstr(reason)
	if err != nil {
		return err
	}
	defer freeC(r)
	k := id.c()
	return call(func() C.custodia_status { return f(c.c(), actor.c(), &k, r) })
}

// RevokeKey revokes another authority's key: nothing new is sealed or shared to it (custodia_key_revoke).
func (c *Custodian) RevokeKey(actor *Actor, id KeyID, reason string) error {
	return c.keyReason(actor, id, reason, func(h C.custodia_custodian, a C.custodia_actor, k *C.custodia_key_id, r *C.char) C.custodia_status {
		return C.custodia_key_revoke(h, a, k, r)
	})
}

// MarkCompromised marks a key compromised: it seals, signs and receives nothing new (custodia_key_mark_compromised).
func (c *Custodian) MarkCompromised(actor *Actor, id KeyID, reason string) error {
	return c.keyReason(actor, id, reason, func(h C.custodia_custodian, a C.custodia_actor, k *C.custodia_key_id, r *C.char) C.custodia_status {
		return C.custodia_key_mark_compromised(h, a, k, r)
	})
}

// CompromiseReport is the breach-response report of a key (custodia_key_compromise_report).
func (c *Custodian) CompromiseReport(id KeyID) (string, error) {
	defer keep(c)
	k := id.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_key_compromise_report(c.c(), &k, &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// RotateKey replaces a key by a new one; the old one becomes decrypt-only (custodia_key_rotate).
func (c *Custodian) RotateKey(actor *Actor, id KeyID) (KeyID, error) {
	defer keep(c, actor)
	k := id.c()
	var out C.custodia_key_id
	err := call(func() C.custodia_status { return C.custodia_key_rotate(c.c(), actor.c(), &k, &out) })
	return fromCKeyID(&out), err
}

// DestroyKey crypto-shreds a key and returns the signed erasure certificate (JSON) (custodia_key_destroy).
func (c *Custodian) DestroyKey(actor *Actor, id KeyID, reason string) (string, error) {
	defer keep(c, actor)
	r, err := cstr(reason)
	if err != nil {
		return "", err
	}
	defer freeC(r)
	k := id.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_key_destroy(c.c(), actor.c(), &k, r, &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// SetRetention sets a key's retention deadline (zero time: none) (custodia_key_set_retention).
func (c *Custodian) SetRetention(actor *Actor, id KeyID, destroyAfter time.Time) error {
	defer keep(c, actor)
	k := id.c()
	return call(func() C.custodia_status {
		return C.custodia_key_set_retention(c.c(), actor.c(), &k, C.uint64_t(unixOrZero(destroyAfter)))
	})
}

// ShredResult is what ShredExpired did.
type ShredResult struct {
	Destroyed, Held int
	// Certificates are the erasure certificates (JSON), one per destroyed key's erasure.
	Certificates []string
}

// ShredExpired destroys every key past its retention deadline that no legal hold keeps (custodia_key_shred_expired).
func (c *Custodian) ShredExpired(actor *Actor) (ShredResult, error) {
	defer keep(c, actor)
	var d, h C.size_t
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_key_shred_expired(c.c(), actor.c(), &d, &h, &buf) }); err != nil {
		return ShredResult{}, err
	}
	r := ShredResult{Destroyed: int(d), Held: int(h)}
	for _, line := range strings.Split(takeText(&buf), "\n") {
		if line != "" {
			r.Certificates = append(r.Certificates, line)
		}
	}
	return r, nil
}

// PlaceLegalHold keeps a case's keys from destruction (custodia_legal_hold_place).
func (c *Custodian) PlaceLegalHold(actor *Actor, caseRef, reference, reason string) error {
	defer keep(c, actor)
	cs, err := newCstrs([]string{caseRef, reference, reason})
	if err != nil {
		return err
	}
	defer cs.free()
	return call(func() C.custodia_status {
		return C.custodia_legal_hold_place(c.c(), actor.c(), cs.ptrs[0], cs.ptrs[1], cs.ptrs[2])
	})
}

// ReleaseLegalHold releases a case's legal hold (custodia_legal_hold_release).
func (c *Custodian) ReleaseLegalHold(actor *Actor, caseRef string) error {
	defer keep(c, actor)
	r, err := cstr(caseRef)
	if err != nil {
		return err
	}
	defer freeC(r)
	return call(func() C.custodia_status { return C.custodia_legal_hold_release(c.c(), actor.c(), r) })
}

// LegalHold is one legal hold in force and the keys it keeps.
type LegalHold struct {
	CaseRef, Reference, Reason, SetBy string
	SetAt                             time.Time
	Keys                              []KeyID
}

// LegalHolds lists the legal holds in force (custodia_legal_hold_list_*).
func (c *Custodian) LegalHolds() ([]LegalHold, error) {
	defer keep(c)
	var list C.custodia_legal_hold_list
	if err := call(func() C.custodia_status { return C.custodia_legal_hold_list_new(c.c(), &list) }); err != nil {
		return nil, err
	}
	defer C.custodia_legal_hold_list_free(list)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_legal_hold_list_len(list, &n) }); err != nil {
		return nil, err
	}
	var out []LegalHold
	for i := 0; i < int(n); i++ {
		var h C.custodia_legal_hold
		if err := call(func() C.custodia_status { return C.custodia_legal_hold_list_get(list, C.size_t(i), &h) }); err != nil {
			return nil, err
		}
		lh := LegalHold{CaseRef: goStr(h.case_ref), Reference: goStr(h.reference), Reason: goStr(h.reason),
			SetBy: goStr(h.set_by), SetAt: timeOrZero(h.set_at)}
		if h.key_count > 0 {
			for _, k := range unsafeKeys(h.keys, int(h.key_count)) {
				lh.Keys = append(lh.Keys, fromCKeyID(&k))
			}
		}
		out = append(out, lh)
	}
	return out, nil
}
