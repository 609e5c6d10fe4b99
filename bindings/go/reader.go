package custodia

/*
#include <stdlib.h>
#include "custodia.h"
*/
import "C"

import (
	"io"
	"os"
	"runtime"
)

// EnvelopeReader reads an envelope's plaintext with random access (custodia_reader_*): an io.ReaderAt (wrap it in
// io.NewSectionReader(r, 0, r.Size()) for io.Reader and io.Seeker). Each chunk is authenticated when a read first
// needs it; a chunk changed since is refused (ErrEnvelopeChanged) with nothing returned. Close releases it.
type EnvelopeReader struct {
	h    handle
	size int64
}

func (c *Custodian) newReader(actor *Actor, purpose string, opts []OpenOption,
	open func(C.custodia_custodian, C.custodia_actor, *C.char, C.custodia_exception_ground, *C.custodia_key_id,
		*C.custodia_reader, *C.custodia_envelope_info) C.custodia_status) (*EnvelopeReader, EnvelopeInfo, error) {
	a := collect(opts)
	defer keep(c, actor, a.exception)
	p, err := cstr(purpose)
	if err != nil {
		return nil, EnvelopeInfo{}, err
	}
	defer freeC(p)
	var out C.custodia_reader
	info := new(C.custodia_envelope_info)
	if err := call(func() C.custodia_status { return open(c.c(), actor.c(), p, a.exception.c(), a.signer, &out, info) }); err != nil {
		return nil, EnvelopeInfo{}, err
	}
	r := &EnvelopeReader{h: handle{uint64(out.id)}}
	runtime.SetFinalizer(r, (*EnvelopeReader).Close)
	var n C.uint64_t
	if err := call(func() C.custodia_status { return C.custodia_reader_len(r.c(), &n) }); err != nil {
		_ = r.Close()
		return nil, EnvelopeInfo{}, err
	}
	r.size = int64(n)
	return r, envelopeInfo(info), nil
}

// OpenSeekable opens the envelope file at path for random access, through the policy gate (the open or refusal is
// recorded) (custodia_reader_open_file).
func (c *Custodian) OpenSeekable(actor *Actor, path, purpose string, opts ...OpenOption) (*EnvelopeReader, EnvelopeInfo, error) {
	cp, err := cstr(path)
	if err != nil {
		return nil, EnvelopeInfo{}, err
	}
	defer freeC(cp)
	r, info, err := c.newReader(actor, purpose, opts, func(h C.custodia_custodian, a C.custodia_actor, p *C.char,
		e C.custodia_exception_ground, s *C.custodia_key_id, out *C.custodia_reader, info *C.custodia_envelope_info) C.custodia_status {
		return C.custodia_reader_open_file(h, a, p, e, s, cp, out, info)
	})
	return r, info, namePath(err, path)
}

// OpenSeekableFile is OpenSeekable over an open file whose envelope starts at its current offset
// (custodia_reader_open_fd: the reader keeps its own duplicate of the descriptor; f may be closed afterwards).
func (c *Custodian) OpenSeekableFile(actor *Actor, f *os.File, purpose string, opts ...OpenOption) (*EnvelopeReader, EnvelopeInfo, error) {
	defer runtime.KeepAlive(f)
	fd := C.int(f.Fd())
	return c.newReader(actor, purpose, opts, func(h C.custodia_custodian, a C.custodia_actor, p *C.char,
		e C.custodia_exception_ground, s *C.custodia_key_id, out *C.custodia_reader, info *C.custodia_envelope_info) C.custodia_status {
		return C.custodia_reader_open_fd(h, a, p, e, s, fd, out, info)
	})
}

func (r *EnvelopeReader) c() C.custodia_reader {
	var h C.custodia_reader
	if r != nil {
		h.id = C.uint64_t(r.h.get())
	}
	return h
}

// Size is the plaintext's length.
func (r *EnvelopeReader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes of plaintext at off (io.ReaderAt: fewer only at the end, with io.EOF).
func (r *EnvelopeReader) ReadAt(p []byte, off int64) (int, error) {
	defer keep(r)
	if off < 0 {
		return 0, newError(ErrInvalidArgument, "negative offset", nil)
	}
	total := 0
	for total < len(p) {
		var n C.size_t
		rest := p[total:]
		if err := call(func() C.custodia_status {
			return C.custodia_reader_read_at(r.c(), C.uint64_t(off+int64(total)), bytesPtr(rest), C.size_t(len(rest)), &n)
		}); err != nil {
			return total, err
		}
		if n == 0 {
			return total, io.EOF
		}
		total += int(n)
	}
	return total, nil
}

// Close releases the reader (idempotent).
func (r *EnvelopeReader) Close() error {
	return r.h.release(func(id uint64) C.custodia_status {
		return C.custodia_reader_free(C.custodia_reader{id: C.uint64_t(id)})
	})
}

// RewrapBatch re-wraps each file in place through the same gate as Rewrap, or, with purpose "" and no keys, as
// RewrapRotated (custodia_rewrap_batch). It returns one outcome per path, in order: nil, or the file's typed error;
// one bad file does not stop the others. The error is for the call as a whole (arguments: nothing re-wrapped).
func (c *Custodian) RewrapBatch(actor *Actor, paths []string, purpose string, remove, add []KeyID) ([]error, error) {
	defer keep(c, actor)
	ps, err := newCstrs(paths)
	if err != nil {
		return nil, err
	}
	defer ps.free()
	pp, err := optCstr(purpose)
	if err != nil {
		return nil, err
	}
	defer freeC(pp)
	rp, rn := cKeyIDs(remove)
	ap, an := cKeyIDs(add)
	var res C.custodia_rewrap_results
	if err := call(func() C.custodia_status {
		return C.custodia_rewrap_batch(c.c(), actor.c(), ps.array(), ps.n(), pp, rp, rn, ap, an, &res)
	}); err != nil {
		return nil, err
	}
	defer C.custodia_rewrap_results_free(res)
	var n C.size_t
	if err := call(func() C.custodia_status { return C.custodia_rewrap_results_len(res, &n) }); err != nil {
		return nil, err
	}
	out := make([]error, int(n))
	for i := range out {
		var st C.custodia_status
		var msg *C.char
		if err := call(func() C.custodia_status { return C.custodia_rewrap_results_get(res, C.size_t(i), &st, &msg) }); err != nil {
			return nil, err
		}
		if st != C.CUSTODIA_OK {
			out[i] = namePath(newError(Status(st), goStr(msg), nil), paths[i])
		}
	}
	return out, nil
}
