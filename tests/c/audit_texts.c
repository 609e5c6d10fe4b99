/*
 * Reading anchors and erasure certificates through the C API (custodia_anchor_inspect,
 * custodia_erasure_certificate_inspect) with the library's own parser. Attacks: text that is not an anchor or not a
 * canonical certificate is refused; too little room for the keys is refused and writes nothing; an altered
 * certificate still reads (reading is not trusting) but no longer verifies.
 *
 * Usage: audit_texts WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static custodia_custodian open_at(const char *work, const char *name, uint8_t seed) {
  char dir[700];
  snprintf(dir, sizeof dir, "%s/%s", work, name);
  uint8_t key[32];
  memset(key, seed, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: audit_texts WORK_DIR\n");
    return 2;
  }
  custodia_custodian a = open_at(argv[1], "a", 0x61), b = open_at(argv[1], "b", 0x62);
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "records officer", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));

  /* Anchors: the count and head of the checkpoint, and the counter-signature once witnessed. */
  custodia_buffer anchor = {0}, witnessed = {0}, a_key = {0};
  custodia_key_id witness;
  EXPECT_OK(custodia_key_generate(b, anna, CUSTODIA_KEY_KIND_ED25519, "witness", &witness));
  EXPECT_OK(custodia_audit_checkpoint(a, &anchor));
  EXPECT_OK(custodia_audit_public_key(a, &a_key));
  EXPECT_OK(custodia_anchor_countersign(b, anna, (const char *)anchor.data, (const char *)a_key.data, &witness,
                                        &witnessed));
  custodia_anchor_info ai = {0}, wi = {0};
  EXPECT_OK(custodia_anchor_inspect((const char *)anchor.data, &ai));
  EXPECT_OK(custodia_anchor_inspect((const char *)witnessed.data, &wi));
  EXPECT_TRUE(ai.count >= 1 && ai.count == wi.count);
  EXPECT_TRUE(strlen(ai.log_id) == 32 && strlen(ai.head) == 64);
  EXPECT_TRUE(strcmp(ai.head, wi.head) == 0 && strcmp(ai.log_id, wi.log_id) == 0);
  EXPECT_TRUE(ai.witness_count == 0 && wi.witness_count == 1);
  EXPECT_TRUE(strstr((const char *)anchor.data, ai.head) != NULL);
  custodia_anchor_info untouched = {0};
  EXPECT_STATUS(custodia_anchor_inspect("{\"type\":\"something else\"}", &untouched), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_anchor_inspect(NULL, &untouched), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_anchor_inspect((const char *)anchor.data, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(untouched.count == 0);

  /* Erasure certificates: every member, and the destroyed key. */
  custodia_key_id case_key;
  custodia_buffer cert = {0};
  EXPECT_OK(custodia_key_for_case(a, anna, "MLA-2026-0042", 0, &case_key));
  EXPECT_OK(custodia_key_destroy(a, anna, &case_key, "retention period ended", &cert));
  custodia_erasure_certificate_info ci = {0};
  custodia_key_id keys[CUSTODIA_ERASURE_MAX_KEYS] = {0};
  EXPECT_OK(custodia_erasure_certificate_inspect((const char *)cert.data, &ci, keys, CUSTODIA_ERASURE_MAX_KEYS));
  EXPECT_TRUE(strcmp(ci.reason, "retention period ended") == 0);
  EXPECT_TRUE(strcmp(ci.case_ref, "MLA-2026-0042") == 0);
  EXPECT_TRUE(strcmp(ci.log_id, ai.log_id) == 0);
  EXPECT_TRUE(ci.seq > ai.count && ci.time > 0);
  EXPECT_TRUE(ci.key_count == 1 && memcmp(keys[0].bytes, case_key.bytes, sizeof case_key.bytes) == 0);

  /* Too little room: refused, nothing written. */
  custodia_erasure_certificate_info ci2 = {0};
  custodia_key_id none[1] = {0};
  EXPECT_STATUS(custodia_erasure_certificate_inspect((const char *)cert.data, &ci2, none, 0),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("names 1 keys");
  EXPECT_STATUS(custodia_erasure_certificate_inspect((const char *)cert.data, &ci2, NULL, 4), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(ci2.key_count == 0 && none[0].bytes[0] == 0);

  /* Altered: still reads (reading is not trusting), no longer verifies; non-canonical text does not read. */
  char altered[4096];
  snprintf(altered, sizeof altered, "%s", (const char *)cert.data);
  char *r = strstr(altered, "retention period ended");
  EXPECT_TRUE(r != NULL);
  if (r) memcpy(r, "retention period ENDED", 22);
  EXPECT_OK(custodia_erasure_certificate_inspect(altered, &ci2, keys, CUSTODIA_ERASURE_MAX_KEYS));
  EXPECT_TRUE(strcmp(ci2.reason, "retention period ENDED") == 0);
  EXPECT_STATUS(custodia_erasure_certificate_verify(altered, (const char *)a_key.data), CUSTODIA_ERR_AUDIT_TAMPERED);
  EXPECT_OK(custodia_erasure_certificate_verify((const char *)cert.data, (const char *)a_key.data));
  char spaced[4096];
  snprintf(spaced, sizeof spaced, "{ %s", (const char *)cert.data + 1);
  EXPECT_STATUS(custodia_erasure_certificate_inspect(spaced, &ci2, keys, CUSTODIA_ERASURE_MAX_KEYS),
                CUSTODIA_ERR_INVALID_ARGUMENT);

  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_buffer_free(&witnessed));
  EXPECT_OK(custodia_buffer_free(&a_key));
  EXPECT_OK(custodia_buffer_free(&cert));
  EXPECT_OK(custodia_actor_free(anna));
  custodia_buffer closing = {0};
  EXPECT_OK(custodia_custodian_close(a, &closing));
  EXPECT_OK(custodia_buffer_free(&closing));
  EXPECT_OK(custodia_custodian_close(b, &closing));
  EXPECT_OK(custodia_buffer_free(&closing));
  EXPECT_OK(custodia_custodian_free(a));
  EXPECT_OK(custodia_custodian_free(b));
  if (test_failures) fprintf(stderr, "audit_texts: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
