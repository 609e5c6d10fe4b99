// C trampolines between custodia's callbacks and the Go functions exported in stream.go. The context pointers are
// cgo.Handle values (integers), never Go pointers.
#include <stdint.h>
#include "custodia.h"
#include "_cgo_export.h"

static int custodia_go_read(void *context, uint8_t *buffer, size_t capacity, size_t *out_read) {
  return custodiaGoRead((uintptr_t)context, buffer, capacity, out_read);
}

static int custodia_go_write(void *context, const uint8_t *data, size_t len) {
  return custodiaGoWrite((uintptr_t)context, (uint8_t *)data, len);
}

custodia_status custodia_go_seal_stream(custodia_custodian c, custodia_actor a, custodia_seal_options o,
                                        uintptr_t reader, uintptr_t writer) {
  return custodia_seal_stream(c, a, o, custodia_go_read, (void *)reader, custodia_go_write, (void *)writer);
}

custodia_status custodia_go_open_stream(custodia_custodian c, custodia_actor a, const char *purpose,
                                        custodia_exception_ground e, const custodia_key_id *signer, uintptr_t reader,
                                        uintptr_t writer, custodia_envelope_info *info) {
  return custodia_open_stream(c, a, purpose, e, signer, custodia_go_read, (void *)reader, custodia_go_write,
                              (void *)writer, info);
}
