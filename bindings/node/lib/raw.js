'use strict';
// Layer 1: the raw C ABI of include/custodia.h declared through koffi (no native build step). This module finds and
// loads libcustodia.so, checks its ABI version and declares the functions the binding uses. It holds no secret,
// frees nothing on its own and raises nothing: index.js turns status codes into typed errors.
//
// Handles (custodia_actor, custodia_custodian, ...) are 8-byte structs laid out as a uint64_t; the header allows
// bindings to pass them as one, so they travel here as uint64_t by value and uint64_t * as out-parameters.
// Every call is synchronous (never koffi's .async): the last error message is thread-local.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

/** CUSTODIA_ABI_VERSION this binding was written for. */
const ABI_VERSION = 4;
const LIBRARY_NAME = 'libcustodia.so';
const ENV_VAR = 'CUSTODIA_LIB';

/** Where the library is looked for: $CUSTODIA_LIB alone when set; else a copy next to the package, then the
 * target/release of the source checkout the package sits in. */
function candidatePaths() {
  if (process.env[ENV_VAR]) return [process.env[ENV_VAR]];
  const found = [path.join(__dirname, '..', LIBRARY_NAME)];
  let dir = path.resolve(__dirname);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'Cargo.toml')) && fs.existsSync(path.join(dir, 'include', 'custodia.h'))) {
      found.push(path.join(dir, 'target', 'release', LIBRARY_NAME));
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return found;
}

// ---- types ------------------------------------------------------------------------------------------------------

const buffer = koffi.struct('custodia_buffer', { data: 'void *', len: 'size_t', id: 'uint64_t' });
const key_id = koffi.struct('custodia_key_id', { bytes: koffi.array('uint8_t', 16) });
const memory_protection = koffi.struct('custodia_memory_protection', {
  locked_bytes: 'uint64_t', unlocked_bytes: 'uint64_t', lock_failures: 'uint64_t', dontdump_failures: 'uint64_t',
  live_secrets: 'uint64_t', dumpable: 'int32_t',
});
const audit_report = koffi.struct('custodia_audit_report', {
  entries: 'uint64_t', checkpoints: 'uint64_t', erasures: 'uint64_t', recoveries: 'uint64_t',
  unsealed_tail: 'uint64_t', has_last_checkpoint: 'bool', last_checkpoint: 'uint64_t',
  head: koffi.array('char', 65), anchors: 'uint64_t',
});
const key_info = koffi.struct('custodia_key_info', {
  key_id: key_id, kind: 'uint32_t', state: 'uint32_t', label: 'const char *', case_ref: 'const char *',
  created: 'uint64_t', destroy_after: 'uint64_t', destroyed_at: 'uint64_t', has_secret: 'bool',
  has_rotated_from: 'bool', rotated_from: key_id, has_rotated_to: 'bool', rotated_to: key_id,
  jurisdiction: 'const char *', authority: 'const char *', not_before: 'uint64_t', not_after: 'uint64_t',
  revoked_at: 'uint64_t', revoked_reason: 'const char *', compromised_at: 'uint64_t',
  compromised_reason: 'const char *',
});
const recipient = koffi.struct('custodia_recipient', { key_id: key_id, kind: 'uint32_t' });
const envelope_info = koffi.struct('custodia_envelope_info', {
  object_id: koffi.array('char', 33), category: 'uint32_t', classification: 'uint32_t', created: 'uint64_t',
  not_after: 'uint64_t', purpose_count: 'size_t', recipient_count: 'size_t', has_signer: 'bool', signer: key_id,
  instrument_kind: 'uint32_t', instrument_reference: koffi.array('char', 1025),
  transfer_basis: koffi.array('char', 1025), origin: koffi.array('char', 3), destinations: koffi.array('char', 192),
  purposes: koffi.array('char', 4128), case_ref: koffi.array('char', 129), recipients: koffi.array(recipient, 64),
  grant_count: 'size_t',
});
const audit_entry = koffi.struct('custodia_audit_entry', {
  seq: 'uint64_t', time: 'uint64_t', kind: 'const char *', actor_id: 'const char *', actor_role: 'const char *',
  actor_jurisdiction: 'const char *', case_ref: 'const char *', object: 'const char *', purpose: 'const char *',
  outcome: 'const char *', json: 'const char *',
});
const legal_hold = koffi.struct('custodia_legal_hold', {
  case_ref: 'const char *', reference: 'const char *', reason: 'const char *', set_by: 'const char *',
  set_at: 'uint64_t', key_count: 'size_t', keys: 'void *',
});
const record_field = koffi.struct('custodia_record_field', {
  name: 'const char *', category: 'uint32_t', classification: 'uint32_t', kind: 'uint32_t', purposes: 'const char *',
  withheld: 'uint32_t', mask: 'uint32_t',
});
const anchor_info = koffi.struct('custodia_anchor_info', {
  log_id: koffi.array('char', 33), count: 'uint64_t', head: koffi.array('char', 65), witness_count: 'size_t',
});
const erasure_info = koffi.struct('custodia_erasure_certificate_info', {
  log_id: koffi.array('char', 33), seq: 'uint64_t', time: 'uint64_t', case_ref: koffi.array('char', 129),
  reason: koffi.array('char', 513), has_envelopes: 'bool', envelopes: 'uint64_t', key_count: 'size_t',
});
koffi.proto('int custodia_read_fn(void *context, void *buffer, size_t capacity, void *out_read)');
koffi.proto('int custodia_write_fn(void *context, void *data, size_t len)');
koffi.proto('int custodia_audit_sink_fn(void *user_data, void *event)');
koffi.proto('int32_t custodia_provider_holds_fn(void *user_data, void *key_id)');
koffi.proto('int32_t custodia_provider_wrap_fn(void *user_data, void *key_id, void *data_key, size_t data_key_len, ' +
  'void *aad, size_t aad_len, void *out, size_t out_cap, void *out_len)');
koffi.proto('int32_t custodia_provider_unwrap_fn(void *user_data, void *key_id, void *wrapped, size_t wrapped_len, ' +
  'void *aad, size_t aad_len, void *out, size_t out_len)');
koffi.proto('void custodia_provider_release_fn(void *user_data)');
koffi.struct('custodia_key_provider_callbacks', {
  holds: 'custodia_provider_holds_fn *', wrap: 'custodia_provider_wrap_fn *', unwrap: 'custodia_provider_unwrap_fn *',
  release: 'custodia_provider_release_fn *',
});
koffi.proto('int32_t custodia_signer_sign_fn(void *user_data, void *message, size_t message_len, void *out_signature)');
koffi.proto('void custodia_signer_release_fn(void *user_data)');
koffi.struct('custodia_signer_callbacks', { sign: 'custodia_signer_sign_fn *', release: 'custodia_signer_release_fn *' });

// ---- functions (header order) -----------------------------------------------------------------------------------
// `custodia_envelope_info *` out-parameters are `void *`: the binding passes a Buffer of the struct's size and reads
// the fields it needs from it (koffi's generic decoding of the 7.9 KB struct costs ~100 us, more than a whole open).
const PROTOTYPES = `
const char *custodia_last_error_message()
uint32_t custodia_last_error_code()
uint32_t custodia_buffer_free(_Inout_ custodia_buffer *buf)
uint32_t custodia_key_id_parse(const char *text, _Out_ custodia_key_id *out)
uint32_t custodia_key_id_from_bytes(const uint8_t *bytes, size_t len, _Out_ custodia_key_id *out)
uint32_t custodia_key_id_format(const custodia_key_id *id, _Out_ uint8_t *out, size_t cap)
uint32_t custodia_actor_new(const char *user, const char *role, const char *jur, uint32_t clearance, _Out_ uint64_t *out)
uint32_t custodia_actor_free(uint64_t h)
uint32_t custodia_actor_describe(uint64_t h, _Out_ custodia_buffer *out)
uint32_t custodia_exception_ground_new(uint32_t kind, const char *reference, const char *justification, _Out_ uint64_t *out)
uint32_t custodia_exception_ground_describe(uint64_t h, _Out_ custodia_buffer *out)
uint32_t custodia_exception_ground_free(uint64_t h)
uint32_t custodia_exception_ground_with_approval(uint64_t h, const char *approval, _Out_ uint64_t *out)
uint32_t custodia_access_policy_parse(const char *text, _Out_ uint64_t *out)
uint32_t custodia_access_policy_load_file(const char *path, _Out_ uint64_t *out)
uint32_t custodia_access_policy_sha256(uint64_t h, _Out_ custodia_buffer *out)
uint32_t custodia_access_policy_free(uint64_t h)
uint32_t custodia_custodian_set_access_policy(uint64_t c, uint64_t a, uint64_t p)
uint32_t custodia_custodian_approve_exception(uint64_t c, uint64_t approver, const custodia_key_id *key, const char *object_id, const char *actor_id, const char *purpose, uint32_t kind, const char *reference, uint64_t not_after, _Out_ custodia_buffer *out)
uint32_t custodia_seal_options_new(uint32_t category, const char **purposes, size_t n, _Out_ uint64_t *out)
uint32_t custodia_seal_options_set_classification(uint64_t h, uint32_t c)
uint32_t custodia_seal_options_set_case_ref(uint64_t h, const char *case_ref)
uint32_t custodia_seal_options_set_jurisdictions(uint64_t h, const char *origin, const char **dest, size_t n)
uint32_t custodia_seal_options_set_not_after(uint64_t h, uint64_t t)
uint32_t custodia_seal_options_add_recipient(uint64_t h, const custodia_key_id *k)
uint32_t custodia_seal_options_set_signer(uint64_t h, const custodia_key_id *k)
uint32_t custodia_seal_options_set_sender(uint64_t h, const custodia_key_id *k)
uint32_t custodia_seal_options_set_instrument(uint64_t h, uint32_t kind, const char *reference, const char *basis)
uint32_t custodia_seal_options_set_chunk_size(uint64_t h, uint32_t size)
uint32_t custodia_seal_options_set_armor(uint64_t h, bool armor)
uint32_t custodia_seal_options_free(uint64_t h)
const char *custodia_status_name(uint32_t code)
bool custodia_status_is_refusal(uint32_t code)
const char *custodia_version()
uint32_t custodia_abi_version()
uint32_t custodia_live_counts(_Out_ size_t *handles, _Out_ size_t *buffers)
uint32_t custodia_memory_status(_Out_ custodia_memory_protection *out)
uint32_t custodia_disable_core_dumps()
uint32_t custodia_purpose_validate(const char *s)
uint32_t custodia_jurisdiction_validate(const char *s)
uint32_t custodia_case_ref_validate(const char *s)
uint32_t custodia_category_name(uint32_t code, _Out_ const char **out)
uint32_t custodia_category_from_name(const char *name, _Out_ uint32_t *out)
uint32_t custodia_category_minimum_classification(uint32_t code, _Out_ uint32_t *out)
uint32_t custodia_classification_name(uint32_t code, _Out_ const char **out)
uint32_t custodia_classification_from_name(const char *name, _Out_ uint32_t *out)
uint32_t custodia_exception_kind_name(uint32_t code, _Out_ const char **out)
uint32_t custodia_exception_kind_from_name(const char *name, _Out_ uint32_t *out)
uint32_t custodia_key_kind_name(uint32_t code, _Out_ const char **out)
uint32_t custodia_key_kind_from_name(const char *name, _Out_ uint32_t *out)
uint32_t custodia_custodian_options_new(_Out_ uint64_t *out)
uint32_t custodia_custodian_options_set_create(uint64_t h, bool create)
uint32_t custodia_custodian_options_set_kdf(uint64_t h, uint32_t m, uint32_t t, uint32_t p)
uint32_t custodia_custodian_options_set_durability(uint64_t h, uint32_t d, size_t batch, uint32_t delay)
uint32_t custodia_custodian_options_free(uint64_t h)
uint32_t custodia_custodian_options_add_audit_sink(uint64_t h, custodia_audit_sink_fn *fn, void *user_data)
uint32_t custodia_custodian_options_set_require_audit_sinks(uint64_t h, bool require)
uint32_t custodia_custodian_options_add_provider(uint64_t h, uint64_t provider)
uint32_t custodia_custodian_options_set_case_keys(uint64_t h, uint64_t provider, const custodia_key_id *kek, uint64_t ttl, uint64_t uses)
uint32_t custodia_key_provider_new(const custodia_key_provider_callbacks *callbacks, void *user_data, const char *name, uint32_t stanza_kind, _Out_ uint64_t *out)
uint32_t custodia_key_provider_free(uint64_t h)
uint32_t custodia_custodian_options_add_signer(uint64_t h, uint64_t signer)
uint32_t custodia_custodian_options_set_audit_signer(uint64_t h, uint64_t signer)
uint32_t custodia_signer_new(const uint8_t *public_key, const custodia_signer_callbacks *callbacks, void *user_data, _Out_ uint64_t *out)
uint32_t custodia_signer_key_id(uint64_t h, _Out_ custodia_key_id *out)
uint32_t custodia_signer_free(uint64_t h)
uint32_t custodia_custodian_audit_sink_failures(uint64_t c, _Out_ uint64_t *out)
uint32_t custodia_custodian_open_passphrase(const char *dir, const char *passphrase, uint64_t options, _Out_ uint64_t *out)
uint32_t custodia_custodian_open_master_key(const char *dir, const uint8_t *key, size_t len, uint64_t options, _Out_ uint64_t *out)
uint32_t custodia_custodian_close(uint64_t c, _Out_ custodia_buffer *out)
uint32_t custodia_custodian_free(uint64_t c)
uint32_t custodia_audit_verify(uint64_t c, const char **anchors, size_t n, _Out_ custodia_audit_report *out)
uint32_t custodia_audit_public_key(uint64_t c, _Out_ custodia_buffer *out)
uint32_t custodia_audit_checkpoint(uint64_t c, _Out_ custodia_buffer *out)
uint32_t custodia_anchor_countersign(uint64_t c, uint64_t a, const char *anchor, const char *their_key, const custodia_key_id *signer, _Out_ custodia_buffer *out)
uint32_t custodia_anchor_verify(const char *anchor, const char *audit_key, const char *witness_key)
uint32_t custodia_anchor_inspect(const char *anchor, _Out_ custodia_anchor_info *out)
uint32_t custodia_erasure_certificate_verify(const char *cert, const char *audit_key)
uint32_t custodia_erasure_certificate_inspect(const char *cert, _Out_ custodia_erasure_certificate_info *out, _Out_ custodia_key_id *keys, size_t cap)
uint32_t custodia_audit_merkle_prove(uint64_t c, uint64_t seq, _Out_ custodia_buffer *out)
uint32_t custodia_audit_merkle_verify_inclusion(const char *bundle, const char *audit_key, _Out_ custodia_buffer *out)
uint32_t custodia_key_generate(uint64_t c, uint64_t a, uint32_t kind, const char *label, _Out_ custodia_key_id *out)
uint32_t custodia_key_for_case(uint64_t c, uint64_t a, const char *case_ref, uint64_t destroy_after, _Out_ custodia_key_id *out)
uint32_t custodia_key_list_new(uint64_t c, _Out_ uint64_t *out)
uint32_t custodia_key_list_len(uint64_t l, _Out_ size_t *out)
uint32_t custodia_key_list_get(uint64_t l, size_t i, _Out_ custodia_key_info *out)
uint32_t custodia_key_list_free(uint64_t l)
uint32_t custodia_key_export_public(uint64_t c, const custodia_key_id *k, _Out_ custodia_buffer *out)
uint32_t custodia_key_import_public(uint64_t c, uint64_t a, const char *text, const char *label, const char *jur, _Out_ custodia_key_id *out)
uint32_t custodia_key_import_authority(uint64_t c, uint64_t a, const char *text, const char *label, const char *authority, const char *jur, uint64_t nb, uint64_t na, _Out_ custodia_key_id *out)
uint32_t custodia_key_revoke(uint64_t c, uint64_t a, const custodia_key_id *k, const char *reason)
uint32_t custodia_key_mark_compromised(uint64_t c, uint64_t a, const custodia_key_id *k, const char *reason)
uint32_t custodia_key_compromise_report(uint64_t c, const custodia_key_id *k, _Out_ custodia_buffer *out)
uint32_t custodia_key_rotate(uint64_t c, uint64_t a, const custodia_key_id *k, _Out_ custodia_key_id *out)
uint32_t custodia_key_destroy(uint64_t c, uint64_t a, const custodia_key_id *k, const char *reason, _Out_ custodia_buffer *out)
uint32_t custodia_key_shred_expired(uint64_t c, uint64_t a, _Out_ size_t *destroyed, _Out_ size_t *held, _Out_ custodia_buffer *out)
uint32_t custodia_key_set_retention(uint64_t c, uint64_t a, const custodia_key_id *k, uint64_t t)
uint32_t custodia_legal_hold_place(uint64_t c, uint64_t a, const char *case_ref, const char *reference, const char *reason)
uint32_t custodia_legal_hold_release(uint64_t c, uint64_t a, const char *case_ref)
uint32_t custodia_legal_hold_list_new(uint64_t c, _Out_ uint64_t *out)
uint32_t custodia_legal_hold_list_len(uint64_t l, _Out_ size_t *out)
uint32_t custodia_legal_hold_list_get(uint64_t l, size_t i, _Out_ custodia_legal_hold *out)
uint32_t custodia_legal_hold_list_free(uint64_t l)
uint32_t custodia_seal(uint64_t c, uint64_t a, const uint8_t *data, size_t len, uint64_t o, _Out_ custodia_buffer *out)
uint32_t custodia_seal_max_size(uint64_t o, size_t len, _Out_ size_t *out)
uint32_t custodia_seal_into(uint64_t c, uint64_t a, const uint8_t *data, size_t len, uint64_t o, _Out_ uint8_t *out, size_t cap, _Out_ size_t *written)
uint32_t custodia_open(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const uint8_t *env, size_t len, const custodia_key_id *signer, _Out_ custodia_buffer *out, void *info)
uint32_t custodia_open_size(const uint8_t *env, size_t len, _Out_ size_t *out)
uint32_t custodia_open_into(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const uint8_t *env, size_t len, const custodia_key_id *signer, _Out_ uint8_t *out, size_t cap, _Out_ size_t *written, void *info)
uint32_t custodia_envelope_inspect(uint64_t c, const uint8_t *env, size_t len, void *info)
uint32_t custodia_record_new(_Out_ uint64_t *out)
uint32_t custodia_record_add_text(uint64_t r, const char *name, const uint8_t *text, size_t len, uint32_t category, uint32_t classification, const char **purposes, size_t n)
uint32_t custodia_record_add_integer(uint64_t r, const char *name, int64_t value, uint32_t category, uint32_t classification, const char **purposes, size_t n)
uint32_t custodia_record_add_date(uint64_t r, const char *name, const char *date, uint32_t category, uint32_t classification, const char **purposes, size_t n)
uint32_t custodia_record_add_bytes(uint64_t r, const char *name, const uint8_t *data, size_t len, uint32_t category, uint32_t classification, const char **purposes, size_t n)
uint32_t custodia_record_add_nested(uint64_t r, const char *name, uint64_t inner, uint32_t category, uint32_t classification, const char **purposes, size_t n)
uint32_t custodia_record_free(uint64_t r)
uint32_t custodia_seal_record(uint64_t c, uint64_t a, uint64_t r, uint64_t o, _Out_ custodia_buffer *out)
uint32_t custodia_open_record(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const uint8_t *env, size_t len, const custodia_key_id *signer, _Out_ uint64_t *out, void *info)
uint32_t custodia_opened_record_len(uint64_t r, _Out_ size_t *out)
uint32_t custodia_opened_record_field(uint64_t r, size_t i, _Out_ custodia_record_field *out)
uint32_t custodia_opened_record_find(uint64_t r, const char *name, _Out_ size_t *out)
uint32_t custodia_opened_record_text(uint64_t r, size_t i, _Out_ custodia_buffer *out)
uint32_t custodia_opened_record_integer(uint64_t r, size_t i, _Out_ int64_t *out)
uint32_t custodia_opened_record_bytes(uint64_t r, size_t i, _Out_ custodia_buffer *out)
uint32_t custodia_opened_record_json(uint64_t r, size_t i, _Out_ custodia_buffer *out)
uint32_t custodia_opened_record_free(uint64_t r)
uint32_t custodia_pseudonymize(uint64_t c, uint64_t a, const char *purpose, const char *case_ref, uint32_t category, const char *domain, const char **values, size_t n, _Out_ custodia_buffer *out)
uint32_t custodia_resolve_pseudonym(uint64_t c, uint64_t a, const char *purpose, const char *case_ref, uint32_t category, const char *domain, const char *pseudonym, const char **candidates, size_t n, _Out_ size_t *out)
uint32_t custodia_sd_jwt_issue(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const uint8_t *env, size_t len, const custodia_key_id *signer, _Out_ custodia_buffer *out)
uint32_t custodia_sd_jwt_present(uint64_t c, uint64_t a, const char *sd_jwt, const char **fields, size_t n, const char *audience, const char *purpose, _Out_ custodia_buffer *out)
uint32_t custodia_sd_jwt_verify(const char *text, const char *key_text, _Out_ uint64_t *out)
uint32_t custodia_presentation_object_id(uint64_t p, _Out_ custodia_buffer *out)
uint32_t custodia_presentation_case_ref(uint64_t p, _Out_ custodia_buffer *out)
uint32_t custodia_presentation_issuer(uint64_t p, _Out_ custodia_key_id *out)
uint32_t custodia_presentation_issued_at(uint64_t p, _Out_ uint64_t *out)
uint32_t custodia_presentation_counts(uint64_t p, _Out_ size_t *fields, _Out_ size_t *withheld, _Out_ size_t *disclosed)
uint32_t custodia_presentation_field(uint64_t p, size_t i, _Out_ custodia_buffer *name, _Out_ custodia_buffer *json)
uint32_t custodia_presentation_free(uint64_t p)
uint32_t custodia_envelope_describe(uint64_t c, const uint8_t *env, size_t len, _Out_ custodia_buffer *out)
uint32_t custodia_envelope_grant(uint64_t c, const uint8_t *env, size_t len, size_t i, _Out_ custodia_buffer *out)
uint32_t custodia_envelope_receive(uint64_t c, uint64_t a, const uint8_t *env, size_t len, void *info)
uint32_t custodia_reader_open_file(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const custodia_key_id *signer, const char *path, _Out_ uint64_t *out, void *info)
uint32_t custodia_reader_open_fd(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const custodia_key_id *signer, int fd, _Out_ uint64_t *out, void *info)
uint32_t custodia_reader_len(uint64_t r, _Out_ uint64_t *out)
uint32_t custodia_reader_read_at(uint64_t r, uint64_t offset, _Out_ uint8_t *buf, size_t cap, _Out_ size_t *n)
uint32_t custodia_reader_free(uint64_t r)
uint32_t custodia_seal_file(uint64_t c, uint64_t a, uint64_t o, const char *src, const char *dst)
uint32_t custodia_open_file(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const custodia_key_id *signer, const char *src, const char *dst, void *info)
uint32_t custodia_seal_fd(uint64_t c, uint64_t a, uint64_t o, int src, int dst)
uint32_t custodia_open_fd(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const custodia_key_id *signer, int src, int dst, void *info)
uint32_t custodia_seal_stream(uint64_t c, uint64_t a, uint64_t o, custodia_read_fn *r, void *rc, custodia_write_fn *w, void *wc)
uint32_t custodia_open_stream(uint64_t c, uint64_t a, const char *purpose, uint64_t e, const custodia_key_id *signer, custodia_read_fn *r, void *rc, custodia_write_fn *w, void *wc, void *info)
uint32_t custodia_rewrap(uint64_t c, uint64_t a, const char *purpose, const uint8_t *env, size_t len, const custodia_key_id *rm, size_t nrm, const custodia_key_id *add, size_t nadd, _Out_ custodia_buffer *out)
uint32_t custodia_rewrap_rotated(uint64_t c, uint64_t a, const uint8_t *env, size_t len, _Out_ custodia_buffer *out)
uint32_t custodia_rewrap_with_grant(uint64_t c, uint64_t a, const char *purpose, const uint8_t *env, size_t len, const custodia_key_id *rm, size_t nrm, const custodia_key_id *add, size_t nadd, const uint8_t *grant, size_t glen, _Out_ custodia_buffer *out)
uint32_t custodia_rewrap_batch(uint64_t c, uint64_t a, const char **paths, size_t n, const char *purpose, const custodia_key_id *rm, size_t nrm, const custodia_key_id *add, size_t nadd, _Out_ uint64_t *out)
uint32_t custodia_rewrap_results_len(uint64_t r, _Out_ size_t *out)
uint32_t custodia_rewrap_results_get(uint64_t r, size_t i, _Out_ uint32_t *status, _Out_ const char **message)
uint32_t custodia_rewrap_results_free(uint64_t r)
uint32_t custodia_grant_issue_onward_transfer(uint64_t c, uint64_t a, const custodia_key_id *signer, const char *object_id, const char *authority, const char *jur, const custodia_key_id *recipient, uint64_t not_after, const char *reference, _Out_ custodia_buffer *out)
uint32_t custodia_grant_issue_purpose_extension(uint64_t c, uint64_t a, const custodia_key_id *signer, const char *object_id, const char **purposes, size_t n, uint64_t not_after, const char *reference, _Out_ custodia_buffer *out)
uint32_t custodia_grant_id(const uint8_t *grant, size_t len, _Out_ uint8_t *out, size_t cap)
uint32_t custodia_extend_purposes(uint64_t c, uint64_t a, const uint8_t *env, size_t len, const uint8_t *grant, size_t glen, _Out_ custodia_buffer *out)
uint32_t custodia_custodian_unwrap_attempts(uint64_t c, _Out_ uint64_t *out)
uint32_t custodia_receipt_issue(uint64_t c, uint64_t a, const char *object_id, const custodia_key_id *signer, bool name_actors, bool include_refusals, _Out_ uint64_t *out)
uint32_t custodia_receipt_import(uint64_t c, uint64_t a, const char *text, _Out_ uint64_t *out)
uint32_t custodia_receipt_find_by_object(uint64_t c, const char *object_id, _Out_ custodia_buffer *out)
uint32_t custodia_receipt_find_by_case(uint64_t c, const char *case_ref, _Out_ custodia_buffer *out)
uint32_t custodia_receipt_parse(const char *text, _Out_ uint64_t *out)
uint32_t custodia_receipt_verify(uint64_t r, const char *public_key)
uint32_t custodia_receipt_armor(uint64_t r, _Out_ custodia_buffer *out)
uint32_t custodia_receipt_describe(uint64_t r, _Out_ custodia_buffer *object_id, _Out_ custodia_buffer *case_ref, _Out_ custodia_key_id *issuer, _Out_ uint64_t *issued_at)
uint32_t custodia_receipt_item_count(uint64_t r, _Out_ size_t *out)
uint32_t custodia_receipt_item_get(uint64_t r, size_t i, _Out_ uint32_t *kind, _Out_ uint64_t *time)
uint32_t custodia_receipt_item_field(uint64_t r, size_t i, uint32_t field, _Out_ bool *present, _Out_ custodia_buffer *out)
uint32_t custodia_receipt_free(uint64_t r)
uint32_t custodia_audit_query(uint64_t c, const char *case_ref, const char *object, const char *actor, const char **kinds, size_t n, uint64_t from, uint64_t until, _Out_ uint64_t *out)
uint32_t custodia_audit_entries_len(uint64_t e, _Out_ size_t *out)
uint32_t custodia_audit_entries_get(uint64_t e, size_t i, _Out_ custodia_audit_entry *out)
uint32_t custodia_audit_entries_csv(uint64_t e, _Out_ custodia_buffer *out, _Out_ uint64_t *rows)
uint32_t custodia_audit_entries_write_csv(uint64_t e, const char *path, _Out_ uint64_t *rows)
uint32_t custodia_audit_entries_free(uint64_t e)
`;

class LibraryNotFound extends Error {}
class AbiMismatch extends Error {}

function load() {
  const tried = [];
  for (const p of candidatePaths()) {
    if (!fs.existsSync(p)) {
      tried.push(`${p} (absent)`);
      continue;
    }
    const lib = koffi.load(p);
    const abi = lib.func('uint32_t custodia_abi_version()')();
    if (abi !== ABI_VERSION) {
      throw new AbiMismatch(`${p} implements custodia C ABI version ${abi}, but this Node binding was written for ` +
        `version ${ABI_VERSION}; point ${ENV_VAR} at a matching libcustodia.so`);
    }
    const fns = {};
    for (const line of PROTOTYPES.split('\n')) {
      const proto = line.trim();
      if (!proto) continue;
      const name = /(custodia_\w+)\(/.exec(proto)[1];
      fns[name] = lib.func(proto);
    }
    return { lib, fns, path: p };
  }
  throw new LibraryNotFound(`libcustodia.so not found: build it with \`cargo build --release\` (target/release/` +
    `${LIBRARY_NAME}) and set ${ENV_VAR}=/path/to/${LIBRARY_NAME}, or copy it next to this package. ` +
    `Tried: ${tried.join('; ')}`);
}

const loaded = load();

module.exports = {
  koffi, ABI_VERSION, PROTOTYPES, LibraryNotFound, AbiMismatch, candidatePaths,
  fns: loaded.fns, libraryPath: loaded.path,
  types: { buffer, key_id, memory_protection, audit_report, key_info, recipient, envelope_info, audit_entry,
    legal_hold, record_field, anchor_info, erasure_info },
};
