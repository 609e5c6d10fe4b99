package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import "time"

// AuditReport is what audit verification found.
type AuditReport struct {
	Entries, Checkpoints, Erasures, Recoveries, UnsealedTail uint64
	LastCheckpoint                                           *uint64 // nil: no checkpoint yet
	Head                                                     string
	Anchors                                                  uint64
}

// VerifyAudit verifies the whole audit log (hash chain, sequence, signatures) and that it still holds the prefix
// each anchor (JSON) pins (custodia_audit_verify). Works on a closed custodian.
func (c *Custodian) VerifyAudit(anchors ...string) (AuditReport, error) {
	defer keep(c)
	as, err := newCstrs(anchors)
	if err != nil {
		return AuditReport{}, err
	}
	defer as.free()
	var r C.custodia_audit_report
	if err := call(func() C.custodia_status { return C.custodia_audit_verify(c.c(), as.array(), as.n(), &r) }); err != nil {
		return AuditReport{}, err
	}
	out := AuditReport{Entries: uint64(r.entries), Checkpoints: uint64(r.checkpoints), Erasures: uint64(r.erasures),
		Recoveries: uint64(r.recoveries), UnsealedTail: uint64(r.unsealed_tail), Head: C.GoString(&r.head[0]),
		Anchors: uint64(r.anchors)}
	if r.has_last_checkpoint {
		v := uint64(r.last_checkpoint)
		out.LastCheckpoint = &v
	}
	return out, nil
}

func (c *Custodian) text(f func(C.custodia_custodian, *C.custodia_buffer) C.custodia_status) (string, error) {
	defer keep(c)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return f(c.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// AuditPublicKey is the audit key's text form: what verifies anchors and erasure certificates without a custodian.
func (c *Custodian) AuditPublicKey() (string, error) {
	return c.text(func(h C.custodia_custodian, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_audit_public_key(h, b)
	})
}

// Checkpoint writes a signed checkpoint and returns it as an anchor (JSON) for another authority to keep.
func (c *Custodian) Checkpoint() (string, error) {
	return c.text(func(h C.custodia_custodian, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_audit_checkpoint(h, b)
	})
}

// CountersignAnchor verifies another authority's anchor with its audit key and counter-signs it with the keyring's
// Ed25519 key witness (custodia_anchor_countersign).
func (c *Custodian) CountersignAnchor(actor *Actor, anchor, theirAuditKey string, witness KeyID) (string, error) {
	defer keep(c, actor)
	cs, err := newCstrs([]string{anchor, theirAuditKey})
	if err != nil {
		return "", err
	}
	defer cs.free()
	w := witness.c()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_anchor_countersign(c.c(), actor.c(), cs.ptrs[0], cs.ptrs[1], &w, &buf)
	}); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// VerifyAnchor checks an anchor against an audit key and, unless witnessKey is "", a witness's counter-signature
// (custodia_anchor_verify).
func VerifyAnchor(anchor, auditKey, witnessKey string) error {
	cs, err := newCstrs([]string{anchor, auditKey})
	if err != nil {
		return err
	}
	defer cs.free()
	w, err := optCstr(witnessKey)
	if err != nil {
		return err
	}
	defer freeC(w)
	return call(func() C.custodia_status { return C.custodia_anchor_verify(cs.ptrs[0], cs.ptrs[1], w) })
}

// VerifyErasureCertificate checks an erasure certificate with the audit key's text alone.
func VerifyErasureCertificate(certificate, auditKey string) error {
	cs, err := newCstrs([]string{certificate, auditKey})
	if err != nil {
		return err
	}
	defer cs.free()
	return call(func() C.custodia_status { return C.custodia_erasure_certificate_verify(cs.ptrs[0], cs.ptrs[1]) })
}

// AnchorInfo is what an anchor says (signatures unchecked).
type AnchorInfo struct {
	LogID     string
	Count     uint64
	Head      string
	Witnesses int
}

// InspectAnchor reads an anchor with the library's parser (custodia_anchor_inspect).
func InspectAnchor(anchor string) (AnchorInfo, error) {
	a, err := cstr(anchor)
	if err != nil {
		return AnchorInfo{}, err
	}
	defer freeC(a)
	var i C.custodia_anchor_info
	if err := call(func() C.custodia_status { return C.custodia_anchor_inspect(a, &i) }); err != nil {
		return AnchorInfo{}, err
	}
	return AnchorInfo{LogID: C.GoString(&i.log_id[0]), Count: uint64(i.count), Head: C.GoString(&i.head[0]),
		Witnesses: int(i.witness_count)}, nil
}

// ErasureCertificateInfo is what an erasure certificate says (signature unchecked).
type ErasureCertificateInfo struct {
	LogID     string
	Seq       uint64
	Time      time.Time
	CaseRef   string
	Reason    string
	Envelopes *uint64
	Keys      []KeyID
}

// InspectErasureCertificate reads a certificate with the library's parser (custodia_erasure_certificate_inspect).
func InspectErasureCertificate(certificate string) (ErasureCertificateInfo, error) {
	p, err := cstr(certificate)
	if err != nil {
		return ErasureCertificateInfo{}, err
	}
	defer freeC(p)
	info := new(C.custodia_erasure_certificate_info)
	keys := make([]C.custodia_key_id, C.CUSTODIA_ERASURE_MAX_KEYS)
	if err := call(func() C.custodia_status {
		return C.custodia_erasure_certificate_inspect(p, info, &keys[0], C.size_t(len(keys)))
	}); err != nil {
		return ErasureCertificateInfo{}, err
	}
	out := ErasureCertificateInfo{LogID: C.GoString(&info.log_id[0]), Seq: uint64(info.seq), Time: timeOrZero(info.time),
		CaseRef: C.GoString(&info.case_ref[0]), Reason: C.GoString(&info.reason[0])}
	if info.has_envelopes {
		v := uint64(info.envelopes)
		out.Envelopes = &v
	}
	for i := 0; i < int(info.key_count) && i < len(keys); i++ {
		out.Keys = append(out.Keys, fromCKeyID(&keys[i]))
	}
	return out, nil
}

// MerkleProve is an inclusion bundle for one entry of the custodian's own log (custodia_audit_merkle_prove).
func (c *Custodian) MerkleProve(seq uint64) (string, error) {
	return c.text(func(h C.custodia_custodian, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_audit_merkle_prove(h, C.uint64_t(seq), b)
	})
}

// VerifyMerkleInclusion checks an inclusion bundle with the audit key's text alone and returns the entry's line.
func VerifyMerkleInclusion(bundle, auditKey string) (string, error) {
	cs, err := newCstrs([]string{bundle, auditKey})
	if err != nil {
		return "", err
	}
	defer cs.free()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_audit_merkle_verify_inclusion(cs.ptrs[0], cs.ptrs[1], &buf)
	}); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// AuditQuery filters audit entries; empty fields and zero times filter nothing; Until is exclusive.
type AuditQuery struct {
	CaseRef, Object, ActorID string
	Kinds                    []string
	From, Until              time.Time
}

// AuditEntry is one audit log entry (its hash checked, not the chain: VerifyAudit first when it must be trusted).
type AuditEntry struct {
	Seq                                         uint64
	Time                                        time.Time
	Kind, ActorID, ActorRole, ActorJurisdiction string
	CaseRef, Object, Purpose, Outcome           string
	JSON                                        string
}

// AuditSnapshot is a snapshot of the matching entries; Close releases it.
type AuditSnapshot struct{ h handle }

// QueryAudit takes a snapshot of the entries matching q (custodia_audit_query). Works on a closed custodian.
func (c *Custodian) QueryAudit(q AuditQuery) (*AuditSnapshot, error) {
	defer keep(c)
	var ptrs [3]*C.char
	for i, s := range []string{q.CaseRef, q.Object, q.ActorID} {
		p, err := optCstr(s)
		if err != nil {
			return nil, err
		}
		defer freeC(p)
		ptrs[i] = p
	}
	ks, err := newCstrs(q.Kinds)
	if err != nil {
		return nil, err
	}
	defer ks.free()
	var out C.custodia_audit_entries
	if err := call(func() C.custodia_status {
		return C.custodia_audit_query(c.c(), ptrs[0], ptrs[1], ptrs[2], ks.array(), ks.n(),
			C.uint64_t(unixOrZero(q.From)), C.uint64_t(unixOrZero(q.Until)), &out)
	}); err != nil {
		return nil, err
	}
	s := &AuditSnapshot{handle{uint64(out.id)}}
	setSnapshotFinalizer(s)
	return s, nil
}

func (s *AuditSnapshot) c() C.custodia_audit_entries {
	var h C.custodia_audit_entries
	if s != nil {
		h.id = C.uint64_t(s.h.get())
	}
	return h
}

// Close releases the snapshot (idempotent).
func (s *AuditSnapshot) Close() error {
	return s.h.release(func(id uint64) C.custodia_status {
		return C.custodia_audit_entries_free(C.custodia_audit_entries{id: C.uint64_t(id)})
	})
}

// Entries are the snapshot's entries.
func (s *AuditSnapshot) Entries() ([]AuditEntry, error) {
	defer keep(s)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_audit_entries_len(s.c(), &n) }); err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, int(n))
	for i := 0; i < int(n); i++ {
		var e C.custodia_audit_entry
		if err := call(func() C.custodia_status { return C.custodia_audit_entries_get(s.c(), C.size_t(i), &e) }); err != nil {
			return nil, err
		}
		out = append(out, auditEntry(&e))
	}
	return out, nil
}

// CSV is the snapshot as docs/AUDIT.md's CSV, and its row count.
func (s *AuditSnapshot) CSV() (string, uint64, error) {
	defer keep(s)
	var buf C.custodia_buffer
	var rows C.uint64_t
	if err := call(func() C.custodia_status { return C.custodia_audit_entries_csv(s.c(), &buf, &rows) }); err != nil {
		return "", 0, err
	}
	return takeText(&buf), uint64(rows), nil
}

// WriteCSV writes the CSV to a file created 0600 (or truncated) and synced; it returns the row count.
func (s *AuditSnapshot) WriteCSV(path string) (uint64, error) {
	defer keep(s)
	p, err := cstr(path)
	if err != nil {
		return 0, err
	}
	defer freeC(p)
	var rows C.uint64_t
	err = call(func() C.custodia_status { return C.custodia_audit_entries_write_csv(s.c(), p, &rows) })
	return uint64(rows), err
}

// MemoryProtection is the protection of the process's long-lived secrets (custodia_memory_status).
type MemoryProtection struct {
	LockedBytes, UnlockedBytes, LockFailures, DontdumpFailures, LiveSecrets uint64
	// Dumpable: 1 the process may leave a core dump, 0 it may not, -1 unknown.
	Dumpable int32
}

// MemoryStatus reports how the secrets in memory are protected.
func MemoryStatus() (MemoryProtection, error) {
	var m C.custodia_memory_protection
	if err := call(func() C.custodia_status { return C.custodia_memory_status(&m) }); err != nil {
		return MemoryProtection{}, err
	}
	return MemoryProtection{LockedBytes: uint64(m.locked_bytes), UnlockedBytes: uint64(m.unlocked_bytes),
		LockFailures: uint64(m.lock_failures), DontdumpFailures: uint64(m.dontdump_failures),
		LiveSecrets: uint64(m.live_secrets), Dumpable: int32(m.dumpable)}, nil
}

// DisableCoreDumps makes the process leave no core dump (custodia_disable_core_dumps).
func DisableCoreDumps() error {
	return call(func() C.custodia_status { return C.custodia_disable_core_dumps() })
}

func auditEntry(e *C.custodia_audit_entry) AuditEntry {
	return AuditEntry{Seq: uint64(e.seq), Time: timeOrZero(e.time), Kind: goStr(e.kind),
		ActorID: goStr(e.actor_id), ActorRole: goStr(e.actor_role), ActorJurisdiction: goStr(e.actor_jurisdiction),
		CaseRef: goStr(e.case_ref), Object: goStr(e.object), Purpose: goStr(e.purpose), Outcome: goStr(e.outcome),
		JSON: goStr(e.json)}
}
