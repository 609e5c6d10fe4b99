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

// secretText runs f with text as a NUL-terminated copy in C memory, wiped and freed afterwards (for texts that hold
// values: an SD-JWT or a presentation). A NUL inside text is refused first.
func secretText(text []byte, f func(*C.char) error) error {
	for _, b := range text {
		if b == 0 {
			return newError(ErrInvalidArgument, "text contains a NUL byte", nil)
		}
	}
	p := (*C.char)(C.calloc(C.size_t(len(text)+1), 1))
	if len(text) > 0 {
		C.memcpy(unsafe.Pointer(p), unsafe.Pointer(&text[0]), C.size_t(len(text)))
	}
	defer func() {
		wipe(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(text)+1))
		C.free(unsafe.Pointer(p))
	}()
	return f(p)
}

// IssueSDJWT issues an SD-JWT of the record envelope (docs/FORMAT.md section 15), signed with this custodian's
// Ed25519 key signer (custodia_sd_jwt_issue). The record is opened first as OpenRecord does, as actor for purpose
// (WithException applies; WithRequiredSigner is not used): only the fields actor may open get a disclosure, the
// others count as withheld. Recorded (selective_disclosure). The text, <jwt>~<d1>~...~<dn>~, holds every disclosed
// value: it stays in the library's memory (wipe it); pass its Expose() to Present.
func (c *Custodian) IssueSDJWT(actor *Actor, envelope []byte, purpose string, signer KeyID, opts ...OpenOption) (*Sensitive, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return nil, err
	}
	defer freeC(p)
	k := signer.c()
	buf := new(C.custodia_buffer)
	if err := call(func() C.custodia_status {
		return C.custodia_sd_jwt_issue(c.c(), actor.c(), p, a.exception.c(), bytesPtr(envelope), C.size_t(len(envelope)), &k, buf)
	}); err != nil {
		return nil, err
	}
	return newSensitive(buf), nil
}

// Present makes a presentation of sdJWT (from IssueSDJWT by a key of this custodian) holding only the named fields
// (each once, each one the SD-JWT discloses), for audience (who receives it, "FR-PNF") and purpose
// (custodia_sd_jwt_present). The SD-JWT is verified first. Recorded (which fields, to whom, for which purpose). The
// presentation, <jwt>~<d1>~...~, stays in the library's memory (wipe it once sent). sdJWT is copied into C memory
// for the call and wiped there.
func (c *Custodian) Present(actor *Actor, sdJWT []byte, fieldNames []string, audience, purpose string) (*Sensitive, error) {
	defer keep(c, actor)
	args, err := newCstrs([]string{audience, purpose})
	if err != nil {
		return nil, err
	}
	defer args.free()
	names, err := newCstrs(fieldNames)
	if err != nil {
		return nil, err
	}
	defer names.free()
	buf := new(C.custodia_buffer)
	err = secretText(sdJWT, func(t *C.char) error {
		return call(func() C.custodia_status {
			return C.custodia_sd_jwt_present(c.c(), actor.c(), t, names.array(), names.n(), args.ptrs[0], args.ptrs[1], buf)
		})
	})
	if err != nil {
		return nil, err
	}
	return newSensitive(buf), nil
}

// Presentation is a verified SD-JWT presentation (custodia_presentation): the issuer's signed claims and the names
// of the disclosed fields. The values stay in the library's memory until asked for (JSON); Close wipes them.
// String, GoString and Format never show a value.
type Presentation struct {
	h handle
	// ObjectID is the record envelope's object id (32 lowercase hex digits).
	ObjectID string
	// CaseRef is the case the envelope was sealed for ("" for none).
	CaseRef string
	// Issuer is the id of the Ed25519 key that signed it.
	Issuer   KeyID
	IssuedAt time.Time
	// FieldCount is how many fields the record has; WithheldCount how many of them the presentation does not show
	// (never which).
	FieldCount, WithheldCount int
	// Names are the disclosed fields' names, in name order.
	Names []string
}

// VerifyPresentation verifies a presentation (or a whole SD-JWT) of custodia's profile with the issuer's public key
// alone, no custodian needed: issuerPublicKey is the text form of its Ed25519 key (Custodian.ExportPublic)
// (custodia_sd_jwt_verify). ErrSignatureInvalid for a signature that does not verify (another issuer's key, an
// altered or foreign disclosure), ErrMalformed for a text not of the profile, ErrInvalidKeyText, ErrLimitExceeded.
// The text is copied into C memory for the call and wiped there. Close the result to wipe the values.
func VerifyPresentation(presentation []byte, issuerPublicKey string) (*Presentation, error) {
	k, err := cstr(issuerPublicKey)
	if err != nil {
		return nil, err
	}
	defer freeC(k)
	var out C.custodia_presentation
	if err := secretText(presentation, func(t *C.char) error {
		return call(func() C.custodia_status { return C.custodia_sd_jwt_verify(t, k, &out) })
	}); err != nil {
		return nil, err
	}
	p := &Presentation{h: handle{uint64(out.id)}}
	runtime.SetFinalizer(p, (*Presentation).Close)
	if err := p.read(); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Presentation) c() C.custodia_presentation {
	var h C.custodia_presentation
	if p != nil {
		h.id = C.uint64_t(p.h.get())
	}
	return h
}

func (p *Presentation) read() error {
	var total, withheld, disclosed C.size_t
	if err := call(func() C.custodia_status {
		return C.custodia_presentation_counts(p.c(), &total, &withheld, &disclosed)
	}); err != nil {
		return err
	}
	p.FieldCount, p.WithheldCount = int(total), int(withheld)
	var issuer C.custodia_key_id
	if err := call(func() C.custodia_status { return C.custodia_presentation_issuer(p.c(), &issuer) }); err != nil {
		return err
	}
	p.Issuer = fromCKeyID(&issuer)
	var at C.uint64_t
	if err := call(func() C.custodia_status { return C.custodia_presentation_issued_at(p.c(), &at) }); err != nil {
		return err
	}
	p.IssuedAt = time.Unix(int64(at), 0).UTC()
	var buf C.custodia_buffer
	if err := call(func() C.custodia_status { return C.custodia_presentation_object_id(p.c(), &buf) }); err != nil {
		return err
	}
	p.ObjectID = takeText(&buf)
	if err := call(func() C.custodia_status { return C.custodia_presentation_case_ref(p.c(), &buf) }); err != nil {
		return err
	}
	p.CaseRef = takeText(&buf)
	p.Names = make([]string, 0, int(disclosed))
	for i := 0; i < int(disclosed); i++ {
		var name, value C.custodia_buffer
		if err := call(func() C.custodia_status {
			return C.custodia_presentation_field(p.c(), C.size_t(i), &name, &value)
		}); err != nil {
			return err
		}
		C.custodia_buffer_free(&value) // wiped: the value is read again by JSON when asked for
		p.Names = append(p.Names, takeText(&name))
	}
	return nil
}

// JSON is the value of the disclosed field name as one JSON value in the library's memory, in the form of
// OpenedRecord.JSON (custodia_presentation_field). A field the presentation does not show is ErrInvalidArgument.
func (p *Presentation) JSON(name string) (*Sensitive, error) {
	defer keep(p)
	for i, n := range p.Names {
		if n != name {
			continue
		}
		var nameBuf C.custodia_buffer
		value := new(C.custodia_buffer)
		if err := call(func() C.custodia_status {
			return C.custodia_presentation_field(p.c(), C.size_t(i), &nameBuf, value)
		}); err != nil {
			return nil, err
		}
		C.custodia_buffer_free(&nameBuf)
		return newSensitive(value), nil
	}
	return nil, newError(ErrInvalidArgument, "the presentation does not disclose "+name, nil)
}

// Close frees the presentation, wiping every value the library holds (idempotent).
func (p *Presentation) Close() error {
	return p.h.release(func(id uint64) C.custodia_status {
		return C.custodia_presentation_free(C.custodia_presentation{id: C.uint64_t(id)})
	})
}

// String shows the claims and the disclosed names, never a value.
func (p *Presentation) String() string {
	return fmt.Sprintf("Presentation(object_id=%s, case_ref=%q, issuer=%s, disclosed=[%s], withheld_count=%d)",
		p.ObjectID, p.CaseRef, p.Issuer, strings.Join(p.Names, " "), p.WithheldCount)
}

// GoString is String.
func (p *Presentation) GoString() string { return "custodia." + p.String() }

// Format is String, whatever the verb.
func (p *Presentation) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, p.GoString())
		return
	}
	_, _ = io.WriteString(f, p.String())
}
