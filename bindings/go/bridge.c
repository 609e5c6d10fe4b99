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

// Key providers: user_data is a cgo.Handle of the Go provider, deleted by release.
static int32_t custodia_go_holds(void *ud, const uint8_t *key_id) {
  return custodiaGoProviderHolds((uintptr_t)ud, (uint8_t *)key_id);
}
static int32_t custodia_go_wrap(void *ud, const uint8_t *key_id, const uint8_t *dk, size_t dk_len, const uint8_t *aad,
                                size_t aad_len, uint8_t *out, size_t cap, size_t *out_len) {
  return custodiaGoProviderWrap((uintptr_t)ud, (uint8_t *)key_id, (uint8_t *)dk, dk_len, (uint8_t *)aad, aad_len, out,
                                cap, out_len);
}
static int32_t custodia_go_unwrap(void *ud, const uint8_t *key_id, const uint8_t *wrapped, size_t wrapped_len,
                                  const uint8_t *aad, size_t aad_len, uint8_t *out_key, size_t out_key_len) {
  return custodiaGoProviderUnwrap((uintptr_t)ud, (uint8_t *)key_id, (uint8_t *)wrapped, wrapped_len, (uint8_t *)aad,
                                  aad_len, out_key, out_key_len);
}
static void custodia_go_release(void *ud) { custodiaGoRelease((uintptr_t)ud); }

custodia_status custodia_go_key_provider_new(uintptr_t h, const char *name, uint32_t kind,
                                             custodia_key_provider *out) {
  static const custodia_key_provider_callbacks cb = {custodia_go_holds, custodia_go_wrap, custodia_go_unwrap,
                                                     custodia_go_release};
  return custodia_key_provider_new(&cb, (void *)h, name, kind, out);
}

// Signers: user_data is a cgo.Handle of the Go signer, deleted by release.
static int32_t custodia_go_sign(void *ud, const uint8_t *message, size_t len, uint8_t *out_signature) {
  return custodiaGoSign((uintptr_t)ud, (uint8_t *)message, len, out_signature);
}

custodia_status custodia_go_signer_new(uintptr_t h, const uint8_t *public_key, custodia_signer *out) {
  static const custodia_signer_callbacks cb = {custodia_go_sign, custodia_go_release};
  return custodia_signer_new(public_key, &cb, (void *)h, out);
}

// Audit sinks: user_data is a cgo.Handle the Custodian deletes after custodia_custodian_free.
static int custodia_go_sink(void *ud, const custodia_audit_entry *event) {
  return custodiaGoSink((uintptr_t)ud, (custodia_audit_entry *)event);
}

custodia_status custodia_go_add_audit_sink(custodia_custodian_options o, uintptr_t h) {
  return custodia_custodian_options_add_audit_sink(o, custodia_go_sink, (void *)h);
}
