/*
 * Legal-hold listing through the C API: the holds in force with their case, reference, reason, setter, time and the
 * keys they keep from destruction. Attacks: a listed key really is held (destroying it is refused); a snapshot stays
 * readable after the hold is released (it owns its strings) while a new one is empty; bad indexes and freed
 * snapshots are refused.
 *
 * Usage: legal_holds WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: legal_holds WORK_DIR\n");
    return 2;
  }
  char dir[600];
  snprintf(dir, sizeof dir, "%s/c", argv[1]);
  uint8_t key[32];
  memset(key, 0x52, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "records officer", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id held, free_key;
  EXPECT_OK(custodia_key_for_case(c, anna, "MLA-2026-0042", 0, &held));
  EXPECT_OK(custodia_key_for_case(c, anna, "MLA-2026-0043", 0, &free_key));

  custodia_legal_hold_list list = {0};
  size_t n = SIZE_MAX;
  EXPECT_OK(custodia_legal_hold_list_new(c, &list));
  EXPECT_OK(custodia_legal_hold_list_len(list, &n));
  EXPECT_TRUE(n == 0);
  EXPECT_OK(custodia_legal_hold_list_free(list));

  EXPECT_OK(custodia_legal_hold_place(c, anna, "MLA-2026-0042", "order 17/2026", "appeal pending"));
  EXPECT_OK(custodia_legal_hold_list_new(c, &list));
  EXPECT_OK(custodia_legal_hold_list_len(list, &n));
  EXPECT_TRUE(n == 1);
  custodia_legal_hold h = {0};
  EXPECT_OK(custodia_legal_hold_list_get(list, 0, &h));
  EXPECT_TRUE(strcmp(h.case_ref, "MLA-2026-0042") == 0);
  EXPECT_TRUE(strcmp(h.reference, "order 17/2026") == 0);
  EXPECT_TRUE(strcmp(h.reason, "appeal pending") == 0);
  EXPECT_TRUE(strcmp(h.set_by, "anna") == 0);
  EXPECT_TRUE(h.set_at > 0);
  EXPECT_TRUE(h.key_count == 1 && h.keys != NULL);
  if (h.key_count == 1 && h.keys) EXPECT_TRUE(memcmp(h.keys[0].bytes, held.bytes, sizeof held.bytes) == 0);
  custodia_legal_hold untouched = {0};
  EXPECT_STATUS(custodia_legal_hold_list_get(list, 1, &untouched), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(untouched.case_ref == NULL);
  EXPECT_STATUS(custodia_legal_hold_list_get(list, 0, NULL), CUSTODIA_ERR_NULL_POINTER);

  /* The listed key is really held; the other case's key is not. */
  custodia_buffer cert = {0};
  EXPECT_STATUS(custodia_key_destroy(c, anna, &held, "retention period ended", &cert), CUSTODIA_ERR_LEGAL_HOLD);
  EXPECT_OK(custodia_key_destroy(c, anna, &free_key, "retention period ended", &cert));
  EXPECT_OK(custodia_buffer_free(&cert));

  /* Released: the old snapshot still reads (it owns its strings), a new one is empty. */
  EXPECT_OK(custodia_legal_hold_release(c, anna, "MLA-2026-0042"));
  EXPECT_OK(custodia_legal_hold_list_get(list, 0, &h));
  EXPECT_TRUE(strcmp(h.reason, "appeal pending") == 0);
  custodia_legal_hold_list after = {0};
  EXPECT_OK(custodia_legal_hold_list_new(c, &after));
  EXPECT_OK(custodia_legal_hold_list_len(after, &n));
  EXPECT_TRUE(n == 0);
  EXPECT_OK(custodia_legal_hold_list_free(after));
  EXPECT_OK(custodia_legal_hold_list_free(list));
  EXPECT_STATUS(custodia_legal_hold_list_len(list, &n), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_legal_hold_list_new(c, NULL), CUSTODIA_ERR_NULL_POINTER);

  custodia_buffer anchor = {0};
  EXPECT_OK(custodia_custodian_close(c, &anchor));
  EXPECT_STATUS(custodia_legal_hold_list_new(c, &list), CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) fprintf(stderr, "legal_holds: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
