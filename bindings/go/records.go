package custodia

/*
#include <stdlib.h>
#include <string.h>
#include "custodia.h"
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// FieldKind is the type of a record field's value (CUSTODIA_FIELD_*).
type FieldKind uint32

// The field kinds.
const (
	FieldText    FieldKind = C.CUSTODIA_FIELD_TEXT
	FieldInteger FieldKind = C.CUSTODIA_FIELD_INTEGER
	FieldDate    FieldKind = C.CUSTODIA_FIELD_DATE
	FieldBytes   FieldKind = C.CUSTODIA_FIELD_BYTES
	FieldNested  FieldKind = C.CUSTODIA_FIELD_NESTED
)

// String is the kind's name: "text", "integer", "date", "bytes" or "nested".
func (k FieldKind) String() string {
	switch k {
	case FieldText:
		return "text"
	case FieldInteger:
		return "integer"
	case FieldDate:
		return "date"
	case FieldBytes:
		return "bytes"
	case FieldNested:
		return "nested"
	}
	return "kind(" + itoa(uint64(k)) + ")"
}

// MaskRule is the rule an access policy's [[mask]] applied to a field (CUSTODIA_MASK_*); 0 for none.
type MaskRule uint32

// The mask rules (docs/POLICY.md "Masked views of record fields").
const (
	NoMask              MaskRule = 0
	MaskIBAN            MaskRule = C.CUSTODIA_MASK_IBAN
	MaskLastThreeDigits MaskRule = C.CUSTODIA_MASK_LAST_THREE_DIGITS
	MaskInitials        MaskRule = C.CUSTODIA_MASK_INITIALS
	MaskYear            MaskRule = C.CUSTODIA_MASK_YEAR
)

// String is the rule's name in the access policy: "iban", "last_three_digits", "initials", "year" ("" for none).
func (m MaskRule) String() string {
	switch m {
	case NoMask:
		return ""
	case MaskIBAN:
		return "iban"
	case MaskLastThreeDigits:
		return "last_three_digits"
	case MaskInitials:
		return "initials"
	case MaskYear:
		return "year"
	}
	return "mask(" + itoa(uint64(m)) + ")"
}

// FieldOption sets a record field's terms beyond its category: FieldClassification, FieldPurposes.
type FieldOption func(*fieldTerms)

type fieldTerms struct {
	classification C.uint32_t
	purposes       []string
}

// FieldClassification holds the field at this classification (default: its category's minimum).
func FieldClassification(c Classification) FieldOption {
	return func(t *fieldTerms) { t.classification = C.uint32_t(c) }
}

// FieldPurposes opens the field only for these purposes of its own (each one the envelope's purposes permit when
// sealed; default: the envelope's).
func FieldPurposes(purposes ...string) FieldOption {
	return func(t *fieldTerms) { t.purposes = append([]string(nil), purposes...) }
}

// Record is a record being built (custodia_record): named, typed fields (text, integer, date, bytes, nested), each
// with its own category, classification and purposes, sealed together as one envelope by Custodian.SealRecord
// (docs/FORMAT.md section 14). Values are copied into the library at once; Close wipes them there. A refused adder
// leaves the record as it was. Usable from several goroutines.
type Record struct{ h handle }

// NewRecord makes an empty record (custodia_record_new). Close it when done.
func NewRecord() (*Record, error) {
	var out C.custodia_record
	if err := call(func() C.custodia_status { return C.custodia_record_new(&out) }); err != nil {
		return nil, err
	}
	r := &Record{handle{uint64(out.id)}}
	runtime.SetFinalizer(r, (*Record).Close)
	return r, nil
}

func (r *Record) c() C.custodia_record {
	var h C.custodia_record
	if r != nil {
		h.id = C.uint64_t(r.h.get())
	}
	return h
}

// Close frees the record, wiping every value it holds (idempotent).
func (r *Record) Close() error {
	return r.h.release(func(id uint64) C.custodia_status {
		return C.custodia_record_free(C.custodia_record{id: C.uint64_t(id)})
	})
}

// String never shows a value.
func (r *Record) String() string { return "custodia.Record(values redacted)" }

// GoString never shows a value.
func (r *Record) GoString() string { return r.String() }

// add runs one adder with the name and the terms in C memory.
func (r *Record) add(name string, category Category, opts []FieldOption,
	f func(C.custodia_record, *C.char, C.uint32_t, C.uint32_t, **C.char, C.size_t) C.custodia_status) error {
	defer keep(r)
	t := fieldTerms{classification: C.CUSTODIA_CLASSIFICATION_MINIMUM}
	for _, o := range opts {
		o(&t)
	}
	n, err := cstr(name)
	if err != nil {
		return err
	}
	defer freeC(n)
	ps, err := newCstrs(t.purposes)
	if err != nil {
		return err
	}
	defer ps.free()
	return call(func() C.custodia_status {
		return f(r.c(), n, C.uint32_t(category), t.classification, ps.array(), ps.n())
	})
}

// AddText adds the text field name (1 to 64 bytes: a-z, then a-z, 0-9, _) holding value (UTF-8) of category
// (custodia_record_add_text). The text is copied into C memory for the call and wiped there.
func (r *Record) AddText(name, value string, category Category, opts ...FieldOption) error {
	p := C.CString(value) // C memory: a NUL inside the text is kept, its length is passed
	defer func() {
		wipe(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(value)+1))
		C.free(unsafe.Pointer(p))
	}()
	return r.add(name, category, opts, func(h C.custodia_record, n *C.char, cat, cl C.uint32_t, ps **C.char, pn C.size_t) C.custodia_status {
		return C.custodia_record_add_text(h, n, (*C.uint8_t)(unsafe.Pointer(p)), C.size_t(len(value)), cat, cl, ps, pn)
	})
}

// AddInteger adds the integer field name holding value (custodia_record_add_integer).
func (r *Record) AddInteger(name string, value int64, category Category, opts ...FieldOption) error {
	return r.add(name, category, opts, func(h C.custodia_record, n *C.char, cat, cl C.uint32_t, ps **C.char, pn C.size_t) C.custodia_status {
		return C.custodia_record_add_integer(h, n, C.int64_t(value), cat, cl, ps, pn)
	})
}

// AddDate adds the date field name holding the calendar date of date in its own location (year 1 to 9999)
// (custodia_record_add_date).
func (r *Record) AddDate(name string, date time.Time, category Category, opts ...FieldOption) error {
	y, m, d := date.Date()
	if y < 1 || y > 9999 {
		return newError(ErrInvalidArgument, "a record date's year is 1 to 9999", nil)
	}
	text := []byte(fmt.Sprintf("%04d-%02d-%02d\x00", y, int(m), d))
	defer wipe(text)
	return r.add(name, category, opts, func(h C.custodia_record, n *C.char, cat, cl C.uint32_t, ps **C.char, pn C.size_t) C.custodia_status {
		return C.custodia_record_add_date(h, n, (*C.char)(unsafe.Pointer(&text[0])), cat, cl, ps, pn)
	})
}

// AddBytes adds the bytes field name holding value (custodia_record_add_bytes; the library copies it, the
// caller wipes its own slice).
func (r *Record) AddBytes(name string, value []byte, category Category, opts ...FieldOption) error {
	return r.add(name, category, opts, func(h C.custodia_record, n *C.char, cat, cl C.uint32_t, ps **C.char, pn C.size_t) C.custodia_status {
		return C.custodia_record_add_bytes(h, n, bytesPtr(value), C.size_t(len(value)), cat, cl, ps, pn)
	})
}

// AddNested adds the nested field name whose named values are inner's fields (their values only: inner's
// categories, classifications and purposes are not kept; the nested value is opened or withheld as one field
// under category and opts). inner is not changed (close it as usual). Nesting is at most 4 deep
// (custodia_record_add_nested).
func (r *Record) AddNested(name string, inner *Record, category Category, opts ...FieldOption) error {
	defer keep(inner)
	return r.add(name, category, opts, func(h C.custodia_record, n *C.char, cat, cl C.uint32_t, ps **C.char, pn C.size_t) C.custodia_status {
		return C.custodia_record_add_nested(h, n, inner.c(), cat, cl, ps, pn)
	})
}

// SealRecord seals record as one envelope under opts (the envelope's own category, classification, purposes,
// recipients, ...), as actor (custodia_seal_record). ErrClearanceInsufficient when actor is not cleared for a
// field; ErrInvalidArgument for an empty record or a field purpose the envelope's purposes do not permit.
func (c *Custodian) SealRecord(actor *Actor, record *Record, opts *SealOptions) ([]byte, error) {
	defer keep(c, actor, record, opts)
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_seal_record(c.c(), actor.c(), record.c(), opts.c(), &buf)
	}); err != nil {
		return nil, err
	}
	return takeBytes(&buf), nil
}

// RecordField is what an opened record says of one field, whatever this reader may see of it. It never holds the
// value.
type RecordField struct {
	Name           string
	Category       Category
	Classification Classification
	Kind           FieldKind
	// Purposes are the field's own purposes; nil when the envelope's apply.
	Purposes []string
	// Withheld is nil for a disclosed field; otherwise the refusal of its value (a *RefusalError:
	// ErrClearanceInsufficient, ErrPurposeNotPermitted, ErrRoleNotPermitted, ...), which every getter returns.
	Withheld error
	// Mask is the rule of a masked view (a withheld field the access policy masks for this reader), else NoMask.
	Mask MaskRule
	// MaskedText is the masked view ("NL91 **** **** **** 4300", "A. J."), made inside the library; never the value.
	MaskedText string
}

// IsDisclosed is whether this reader got the value.
func (f *RecordField) IsDisclosed() bool { return f.Withheld == nil }

// IsMasked is whether this reader got only a masked view (MaskedText).
func (f *RecordField) IsMasked() bool { return f.Withheld != nil && f.Mask != NoMask }

// IsWithheld is whether this reader got nothing of the value (neither disclosed nor masked).
func (f *RecordField) IsWithheld() bool { return f.Withheld != nil && f.Mask == NoMask }

// OpenedRecord is a record as one reader opened it (custodia_opened_record): every field, in name order, disclosed,
// masked or withheld. The values stay in the library's memory until asked for; the getters return text, bytes and
// JSON as *Sensitive (wipe each), and a withheld or masked field's refusal. Close wipes every value the library
// holds. String, GoString and Format show field names only.
type OpenedRecord struct {
	h handle
	// Fields are the record's fields in name order.
	Fields []RecordField
	// Info is the envelope's metadata.
	Info  EnvelopeInfo
	index map[string]int
}

// OpenRecord opens a record envelope field by field as actor for purpose (custodia_open_record). The envelope's
// own terms pass the gate first: a refusal there is the error, as for Open. Then each field passes on its own
// terms; a field that does not is withheld (RecordField.Withheld), not an error. ErrInvalidArgument for an envelope
// that is not a record. Close the result to wipe the values.
func (c *Custodian) OpenRecord(actor *Actor, envelope []byte, purpose string, opts ...OpenOption) (*OpenedRecord, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return nil, err
	}
	defer freeC(p)
	var out C.custodia_opened_record
	info := infoPool.Get().(*C.custodia_envelope_info)
	defer infoPool.Put(info)
	if err := call(func() C.custodia_status {
		return C.custodia_open_record(c.c(), actor.c(), p, a.exception.c(), bytesPtr(envelope), C.size_t(len(envelope)),
			a.signer, &out, info)
	}); err != nil {
		return nil, err
	}
	r := &OpenedRecord{h: handle{uint64(out.id)}, Info: envelopeInfo(info), index: map[string]int{}}
	runtime.SetFinalizer(r, (*OpenedRecord).Close)
	if err := r.read(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

func (r *OpenedRecord) c() C.custodia_opened_record {
	var h C.custodia_opened_record
	if r != nil {
		h.id = C.uint64_t(r.h.get())
	}
	return h
}

// read takes every field's terms, and the refusal or masked view of those this reader may not see.
func (r *OpenedRecord) read() error {
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_opened_record_len(r.c(), &n) }); err != nil {
		return err
	}
	r.Fields = make([]RecordField, 0, int(n))
	for i := 0; i < int(n); i++ {
		var f C.custodia_record_field
		if err := call(func() C.custodia_status { return C.custodia_opened_record_field(r.c(), C.size_t(i), &f) }); err != nil {
			return err
		}
		rf := RecordField{Name: goStr(f.name), Category: Category(f.category), Classification: Classification(f.classification),
			Kind: FieldKind(f.kind), Purposes: fields(goStr(f.purposes)), Mask: MaskRule(f.mask)}
		switch {
		case f.withheld != C.CUSTODIA_OK && f.mask != 0:
			// The text getter gives the masked view (never the value) of a masked field.
			var buf C.custodia_buffer
			if err := call(func() C.custodia_status { return C.custodia_opened_record_text(r.c(), C.size_t(i), &buf) }); err != nil {
				return err
			}
			rf.MaskedText = takeText(&buf)
			rf.Withheld = newError(Status(f.withheld), "field "+rf.Name+" is masked for this reader", nil)
		case f.withheld != C.CUSTODIA_OK:
			// The getter returns the refusal again, with the library's message naming the field.
			var buf C.custodia_buffer
			err := call(func() C.custodia_status { return C.custodia_opened_record_json(r.c(), C.size_t(i), &buf) })
			if err == nil { // cannot happen: the library returns a withheld field's refusal
				C.custodia_buffer_free(&buf)
				err = newError(Status(f.withheld), "field "+rf.Name+" is withheld", nil)
			}
			rf.Withheld = err
		}
		r.index[rf.Name] = i
		r.Fields = append(r.Fields, rf)
	}
	return nil
}

// Close frees the opened record, wiping every value the library holds (idempotent). Values already taken
// (*Sensitive) are wiped by their own Close.
func (r *OpenedRecord) Close() error {
	return r.h.release(func(id uint64) C.custodia_status {
		return C.custodia_opened_record_free(C.custodia_opened_record{id: C.uint64_t(id)})
	})
}

// Field is the field named name, or nil.
func (r *OpenedRecord) Field(name string) *RecordField {
	if i, ok := r.index[name]; ok {
		return &r.Fields[i]
	}
	return nil
}

func (r *OpenedRecord) names(keep func(*RecordField) bool) []string {
	out := []string{}
	for i := range r.Fields {
		if keep(&r.Fields[i]) {
			out = append(out, r.Fields[i].Name)
		}
	}
	return out
}

// Disclosed are the names of the fields this reader got in the clear, in name order.
func (r *OpenedRecord) Disclosed() []string { return r.names((*RecordField).IsDisclosed) }

// Withheld are the names of the fields withheld from this reader (not masked), in name order.
func (r *OpenedRecord) Withheld() []string { return r.names((*RecordField).IsWithheld) }

// Masked are the names of the fields this reader got a masked view of, in name order.
func (r *OpenedRecord) Masked() []string { return r.names((*RecordField).IsMasked) }

// value finds a disclosed field: an unknown name is ErrInvalidArgument, a withheld or masked field its refusal.
func (r *OpenedRecord) value(name string) (C.size_t, error) {
	f := r.Field(name)
	if f == nil {
		return 0, newError(ErrInvalidArgument, "the record has no field "+name, nil)
	}
	if f.Withheld != nil {
		return 0, f.Withheld
	}
	return C.size_t(r.index[name]), nil
}

func (r *OpenedRecord) buffer(name string, get func(C.custodia_opened_record, C.size_t, *C.custodia_buffer) C.custodia_status) (*Sensitive, error) {
	defer keep(r)
	i, err := r.value(name)
	if err != nil {
		return nil, err
	}
	buf := new(C.custodia_buffer)
	if err := call(func() C.custodia_status { return get(r.c(), i, buf) }); err != nil {
		return nil, err
	}
	return newSensitive(buf), nil
}

// Text is the value of a text or date field (a date as YYYY-MM-DD), UTF-8 in the library's memory
// (custodia_opened_record_text). A withheld or masked field returns its refusal; another type ErrInvalidArgument.
func (r *OpenedRecord) Text(name string) (*Sensitive, error) {
	return r.buffer(name, func(h C.custodia_opened_record, i C.size_t, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_opened_record_text(h, i, b)
	})
}

// Bytes is the value of a bytes field in the library's memory (custodia_opened_record_bytes).
func (r *OpenedRecord) Bytes(name string) (*Sensitive, error) {
	return r.buffer(name, func(h C.custodia_opened_record, i C.size_t, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_opened_record_bytes(h, i, b)
	})
}

// JSON is the value of any field as one JSON value in the library's memory (custodia_opened_record_json):
// {"text":"..."}, {"integer":n}, {"date":"YYYY-MM-DD"}, {"bytes":"<hex>"} or {"nested":{"<name>":<value>,...}}.
func (r *OpenedRecord) JSON(name string) (*Sensitive, error) {
	return r.buffer(name, func(h C.custodia_opened_record, i C.size_t, b *C.custodia_buffer) C.custodia_status {
		return C.custodia_opened_record_json(h, i, b)
	})
}

// Integer is the value of an integer field (custodia_opened_record_integer). An int64 is a Go value, which Go
// cannot wipe.
func (r *OpenedRecord) Integer(name string) (int64, error) {
	defer keep(r)
	i, err := r.value(name)
	if err != nil {
		return 0, err
	}
	var v C.int64_t
	err = call(func() C.custodia_status { return C.custodia_opened_record_integer(r.c(), i, &v) })
	return int64(v), err
}

// Date is the value of a date field as midnight UTC of that day. A time.Time is a Go value, which Go cannot wipe;
// Text keeps the date in the library's memory.
func (r *OpenedRecord) Date(name string) (time.Time, error) {
	if f := r.Field(name); f != nil && f.Withheld == nil && f.Kind != FieldDate {
		return time.Time{}, newError(ErrInvalidArgument, "field "+name+" is not a date", nil)
	}
	s, err := r.Text(name)
	if err != nil {
		return time.Time{}, err
	}
	defer s.Wipe()
	b := s.Expose()
	num := func(from, to int) int {
		v := 0
		for _, c := range b[from:to] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, newError(ErrInternal, "a date field that is not YYYY-MM-DD", nil)
	}
	return time.Date(num(0, 4), time.Month(num(5, 7)), num(8, 10), 0, 0, 0, 0, time.UTC), nil
}

// String shows the field names of each outcome, never a value or a masked view.
func (r *OpenedRecord) String() string {
	return fmt.Sprintf("OpenedRecord(disclosed=[%s], masked=[%s], withheld=[%s])", strings.Join(r.Disclosed(), " "),
		strings.Join(r.Masked(), " "), strings.Join(r.Withheld(), " "))
}

// GoString is String.
func (r *OpenedRecord) GoString() string { return "custodia." + r.String() }

// Format is String, whatever the verb.
func (r *OpenedRecord) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, r.GoString())
		return
	}
	_, _ = io.WriteString(f, r.String())
}

// Pseudonymize gives the keyed pseudonyms (32 lowercase hex digits) of values within caseRef and domain ("person",
// "iban", ...; a-z, 0-9, _, .): the same value (white space and case normalized) gets the same pseudonym in one case
// and domain, unrelated ones elsewhere; destroying the case's key destroys the linkability. actor, stating purpose,
// passes the gate for data of category in the case. Recorded (count and domain, never the values)
// (custodia_pseudonymize). The values are copied into C memory for the call and wiped there.
func (c *Custodian) Pseudonymize(actor *Actor, purpose, caseRef string, category Category, domain string, values []string) ([]string, error) {
	defer keep(c, actor)
	args, err := newCstrs([]string{purpose, caseRef, domain})
	if err != nil {
		return nil, err
	}
	defer args.free()
	vs, err := newCstrs(values)
	if err != nil {
		return nil, err
	}
	defer vs.wipeAndFree()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status {
		return C.custodia_pseudonymize(c.c(), actor.c(), args.ptrs[0], args.ptrs[1], C.uint32_t(category), args.ptrs[2],
			vs.array(), vs.n(), &buf)
	}); err != nil {
		return nil, err
	}
	out := strings.Split(takeText(&buf), "\n")
	return out[:len(out)-1], nil // one per line, each line ended by \n
}

// ResolvePseudonym is the index of the candidate whose pseudonym in caseRef and domain is pseudonym, or -1 when
// none is: the audited way back from a pseudonym to a value the caller holds (custodia_resolve_pseudonym; recorded,
// never a value). Gate and errors as Pseudonymize.
func (c *Custodian) ResolvePseudonym(actor *Actor, purpose, caseRef string, category Category, domain, pseudonym string, candidates []string) (int, error) {
	defer keep(c, actor)
	args, err := newCstrs([]string{purpose, caseRef, domain, pseudonym})
	if err != nil {
		return -1, err
	}
	defer args.free()
	vs, err := newCstrs(candidates)
	if err != nil {
		return -1, err
	}
	defer vs.wipeAndFree()
	var index C.size_t
	if err := call(func() C.custodia_status {
		return C.custodia_resolve_pseudonym(c.c(), actor.c(), args.ptrs[0], args.ptrs[1], C.uint32_t(category),
			args.ptrs[2], args.ptrs[3], vs.array(), vs.n(), &index)
	}); err != nil {
		return -1, err
	}
	if index == ^C.size_t(0) {
		return -1, nil
	}
	return int(index), nil
}

// wipeAndFree zeroizes each string in C memory, then frees them (for values that may be personal data).
func (cs *cstrs) wipeAndFree() {
	for _, p := range cs.ptrs {
		C.memset(unsafe.Pointer(p), 0, C.strlen(p))
	}
	cs.free()
}
