package custodia

/*
#include <stdint.h>
#include "custodia.h"
custodia_status custodia_go_seal_stream(custodia_custodian c, custodia_actor a, custodia_seal_options o,
                                        uintptr_t reader, uintptr_t writer);
custodia_status custodia_go_open_stream(custodia_custodian c, custodia_actor a, const char *purpose,
                                        custodia_exception_ground e, const custodia_key_id *signer, uintptr_t reader,
                                        uintptr_t writer, custodia_envelope_info *info);
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"runtime/cgo"
	"unsafe"
)

// streamSide is one end of a stream: a Go reader or writer and the first error it returned (or a panic it raised).
type streamSide struct {
	r   io.Reader
	w   io.Writer
	err error
}

//export custodiaGoRead
func custodiaGoRead(h C.uintptr_t, buffer *C.uint8_t, capacity C.size_t, outRead *C.size_t) (rc C.int) {
	s := cgo.Handle(h).Value().(*streamSide)
	defer func() {
		if p := recover(); p != nil { // a panic must not unwind through the library's frames
			s.err = fmt.Errorf("custodia: panic in stream reader: %v", p)
			rc = 1
		}
	}()
	if capacity == 0 {
		*outRead = 0
		return 0
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buffer)), int(capacity))
	for {
		n, err := s.r.Read(dst)
		if n > 0 {
			*outRead = C.size_t(n)
			if err != nil && err != io.EOF {
				s.err = err
				return 1
			}
			return 0
		}
		if err == io.EOF {
			*outRead = 0
			return 0
		}
		if err != nil {
			s.err = err
			return 1
		}
	}
}

//export custodiaGoWrite
func custodiaGoWrite(h C.uintptr_t, data *C.uint8_t, length C.size_t) (rc C.int) {
	s := cgo.Handle(h).Value().(*streamSide)
	defer func() {
		if p := recover(); p != nil {
			s.err = fmt.Errorf("custodia: panic in stream writer: %v", p)
			rc = 1
		}
	}()
	if length == 0 {
		return 0
	}
	src := unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))
	if _, err := s.w.Write(src); err != nil {
		s.err = err
		return 1
	}
	return 0
}

// streamError attaches the Go side's error to the library's (CUSTODIA_ERR_IO when a callback failed), so that
// errors.Is and errors.As reach it; without a library error the Go error is returned as it is.
func streamError(err error, sides ...*streamSide) error {
	for _, s := range sides {
		if s.err == nil {
			continue
		}
		var ce Error
		if errors.As(err, &ce) {
			return newError(ce.Code(), ce.Message(), s.err)
		}
		return s.err
	}
	return err
}

// SealStream seals everything read from src to dst in constant memory (custodia_seal_stream over callbacks that
// run on this goroutine's thread, inside the call). An error of src or dst is returned wrapped in the library's
// ErrIO error (errors.Is reaches it).
func (c *Custodian) SealStream(actor *Actor, src io.Reader, dst io.Writer, opts *SealOptions) error {
	defer keep(c, actor, opts)
	rs, ws := &streamSide{r: src}, &streamSide{w: dst}
	rh, wh := cgo.NewHandle(rs), cgo.NewHandle(ws)
	defer rh.Delete()
	defer wh.Delete()
	err := call(func() C.custodia_status {
		return C.custodia_go_seal_stream(c.c(), actor.c(), opts.c(), C.uintptr_t(rh), C.uintptr_t(wh))
	})
	return streamError(err, rs, ws)
}

// headCapture passes everything on and keeps the first bytes written (the envelope's header).
type headCapture struct {
	w    io.Writer
	head []byte
}

const headLimit = 64 * 1024

func (h *headCapture) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	if room := headLimit - len(h.head); room > 0 && n > 0 {
		if n < room {
			room = n
		}
		h.head = append(h.head, p[:room]...)
	}
	return n, err
}

// SealStreamInfo is SealStream that also returns the envelope's metadata, read from the header as it was written
// (the first bytes are kept, the ciphertext only; then Inspect).
func (c *Custodian) SealStreamInfo(actor *Actor, src io.Reader, dst io.Writer, opts *SealOptions) (EnvelopeInfo, error) {
	hc := &headCapture{w: dst}
	if err := c.SealStream(actor, src, hc, opts); err != nil {
		return EnvelopeInfo{}, err
	}
	return c.Inspect(hc.head)
}

// OpenStream opens the envelope read from src and writes the plaintext to dst in constant memory
// (custodia_open_stream): only authenticated chunks are written; on a refusal nothing is. When an error comes after
// some chunks (a truncated or altered envelope), dst has received the chunks before it: the caller discards them.
func (c *Custodian) OpenStream(actor *Actor, src io.Reader, dst io.Writer, purpose string, opts ...OpenOption) (EnvelopeInfo, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return EnvelopeInfo{}, err
	}
	defer freeC(p)
	rs, ws := &streamSide{r: src}, &streamSide{w: dst}
	rh, wh := cgo.NewHandle(rs), cgo.NewHandle(ws)
	defer rh.Delete()
	defer wh.Delete()
	info := new(C.custodia_envelope_info)
	err = call(func() C.custodia_status {
		return C.custodia_go_open_stream(c.c(), actor.c(), p, a.exception.c(), a.signer, C.uintptr_t(rh),
			C.uintptr_t(wh), info)
	})
	if err = streamError(err, rs, ws); err != nil {
		return EnvelopeInfo{}, err
	}
	return envelopeInfo(info), nil
}

// sealWriter is the io.WriteCloser of NewSealWriter.
type sealWriter struct {
	pw   *io.PipeWriter
	done chan error
	err  error
}

func (w *sealWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *sealWriter) Close() error {
	if w.done == nil {
		return w.err
	}
	_ = w.pw.Close()
	w.err = <-w.done
	w.done = nil
	return w.err
}

// NewSealWriter is an io.WriteCloser that seals what is written to it into dst (SealStream on a goroutine of its
// own, fed through a pipe). Close ends the plaintext and returns the seal's outcome; it must be called.
func (c *Custodian) NewSealWriter(actor *Actor, dst io.Writer, opts *SealOptions) io.WriteCloser {
	pr, pw := io.Pipe()
	w := &sealWriter{pw: pw, done: make(chan error, 1)}
	go func() {
		err := c.SealStream(actor, pr, dst, opts)
		_ = pr.CloseWithError(errSealEnded(err))
		w.done <- err
	}()
	return w
}

func errSealEnded(err error) error {
	if err == nil {
		return io.ErrClosedPipe
	}
	return err
}

// NewOpenReader is an io.ReadCloser of the plaintext of the envelope read from src (OpenStream on a goroutine of
// its own, through a pipe). A refusal or failure is the error of Read; Close stops reading early.
func (c *Custodian) NewOpenReader(actor *Actor, src io.Reader, purpose string, opts ...OpenOption) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		_, err := c.OpenStream(actor, src, pw, purpose, opts...)
		_ = pw.CloseWithError(err) // nil: io.EOF for the reader
	}()
	return pr
}
