package custodia

/*
#include <stdlib.h>
#include <string.h>
#include "custodia.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Durability is when an audit entry counts as written (custodia_durability).
type Durability uint32

// The durabilities.
const (
	// FsyncEach (the default): every entry is fdatasynced before its operation returns.
	FsyncEach Durability = C.CUSTODIA_DURABILITY_FSYNC_EACH
	// GroupCommit: concurrent operations share one sync; none returns before its own entry is synced.
	GroupCommit Durability = C.CUSTODIA_DURABILITY_GROUP_COMMIT
	// OSBuffered: entries are handed to the OS without waiting for the disk (a weaker promise).
	OSBuffered Durability = C.CUSTODIA_DURABILITY_OS_BUFFERED
)

// KDF are the Argon2id costs of a new passphrase keyring.
type KDF struct {
	MemoryKiB, Passes, Lanes uint32
}

// Options are how a custodian is opened. The zero value (or nil) opens an existing custodian with the defaults.
type Options struct {
	// Create makes a new custodian when none is at the path (parents are never created).
	Create bool
	// KDF sets the Argon2id costs of a new passphrase keyring (nil: 64 MiB, 3 passes).
	KDF *KDF
	// Durability of audit entries; MaxBatch and MaxDelay apply to GroupCommit.
	Durability Durability
	MaxBatch   int
	MaxDelay   time.Duration
	// Providers are host key services sealed to and opened through (asked in this order).
	Providers []KeyProvider
	// CaseKeys wraps per-case keys under a provider's key.
	CaseKeys *CaseKeys
	// Signers are Ed25519 keys held by the host (envelope signer, grants, receipts), by their key ids.
	Signers []Signer
	// AuditSigner signs the audit log's checkpoints with a key held by the host.
	AuditSigner Signer
	// AuditSinks receive every audit event; RequireAuditSinks fails an operation whose event a sink refused.
	AuditSinks        []AuditSink
	RequireAuditSinks bool
}

func (o *Options) build(hs *hostState) (C.custodia_custodian_options, error) {
	var h C.custodia_custodian_options
	if o == nil {
		return h, nil
	}
	if err := call(func() C.custodia_status { return C.custodia_custodian_options_new(&h) }); err != nil {
		return h, err
	}
	err := call(func() C.custodia_status { return C.custodia_custodian_options_set_create(h, C.bool(o.Create)) })
	if err == nil && o.KDF != nil {
		err = call(func() C.custodia_status {
			return C.custodia_custodian_options_set_kdf(h, C.uint32_t(o.KDF.MemoryKiB), C.uint32_t(o.KDF.Passes),
				C.uint32_t(o.KDF.Lanes))
		})
	}
	if err == nil && (o.Durability != FsyncEach || o.MaxBatch != 0 || o.MaxDelay != 0) {
		err = call(func() C.custodia_status {
			return C.custodia_custodian_options_set_durability(h, C.uint32_t(o.Durability), C.size_t(o.MaxBatch),
				C.uint32_t(o.MaxDelay/time.Microsecond))
		})
	}
	if err == nil {
		err = o.addHost(h, hs)
	}
	if err != nil {
		C.custodia_custodian_options_free(h)
	}
	return h, err
}

// Custodian is a keyring and audit log in one directory, and everything done with them. Usable from many
// goroutines at once. Close writes a closing checkpoint and frees it.
type Custodian struct {
	h    handle
	host *hostState // the audit sinks' handles, deleted once the custodian is freed
}

// OpenWithMasterKey opens (or with Options.Create makes) the custodian in dir, unlocked by a raw 32-byte master
// key (custodia_custodian_open_master_key).
func OpenWithMasterKey(dir string, masterKey []byte, opts *Options) (*Custodian, error) {
	d, err := cstr(dir)
	if err != nil {
		return nil, err
	}
	defer freeC(d)
	hs := &hostState{}
	o, err := opts.build(hs)
	if err != nil {
		hs.release()
		return nil, err
	}
	defer C.custodia_custodian_options_free(o)
	var out C.custodia_custodian
	if err := call(func() C.custodia_status {
		return C.custodia_custodian_open_master_key(d, bytesPtr(masterKey), C.size_t(len(masterKey)), o, &out)
	}); err != nil {
		hs.release()
		return nil, err
	}
	return newCustodian(out, hs), nil
}

// OpenWithPassphrase opens (or creates) the custodian in dir, unlocked by a passphrase
// (custodia_custodian_open_passphrase). The passphrase is copied into C memory for the call and wiped there; the
// caller wipes its own slice.
func OpenWithPassphrase(dir string, passphrase []byte, opts *Options) (*Custodian, error) {
	d, err := cstr(dir)
	if err != nil {
		return nil, err
	}
	defer freeC(d)
	for _, b := range passphrase {
		if b == 0 {
			return nil, newError(ErrInvalidArgument, "passphrase contains a NUL byte", nil)
		}
	}
	p := (*C.char)(C.calloc(C.size_t(len(passphrase)+1), 1))
	if len(passphrase) > 0 {
		C.memcpy(unsafe.Pointer(p), unsafe.Pointer(&passphrase[0]), C.size_t(len(passphrase)))
	}
	defer func() {
		wipe(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(passphrase)+1))
		C.free(unsafe.Pointer(p))
	}()
	hs := &hostState{}
	o, err := opts.build(hs)
	if err != nil {
		hs.release()
		return nil, err
	}
	defer C.custodia_custodian_options_free(o)
	var out C.custodia_custodian
	if err := call(func() C.custodia_status { return C.custodia_custodian_open_passphrase(d, p, o, &out) }); err != nil {
		hs.release()
		return nil, err
	}
	return newCustodian(out, hs), nil
}

func newCustodian(out C.custodia_custodian, hs *hostState) *Custodian {
	c := &Custodian{h: handle{uint64(out.id)}, host: hs}
	runtime.SetFinalizer(c, func(c *Custodian) { _ = c.free() })
	return c
}

func (c *Custodian) c() C.custodia_custodian {
	var h C.custodia_custodian
	if c != nil {
		h.id = C.uint64_t(c.h.get())
	}
	return h
}

func (c *Custodian) free() error {
	err := c.h.release(func(id uint64) C.custodia_status {
		return C.custodia_custodian_free(C.custodia_custodian{id: C.uint64_t(id)})
	})
	if err == nil {
		c.host.release()
	}
	return err
}

// Shutdown closes the custodian with a signed closing checkpoint and returns it as an anchor (JSON); later calls
// fail with ErrCustodianClosed except audit verification, its public key and inspection. The handle stays live
// until Close.
func (c *Custodian) Shutdown() (string, error) {
	defer keep(c)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_custodian_close(c.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// Close shuts the custodian down (a closing checkpoint, unless Shutdown ran already) and frees the handle.
// Idempotent; the handle is freed even when the checkpoint fails, whose error is returned.
func (c *Custodian) Close() error {
	if c.h.get() == 0 {
		return nil
	}
	runtime.SetFinalizer(c, nil)
	err := call(func() C.custodia_status { return C.custodia_custodian_close(c.c(), nil) })
	if e, ok := err.(Error); ok && e.Code() == ErrCustodianClosed {
		err = nil
	}
	if ferr := c.free(); err == nil {
		err = ferr
	}
	return err
}

// Seal encrypts data under the options' terms for their recipients; the envelope (binary, or armored text with
// SetArmor) is returned. The Go side sizes the output (custodia_seal_max_size) and the library writes into it
// (custodia_seal_into).
func (c *Custodian) Seal(actor *Actor, data []byte, opts *SealOptions) ([]byte, error) {
	defer keep(c, actor, opts)
	// Into a pooled scratch buffer (custodia_seal_into), copied out at the envelope's length: one C call per seal,
	// no custodia_seal_max_size call, and no buffer of that bound (about 66 KiB for 1 KiB of data) allocated,
	// zeroed and kept alive behind every envelope. When the buffer is too small the library seals and records
	// nothing and reports the size it needs.
	bp := sealScratch.Get().(*[]byte)
	defer sealScratch.Put(bp)
	out := *bp
	var n C.size_t
	var st C.custodia_status
	seal := func() C.custodia_status {
		st = C.custodia_seal_into(c.c(), actor.c(), bytesPtr(data), C.size_t(len(data)), opts.c(), bytesPtr(out),
			C.size_t(len(out)), &n)
		return st
	}
	err := call(seal)
	if st == C.CUSTODIA_ERR_BUFFER_TOO_SMALL {
		out = make([]byte, int(n))
		if len(out) <= scratchKeep {
			*bp = out
		}
		err = call(seal)
	}
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), out[:int(n)]...), nil
}

// sealScratch holds the buffers Seal has the library write envelopes into (not secret), scratchStart bytes at
// first, grown to what a seal needed up to scratchKeep.
var sealScratch = sync.Pool{New: func() any { b := make([]byte, scratchStart); return &b }}

const (
	scratchStart = 1 << 17
	scratchKeep  = 1 << 22
)

// OpenOption adds to an Open: an exception ground, a required signer.
type OpenOption func(*openArgs)

type openArgs struct {
	exception *ExceptionGround
	signer    *C.custodia_key_id
}

// WithException opens under an exception ground (for a purpose the data was not given for).
func WithException(e *ExceptionGround) OpenOption { return func(a *openArgs) { a.exception = e } }

// WithRequiredSigner refuses (ErrSignerMismatch) an envelope not signed by this key.
func WithRequiredSigner(id KeyID) OpenOption {
	return func(a *openArgs) {
		k := id.c()
		a.signer = &k
	}
}

func collect(opts []OpenOption) *openArgs {
	a := &openArgs{}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Open checks the policy gate for actor and purpose, decrypts the envelope and returns the plaintext in library
// memory (custodia_open). Close the result to wipe it.
func (c *Custodian) Open(actor *Actor, envelope []byte, purpose string, opts ...OpenOption) (*Opened, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return nil, err
	}
	defer freeC(p)
	buf := new(C.custodia_buffer)
	info := infoPool.Get().(*C.custodia_envelope_info) // ~9 KB: reused rather than garbage per open
	defer infoPool.Put(info)
	if err := call(func() C.custodia_status {
		return C.custodia_open(c.c(), actor.c(), p, a.exception.c(), bytesPtr(envelope), C.size_t(len(envelope)),
			a.signer, buf, info)
	}); err != nil {
		return nil, err
	}
	return &Opened{Data: newSensitive(buf), Info: envelopeInfo(info)}, nil
}

// infoPool holds envelope info structs (metadata only, no secret; every field is written by each successful call).
var infoPool = sync.Pool{New: func() any { return new(C.custodia_envelope_info) }}

// Recipient is one recipient stanza of an envelope: the key id and the stanza kind (1 KEK, 2 X25519, 3 X25519 with
// an authenticated sender, 4 X-Wing).
type Recipient struct {
	KeyID KeyID
	Kind  uint32
}

// EnvelopeInfo is an envelope's bound metadata, readable without a key.
type EnvelopeInfo struct {
	ObjectID            string
	Category            Category
	Classification      Classification
	Created             time.Time
	NotAfter            time.Time // zero: never
	Purposes            []string
	CaseRef             string
	Origin              string
	Destinations        []string
	Signer              *KeyID // nil: unsigned
	InstrumentKind      InstrumentKind
	InstrumentReference string
	TransferBasis       string
	Recipients          []Recipient
	GrantCount          int
}

func fields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

func envelopeInfo(i *C.custodia_envelope_info) EnvelopeInfo {
	out := EnvelopeInfo{
		ObjectID:            C.GoString(&i.object_id[0]),
		Category:            Category(i.category),
		Classification:      Classification(i.classification),
		Created:             timeOrZero(i.created),
		NotAfter:            timeOrZero(i.not_after),
		Purposes:            fields(C.GoString(&i.purposes[0])),
		CaseRef:             C.GoString(&i.case_ref[0]),
		Origin:              C.GoString(&i.origin[0]),
		Destinations:        fields(C.GoString(&i.destinations[0])),
		InstrumentKind:      InstrumentKind(i.instrument_kind),
		InstrumentReference: C.GoString(&i.instrument_reference[0]),
		TransferBasis:       C.GoString(&i.transfer_basis[0]),
		GrantCount:          int(i.grant_count),
	}
	if i.has_signer {
		k := fromCKeyID(&i.signer)
		out.Signer = &k
	}
	for n := 0; n < int(i.recipient_count) && n < len(i.recipients); n++ {
		out.Recipients = append(out.Recipients, Recipient{fromCKeyID(&i.recipients[n].key_id), uint32(i.recipients[n].kind)})
	}
	return out
}

// Inspect reads an envelope's metadata without opening it (no key touched, nothing recorded).
func (c *Custodian) Inspect(envelope []byte) (EnvelopeInfo, error) {
	defer keep(c)
	info := new(C.custodia_envelope_info)
	err := call(func() C.custodia_status {
		return C.custodia_envelope_inspect(c.c(), bytesPtr(envelope), C.size_t(len(envelope)), info)
	})
	if err != nil {
		return EnvelopeInfo{}, err
	}
	return envelopeInfo(info), nil
}

// Describe is the envelope's metadata as text (custodia_envelope_describe).
func (c *Custodian) Describe(envelope []byte) (string, error) {
	defer keep(c)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_envelope_describe(c.c(), bytesPtr(envelope), C.size_t(len(envelope)), &buf)
	}); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// EnvelopeGrant is the index-th originator's grant the envelope's header carries (custodia_envelope_grant).
func (c *Custodian) EnvelopeGrant(envelope []byte, index int) (Grant, error) {
	defer keep(c)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_envelope_grant(c.c(), bytesPtr(envelope), C.size_t(len(envelope)), C.size_t(index), &buf)
	}); err != nil {
		return nil, err
	}
	return Grant(takeBytes(&buf)), nil
}

// SealFile seals the file at src to dst in constant memory (custodia_seal_file).
func (c *Custodian) SealFile(actor *Actor, opts *SealOptions, src, dst string) error {
	defer keep(c, actor, opts)
	s, err := cstr(src)
	if err != nil {
		return err
	}
	defer freeC(s)
	d, err := cstr(dst)
	if err != nil {
		return err
	}
	defer freeC(d)
	err = call(func() C.custodia_status { return C.custodia_seal_file(c.c(), actor.c(), opts.c(), s, d) })
	return namePath(err, src+" -> "+dst)
}

// OpenFile opens the envelope at src to dst in constant memory (custodia_open_file); a refused or failed open
// leaves no file at dst.
func (c *Custodian) OpenFile(actor *Actor, src, dst, purpose string, opts ...OpenOption) (EnvelopeInfo, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return EnvelopeInfo{}, err
	}
	defer freeC(p)
	s, err := cstr(src)
	if err != nil {
		return EnvelopeInfo{}, err
	}
	defer freeC(s)
	d, err := cstr(dst)
	if err != nil {
		return EnvelopeInfo{}, err
	}
	defer freeC(d)
	info := new(C.custodia_envelope_info)
	if err := call(func() C.custodia_status {
		return C.custodia_open_file(c.c(), actor.c(), p, a.exception.c(), a.signer, s, d, info)
	}); err != nil {
		return EnvelopeInfo{}, namePath(err, src+" -> "+dst)
	}
	return envelopeInfo(info), nil
}

// Rewrap re-issues the envelope with keys removed and added, through the policy gate for actor and purpose
// (adding another authority's key needs mla.execution) (custodia_rewrap).
func (c *Custodian) Rewrap(actor *Actor, envelope []byte, purpose string, remove, add []KeyID) ([]byte, error) {
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
		return C.custodia_rewrap(c.c(), actor.c(), p, bytesPtr(envelope), C.size_t(len(envelope)), rp, rn, ap, an, &buf)
	}); err != nil {
		return nil, err
	}
	return takeBytes(&buf), nil
}

// RewrapRotated moves an envelope off rotated keys to their successors (custodia_rewrap_rotated; clearance only).
func (c *Custodian) RewrapRotated(actor *Actor, envelope []byte) ([]byte, error) {
	defer keep(c, actor)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_rewrap_rotated(c.c(), actor.c(), bytesPtr(envelope), C.size_t(len(envelope)), &buf)
	}); err != nil {
		return nil, err
	}
	return takeBytes(&buf), nil
}

// UnwrapAttempts is how many key unwraps the custodian has tried (custodia_custodian_unwrap_attempts): a refused
// open touches none.
func (c *Custodian) UnwrapAttempts() (uint64, error) {
	defer keep(c)
	var n C.uint64_t
	err := call(func() C.custodia_status { return C.custodia_custodian_unwrap_attempts(c.c(), &n) })
	return uint64(n), err
}

// Receive records an envelope's arrival (custodia_envelope_receive: checked, no key touched) and returns its
// metadata.
func (c *Custodian) Receive(actor *Actor, envelope []byte) (EnvelopeInfo, error) {
	defer keep(c, actor)
	info := new(C.custodia_envelope_info)
	if err := call(func() C.custodia_status {
		return C.custodia_envelope_receive(c.c(), actor.c(), bytesPtr(envelope), C.size_t(len(envelope)), info)
	}); err != nil {
		return EnvelopeInfo{}, err
	}
	return envelopeInfo(info), nil
}
