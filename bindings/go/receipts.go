package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"time"
)

// ReceiptItemKind is what a receipt item says happened.
type ReceiptItemKind uint32

// The receipt item kinds.
const (
	ItemReceived      ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_RECEIVED
	ItemOpened        ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_OPENED
	ItemExceptionUsed ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_EXCEPTION_USED
	ItemShared        ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_SHARED
	ItemRewrapped     ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_REWRAPPED
	ItemDestroyed     ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_DESTROYED
	ItemRefused       ReceiptItemKind = C.CUSTODIA_RECEIPT_ITEM_KIND_REFUSED
)

var itemKindNames = map[ReceiptItemKind]string{ItemReceived: "received", ItemOpened: "opened",
	ItemExceptionUsed: "exception_used", ItemShared: "shared", ItemRewrapped: "rewrapped", ItemDestroyed: "destroyed",
	ItemRefused: "refused"}

// String is the kind's stable name ("opened"); the library has no name function for these, so the names are the
// header's (docs/FORMAT.md §12).
func (k ReceiptItemKind) String() string {
	if n, ok := itemKindNames[k]; ok {
		return n
	}
	return "unknown_" + itoa(uint64(k))
}

// ReceiptField names a field of a receipt item.
type ReceiptField uint32

// The receipt fields.
const (
	FieldPurpose                  ReceiptField = C.CUSTODIA_RECEIPT_FIELD_PURPOSE
	FieldRole                     ReceiptField = C.CUSTODIA_RECEIPT_FIELD_ROLE
	FieldActor                    ReceiptField = C.CUSTODIA_RECEIPT_FIELD_ACTOR
	FieldJurisdiction             ReceiptField = C.CUSTODIA_RECEIPT_FIELD_JURISDICTION
	FieldExceptionKind            ReceiptField = C.CUSTODIA_RECEIPT_FIELD_EXCEPTION_KIND
	FieldExceptionReference       ReceiptField = C.CUSTODIA_RECEIPT_FIELD_EXCEPTION_REFERENCE
	FieldGrant                    ReceiptField = C.CUSTODIA_RECEIPT_FIELD_GRANT
	FieldGrantReference           ReceiptField = C.CUSTODIA_RECEIPT_FIELD_GRANT_REFERENCE
	FieldRecipients               ReceiptField = C.CUSTODIA_RECEIPT_FIELD_RECIPIENTS
	FieldKey                      ReceiptField = C.CUSTODIA_RECEIPT_FIELD_KEY
	FieldErasureCertificate       ReceiptField = C.CUSTODIA_RECEIPT_FIELD_ERASURE_CERTIFICATE
	FieldErasureCertificateSHA256 ReceiptField = C.CUSTODIA_RECEIPT_FIELD_ERASURE_CERTIFICATE_SHA256
	FieldRefusal                  ReceiptField = C.CUSTODIA_RECEIPT_FIELD_REFUSAL
	FieldOperation                ReceiptField = C.CUSTODIA_RECEIPT_FIELD_OPERATION
)

// ReceiptItem is one thing a receipt says happened, with the fields present.
type ReceiptItem struct {
	Kind   ReceiptItemKind
	At     time.Time
	Fields map[ReceiptField]string
}

// Receipt is a disclosure receipt whose signature was checked against the key it names (whether that key is the
// recipient authority's is what Verify or Custodian.ImportReceipt check). Close releases it.
type Receipt struct{ h handle }

func newReceipt(out C.custodia_receipt) *Receipt {
	r := &Receipt{handle{uint64(out.id)}}
	runtime.SetFinalizer(r, (*Receipt).Close)
	return r
}

func (r *Receipt) c() C.custodia_receipt {
	var h C.custodia_receipt
	if r != nil {
		h.id = C.uint64_t(r.h.get())
	}
	return h
}

// Close releases the receipt (idempotent).
func (r *Receipt) Close() error {
	return r.h.release(func(id uint64) C.custodia_status {
		return C.custodia_receipt_free(C.custodia_receipt{id: C.uint64_t(id)})
	})
}

// ParseReceipt reads an armored receipt and checks its signature against the key it names (custodia_receipt_parse).
func ParseReceipt(text string) (*Receipt, error) {
	t, err := cstr(text)
	if err != nil {
		return nil, err
	}
	defer freeC(t)
	var out C.custodia_receipt
	if err := call(func() C.custodia_status { return C.custodia_receipt_parse(t, &out) }); err != nil {
		return nil, err
	}
	return newReceipt(out), nil
}

// Verify checks that the receipt is signed by this public key (the issuer's text form) (custodia_receipt_verify).
func (r *Receipt) Verify(publicKey string) error {
	defer keep(r)
	k, err := cstr(publicKey)
	if err != nil {
		return err
	}
	defer freeC(k)
	return call(func() C.custodia_status { return C.custodia_receipt_verify(r.c(), k) })
}

// Armored is the receipt's armored text (custodia_receipt_armor).
func (r *Receipt) Armored() (string, error) {
	defer keep(r)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_receipt_armor(r.c(), &buf) }); err != nil {
		return "", err
	}
	return takeText(&buf), nil
}

// ReceiptHeader is what a receipt is about and who issued it when.
type ReceiptHeader struct {
	ObjectID, CaseRef string
	Issuer            KeyID
	IssuedAt          time.Time
}

// Header is the receipt's object, case, issuer and time (custodia_receipt_describe).
func (r *Receipt) Header() (ReceiptHeader, error) {
	defer keep(r)
	var o, cr C.custodia_buffer
	var issuer C.custodia_key_id
	var at C.uint64_t
	if err := call(func() C.custodia_status { return C.custodia_receipt_describe(r.c(), &o, &cr, &issuer, &at) }); err != nil {
		return ReceiptHeader{}, err
	}
	return ReceiptHeader{ObjectID: takeText(&o), CaseRef: takeText(&cr), Issuer: fromCKeyID(&issuer),
		IssuedAt: timeOrZero(at)}, nil
}

// Items are the receipt's items with their fields, in order.
func (r *Receipt) Items() ([]ReceiptItem, error) {
	defer keep(r)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_receipt_item_count(r.c(), &n) }); err != nil {
		return nil, err
	}
	var out []ReceiptItem
	for i := 0; i < int(n); i++ {
		var kind C.uint32_t
		var at C.uint64_t
		if err := call(func() C.custodia_status { return C.custodia_receipt_item_get(r.c(), C.size_t(i), &kind, &at) }); err != nil {
			return nil, err
		}
		item := ReceiptItem{Kind: ReceiptItemKind(kind), At: timeOrZero(at), Fields: map[ReceiptField]string{}}
		for f := FieldPurpose; f <= FieldOperation; f++ {
			var present C.bool
			var buf C.custodia_buffer
			if err := call(func() C.custodia_status {
				return C.custodia_receipt_item_field(r.c(), C.size_t(i), C.uint32_t(f), &present, &buf)
			}); err != nil {
				return nil, err
			}
			v := takeText(&buf)
			if present {
				item.Fields[f] = v
			}
		}
		out = append(out, item)
	}
	return out, nil
}

// Kinds are the names of the items' kinds, in order.
func (r *Receipt) Kinds() ([]string, error) {
	defer keep(r)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_receipt_item_count(r.c(), &n) }); err != nil {
		return nil, err
	}
	out := make([]string, 0, int(n))
	for i := 0; i < int(n); i++ {
		var kind C.uint32_t
		var at C.uint64_t
		if err := call(func() C.custodia_status { return C.custodia_receipt_item_get(r.c(), C.size_t(i), &kind, &at) }); err != nil {
			return nil, err
		}
		out = append(out, ReceiptItemKind(kind).String())
	}
	return out, nil
}

// ReceiptOptions are what a receipt shows; the zero value names no actor and includes refusals (as the other
// bindings do by default).
type ReceiptOptions struct {
	// NameActors puts the actors' ids in the items (roles and jurisdictions are always there).
	NameActors bool
	// OmitRefusals leaves the refusals out.
	OmitRefusals bool
}

// IssueReceipt signs a disclosure receipt for a received object from the audit log (custodia_receipt_issue).
func (c *Custodian) IssueReceipt(actor *Actor, objectID string, signer KeyID, opts ReceiptOptions) (*Receipt, error) {
	defer keep(c, actor)
	o, err := cstr(objectID)
	if err != nil {
		return nil, err
	}
	defer freeC(o)
	s := signer.c()
	var out C.custodia_receipt
	if err := call(func() C.custodia_status {
		return C.custodia_receipt_issue(c.c(), actor.c(), o, &s, C.bool(opts.NameActors), C.bool(!opts.OmitRefusals), &out)
	}); err != nil {
		return nil, err
	}
	return newReceipt(out), nil
}

// ImportReceipt verifies a receipt against the imported signing keys, records and keeps it (custodia_receipt_import).
func (c *Custodian) ImportReceipt(actor *Actor, text string) (*Receipt, error) {
	defer keep(c, actor)
	t, err := cstr(text)
	if err != nil {
		return nil, err
	}
	defer freeC(t)
	var out C.custodia_receipt
	if err := call(func() C.custodia_status { return C.custodia_receipt_import(c.c(), actor.c(), t, &out) }); err != nil {
		return nil, err
	}
	return newReceipt(out), nil
}

// ReceiptsForObject are the kept receipts for an object, each armored (custodia_receipt_find_by_object).
func (c *Custodian) ReceiptsForObject(objectID string) ([]string, error) {
	return c.findReceipts(objectID, true)
}

// ReceiptsForCase are the kept receipts for a case, each armored (custodia_receipt_find_by_case).
func (c *Custodian) ReceiptsForCase(caseRef string) ([]string, error) {
	return c.findReceipts(caseRef, false)
}

const receiptBegin = "-----BEGIN CUSTODIA RECEIPT-----"

func (c *Custodian) findReceipts(key string, object bool) ([]string, error) {
	defer keep(c)
	k, err := cstr(key)
	if err != nil {
		return nil, err
	}
	defer freeC(k)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		if object {
			return C.custodia_receipt_find_by_object(c.c(), k, &buf)
		}
		return C.custodia_receipt_find_by_case(c.c(), k, &buf)
	}); err != nil {
		return nil, err
	}
	var out []string
	for _, part := range strings.Split(takeText(&buf), receiptBegin)[1:] {
		out = append(out, receiptBegin+part)
	}
	return out, nil
}
