package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"encoding/hex"
	"unsafe"
)

// Category is what sensitive data is (custodia_category).
type Category uint32

// The categories.
const (
	PersonalIdentity       Category = C.CUSTODIA_CATEGORY_PERSONAL_IDENTITY
	ContactDetails         Category = C.CUSTODIA_CATEGORY_CONTACT_DETAILS
	FinancialRecords       Category = C.CUSTODIA_CATEGORY_FINANCIAL_RECORDS
	Biometric              Category = C.CUSTODIA_CATEGORY_BIOMETRIC
	Health                 Category = C.CUSTODIA_CATEGORY_HEALTH
	CommunicationsContent  Category = C.CUSTODIA_CATEGORY_COMMUNICATIONS_CONTENT
	CommunicationsMetadata Category = C.CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA
	Evidence               Category = C.CUSTODIA_CATEGORY_EVIDENCE
	PrivilegedLegal        Category = C.CUSTODIA_CATEGORY_PRIVILEGED_LEGAL
	InvestigativeNotes     Category = C.CUSTODIA_CATEGORY_INVESTIGATIVE_NOTES
	WitnessIdentity        Category = C.CUSTODIA_CATEGORY_WITNESS_IDENTITY
	CaseAdministration     Category = C.CUSTODIA_CATEGORY_CASE_ADMINISTRATION
)

// Categories lists every category.
var Categories = []Category{PersonalIdentity, ContactDetails, FinancialRecords, Biometric, Health,
	CommunicationsContent, CommunicationsMetadata, Evidence, PrivilegedLegal, InvestigativeNotes, WitnessIdentity,
	CaseAdministration}

// Classification is how tightly data is held, lowest first; also an actor's clearance.
type Classification uint32

// The classifications.
const (
	Public       Classification = C.CUSTODIA_CLASSIFICATION_PUBLIC
	Restricted   Classification = C.CUSTODIA_CLASSIFICATION_RESTRICTED
	Confidential Classification = C.CUSTODIA_CLASSIFICATION_CONFIDENTIAL
	Secret       Classification = C.CUSTODIA_CLASSIFICATION_SECRET
)

// ExceptionKind is the legal ground of an exception.
type ExceptionKind uint32

// The exception grounds.
const (
	CourtOrder               ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_COURT_ORDER
	Consent                  ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_CONSENT
	ImminentThreat           ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_IMMINENT_THREAT
	LegalObligation          ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_LEGAL_OBLIGATION
	NationalSecurity         ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_NATIONAL_SECURITY
	OverridingPublicInterest ExceptionKind = C.CUSTODIA_EXCEPTION_KIND_OVERRIDING_PUBLIC_INTEREST
)

// KeyKind is the kind of a key.
type KeyKind uint32

// The key kinds.
const (
	KEK     KeyKind = C.CUSTODIA_KEY_KIND_KEK
	X25519  KeyKind = C.CUSTODIA_KEY_KIND_X25519
	XWing   KeyKind = C.CUSTODIA_KEY_KIND_XWING
	Ed25519 KeyKind = C.CUSTODIA_KEY_KIND_ED25519
)

// KeyState is a key's life-cycle state.
type KeyState uint32

// The key states.
const (
	KeyActive      KeyState = C.CUSTODIA_KEY_STATE_ACTIVE
	KeyDecryptOnly KeyState = C.CUSTODIA_KEY_STATE_DECRYPT_ONLY
	KeyDestroyed   KeyState = C.CUSTODIA_KEY_STATE_DESTROYED
)

// InstrumentKind is the legal instrument a transfer is made under.
type InstrumentKind uint32

// The instruments (NoInstrument: the envelope names none).
const (
	NoInstrument               InstrumentKind = 0
	BilateralTreaty            InstrumentKind = C.CUSTODIA_INSTRUMENT_KIND_BILATERAL_TREATY
	EuropeanInvestigationOrder InstrumentKind = C.CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER
	MultilateralConvention     InstrumentKind = C.CUSTODIA_INSTRUMENT_KIND_MULTILATERAL_CONVENTION
	LetterRogatory             InstrumentKind = C.CUSTODIA_INSTRUMENT_KIND_LETTER_ROGATORY
	OtherInstrument            InstrumentKind = C.CUSTODIA_INSTRUMENT_KIND_OTHER
)

type namer func(C.uint32_t, **C.char) C.custodia_status

func enumName(f namer, code uint32) string {
	var p *C.char
	if f(C.uint32_t(code), &p) != C.CUSTODIA_OK {
		return "unknown(" + itoa(uint64(code)) + ")"
	}
	return C.GoString(p)
}

func enumCode(name string, f func(*C.char, *C.uint32_t) C.custodia_status) (uint32, error) {
	p, err := cstr(name)
	if err != nil {
		return 0, err
	}
	defer freeC(p)
	var code C.uint32_t
	err = call(func() C.custodia_status { return f(p, &code) })
	return uint32(code), err
}

// String is the category's stable name ("evidence").
func (c Category) String() string {
	return enumName(func(x C.uint32_t, p **C.char) C.custodia_status { return C.custodia_category_name(x, p) }, uint32(c))
}

// MinimumClassification is the lowest classification data of this category may be sealed under.
func (c Category) MinimumClassification() (Classification, error) {
	var out C.uint32_t
	err := call(func() C.custodia_status { return C.custodia_category_minimum_classification(C.uint32_t(c), &out) })
	return Classification(out), err
}

// ParseCategory is the category of a stable name.
func ParseCategory(name string) (Category, error) {
	v, err := enumCode(name, func(p *C.char, o *C.uint32_t) C.custodia_status { return C.custodia_category_from_name(p, o) })
	return Category(v), err
}

// String is the classification's stable name ("secret").
func (c Classification) String() string {
	return enumName(func(x C.uint32_t, p **C.char) C.custodia_status { return C.custodia_classification_name(x, p) }, uint32(c))
}

// ParseClassification is the classification of a stable name.
func ParseClassification(name string) (Classification, error) {
	v, err := enumCode(name, func(p *C.char, o *C.uint32_t) C.custodia_status {
		return C.custodia_classification_from_name(p, o)
	})
	return Classification(v), err
}

// String is the ground's stable name ("court_order").
func (k ExceptionKind) String() string {
	return enumName(func(x C.uint32_t, p **C.char) C.custodia_status { return C.custodia_exception_kind_name(x, p) }, uint32(k))
}

// ParseExceptionKind is the ground of a stable name.
func ParseExceptionKind(name string) (ExceptionKind, error) {
	v, err := enumCode(name, func(p *C.char, o *C.uint32_t) C.custodia_status {
		return C.custodia_exception_kind_from_name(p, o)
	})
	return ExceptionKind(v), err
}

// String is the kind's stable name ("kek").
func (k KeyKind) String() string {
	return enumName(func(x C.uint32_t, p **C.char) C.custodia_status { return C.custodia_key_kind_name(x, p) }, uint32(k))
}

// ParseKeyKind is the key kind of a stable name.
func ParseKeyKind(name string) (KeyKind, error) {
	v, err := enumCode(name, func(p *C.char, o *C.uint32_t) C.custodia_status { return C.custodia_key_kind_from_name(p, o) })
	return KeyKind(v), err
}

func validate(s string, f func(*C.char) C.custodia_status) error {
	p, err := cstr(s)
	if err != nil {
		return err
	}
	defer freeC(p)
	return call(func() C.custodia_status { return f(p) })
}

// ValidatePurpose checks a purpose against the purpose grammar ("criminal_investigation.fraud").
func ValidatePurpose(purpose string) error {
	return validate(purpose, func(p *C.char) C.custodia_status { return C.custodia_purpose_validate(p) })
}

// ValidateJurisdiction checks an ISO 3166-1 alpha-2 code.
func ValidateJurisdiction(code string) error {
	return validate(code, func(p *C.char) C.custodia_status { return C.custodia_jurisdiction_validate(p) })
}

// ValidateCaseRef checks a case reference.
func ValidateCaseRef(ref string) error {
	return validate(ref, func(p *C.char) C.custodia_status { return C.custodia_case_ref_validate(p) })
}

// KeyID is a key's short, stable fingerprint (16 bytes; not secret). Its text form is 32 lowercase hex digits.
type KeyID [16]byte

// String is the id's text form.
func (k KeyID) String() string { return hex.EncodeToString(k[:]) }

// ParseKeyID reads a key id's text form (custodia_key_id_parse).
func ParseKeyID(text string) (KeyID, error) {
	p, err := cstr(text)
	if err != nil {
		return KeyID{}, err
	}
	defer freeC(p)
	var id C.custodia_key_id
	err = call(func() C.custodia_status { return C.custodia_key_id_parse(p, &id) })
	return fromCKeyID(&id), err
}

// KeyIDFromBytes makes a key id from its 16 bytes (custodia_key_id_from_bytes).
func KeyIDFromBytes(b []byte) (KeyID, error) {
	var id C.custodia_key_id
	err := call(func() C.custodia_status { return C.custodia_key_id_from_bytes(bytesPtr(b), C.size_t(len(b)), &id) })
	return fromCKeyID(&id), err
}

func fromCKeyID(id *C.custodia_key_id) KeyID {
	var k KeyID
	copy(k[:], C.GoBytes(unsafe.Pointer(&id.bytes[0]), C.CUSTODIA_KEY_ID_LEN))
	return k
}

func (k KeyID) c() C.custodia_key_id {
	var id C.custodia_key_id
	for i := range k {
		id.bytes[i] = C.uint8_t(k[i])
	}
	return id
}

func cKeyIDs(ids []KeyID) (*C.custodia_key_id, C.size_t) {
	if len(ids) == 0 {
		return nil, 0
	}
	out := make([]C.custodia_key_id, len(ids))
	for i, k := range ids {
		out[i] = k.c()
	}
	return &out[0], C.size_t(len(ids))
}
