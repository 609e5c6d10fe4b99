package custodia

/*
#include "custodia.h"
*/
import "C"

import "fmt"

// Status is a custodia status code (enum custodia_status): 1xx invalid input, 2xx refusals by policy, 3xx envelope
// format, 4xx keys, 5xx audit, 9xx environment and internal faults. A Status is also an error value, so that
// errors.Is(err, custodia.ErrPurposeNotPermitted) tests a returned error's code.
type Status uint32

// OK is success (CUSTODIA_OK); no error carries it.
const OK Status = 0

// Name is the code's stable snake_case name (custodia_status_name: "purpose_not_permitted"), "unknown" for a code
// the library does not know.
func (s Status) Name() string { return C.GoString(C.custodia_status_name(C.uint32_t(s))) }

// String is the name and the number ("purpose_not_permitted (200)").
func (s Status) String() string { return fmt.Sprintf("%s (%d)", s.Name(), uint32(s)) }

// Error makes a Status usable as a target of errors.Is.
func (s Status) Error() string { return "custodia: " + s.String() }

// IsRefusal is whether the code is a decision of the policy gate (recorded in the audit log), not a fault.
func (s Status) IsRefusal() bool { return bool(C.custodia_status_is_refusal(C.uint32_t(s))) }

// Error is what every error custodia returns implements, whatever its family's concrete type.
type Error interface {
	error
	// Code is the stable status code.
	Code() Status
	// Name is the code's stable name ("purpose_not_permitted").
	Name() string
	// Message is the library's message, verbatim (never plaintext or key material).
	Message() string
	// IsRefusal is whether this is a refusal by policy rather than a fault.
	IsRefusal() bool
}

type errorBase struct {
	code    Status
	message string
	cause   error
	path    string
}

func (e *errorBase) Code() Status    { return e.code }
func (e *errorBase) Name() string    { return e.code.Name() }
func (e *errorBase) Message() string { return e.message }
func (e *errorBase) IsRefusal() bool { return e.code.IsRefusal() }
func (e *errorBase) Unwrap() error   { return e.cause }
func (e *errorBase) Is(t error) bool { s, ok := t.(Status); return ok && s == e.code }
func (e *errorBase) Error() string {
	msg := e.message
	if e.cause != nil && msg == "" {
		msg = e.cause.Error()
	} else if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	if e.path != "" {
		msg += " (path: " + e.path + ")"
	}
	if msg == "" {
		return fmt.Sprintf("custodia: [%d %s]", uint32(e.code), e.Name())
	}
	return fmt.Sprintf("custodia: %s [%d %s]", msg, uint32(e.code), e.Name())
}

// InvalidArgumentError is a 1xx code: malformed input (the message names the argument and the rule).
type InvalidArgumentError struct{ errorBase }

// RefusalError is a 2xx code: a refusal by the policy gate (wrong purpose, expired, jurisdiction, clearance,
// destroyed key, legal hold, ...), recorded in the audit log.
type RefusalError struct{ errorBase }

// EnvelopeError is a 3xx code: bytes that are not a well-formed envelope, grant or receipt, or fail
// authentication.
type EnvelopeError struct{ errorBase }

// KeyError is a 4xx code: keys and the keyring (not found, wrong passphrase, corrupt, ...).
type KeyError struct{ errorBase }

// AuditError is a 5xx code: the audit log (write failed, tampered, closed custodian, invalid anchor, ...).
type AuditError struct{ errorBase }

// EnvironmentError is a 9xx code other than 998 and 999: the operating system (I/O, random numbers,
// permissions). An I/O failure of a Go reader or writer in a stream carries that error (errors.Unwrap).
type EnvironmentError struct{ errorBase }

// Path is the file an I/O error concerns, as the call named it ("src -> dst" for a copy), or "".
func (e *EnvironmentError) Path() string { return e.path }

// namePath names path in an I/O error returned by a call on files.
func namePath(err error, path string) error {
	if e, ok := err.(*EnvironmentError); ok && e.code == ErrIO && e.path == "" {
		e.path = path
	}
	return err
}

// InternalError is 998 (poisoned handle) or 999 (a bug in custodia).
type InternalError struct{ errorBase }

// OtherError is a code in no known family (a later library's; codes are never reused).
type OtherError struct{ errorBase }

func newError(code Status, message string, cause error) error {
	b := errorBase{code: code, message: message, cause: cause}
	switch {
	case code == ErrPoisoned || code == ErrInternal:
		return &InternalError{b}
	case code >= 100 && code < 200:
		return &InvalidArgumentError{b}
	case code >= 200 && code < 300:
		return &RefusalError{b}
	case code >= 300 && code < 400:
		return &EnvelopeError{b}
	case code >= 400 && code < 500:
		return &KeyError{b}
	case code >= 500 && code < 600:
		return &AuditError{b}
	case code >= 900 && code < 1000:
		return &EnvironmentError{b}
	default:
		return &OtherError{b}
	}
}

// ErrorFor builds the error a call failing with this code and message returns (for hosts and tests that need
// one, such as a fake of their own).
func ErrorFor(code Status, message string) error { return newError(code, message, nil) }

// LastError is the calling OS thread's last error as the library recorded it (custodia_last_error_code and
// _message; OK and "" after a success). The binding reads it itself after each failing call; this is for checking
// that contract, from a goroutine locked to its thread (runtime.LockOSThread).
func LastError() (Status, string) {
	return Status(C.custodia_last_error_code()), C.GoString(C.custodia_last_error_message())
}
