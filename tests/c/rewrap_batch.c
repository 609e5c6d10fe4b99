/*
 * Batch re-wrap through the C API, with the outcome of each file. Attacks: after a rotation and the destruction of
 * the old key, the re-wrapped files open and an untouched copy does not (the re-wrap really happened, in place);
 * garbage and missing files fail alone without stopping the batch; a purpose the envelopes were not given is refused
 * per file with its rule named; `remove`/`add` without a purpose and NULL arguments are refused as a whole.
 *
 * Usage: rewrap_batch WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];
static const custodia_exception_ground NO_EXCEPTION = {0};

static const char *path(const char *name) {
  static char buf[8][600];
  static int next = 0;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

static void write_file(const char *name, const char *content) {
  FILE *f = fopen(path(name), "wb");
  EXPECT_TRUE(f != NULL);
  if (f == NULL) return;
  fwrite(content, 1, strlen(content), f);
  fclose(f);
}

static void copy_file(const char *from, const char *to) {
  static char content[1 << 16];
  FILE *f = fopen(path(from), "rb");
  size_t n = f ? fread(content, 1, sizeof content, f) : 0;
  if (f) fclose(f);
  f = fopen(path(to), "wb");
  EXPECT_TRUE(f != NULL && fwrite(content, 1, n, f) == n);
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: rewrap_batch WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  uint8_t key[32];
  memset(key, 0x53, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path("c"), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "investigator", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id old_kek, new_kek, other;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &old_kek));
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "second", &other));
  const char *purposes[1] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &old_kek));
  write_file("one.txt", "first statement");
  write_file("two.txt", "second statement");
  EXPECT_OK(custodia_seal_file(c, anna, o, path("one.txt"), path("one.cust")));
  EXPECT_OK(custodia_seal_file(c, anna, o, path("two.txt"), path("two.cust")));
  copy_file("one.cust", "kept.cust");
  write_file("garbage.cust", "this is not an envelope at all");
  EXPECT_OK(custodia_key_rotate(c, anna, &old_kek, &new_kek));

  /* Rotated plan: two files re-wrapped, garbage and a missing file fail alone. */
  const char *files[4] = {path("one.cust"), path("garbage.cust"), path("missing.cust"), path("two.cust")};
  custodia_rewrap_results r = {0};
  EXPECT_OK(custodia_rewrap_batch(c, anna, files, 4, NULL, NULL, 0, NULL, 0, &r));
  size_t n = 0;
  EXPECT_OK(custodia_rewrap_results_len(r, &n));
  EXPECT_TRUE(n == 4);
  custodia_status s = CUSTODIA_OK;
  const char *message = NULL;
  EXPECT_OK(custodia_rewrap_results_get(r, 0, &s, &message));
  EXPECT_TRUE(s == CUSTODIA_OK && message != NULL && message[0] == 0);
  EXPECT_OK(custodia_rewrap_results_get(r, 1, &s, &message));
  EXPECT_TRUE(s != CUSTODIA_OK && message != NULL && message[0] != 0);
  EXPECT_OK(custodia_rewrap_results_get(r, 2, &s, NULL));
  EXPECT_TRUE(s == CUSTODIA_ERR_IO);
  EXPECT_OK(custodia_rewrap_results_get(r, 3, &s, &message));
  EXPECT_TRUE(s == CUSTODIA_OK);
  EXPECT_STATUS(custodia_rewrap_results_get(r, 4, &s, &message), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_rewrap_results_get(r, 0, NULL, &message), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_rewrap_results_free(r));
  EXPECT_STATUS(custodia_rewrap_results_len(r, &n), CUSTODIA_ERR_INVALID_HANDLE);

  /* With the old key destroyed, only the re-wrapped files still open. */
  custodia_buffer cert = {0};
  EXPECT_OK(custodia_key_destroy(c, anna, &old_kek, "rotated out", &cert));
  EXPECT_OK(custodia_buffer_free(&cert));
  custodia_envelope_info info;
  EXPECT_OK(custodia_open_file(c, anna, "investigation", NO_EXCEPTION, NULL, path("one.cust"), path("one.out"), &info));
  EXPECT_OK(custodia_open_file(c, anna, "investigation", NO_EXCEPTION, NULL, path("two.cust"), path("two.out"), &info));
  EXPECT_TRUE(custodia_open_file(c, anna, "investigation", NO_EXCEPTION, NULL, path("kept.cust"), path("kept.out"),
                                 &info) != CUSTODIA_OK);

  /* A change for a stated purpose: allowed for the envelope's own purpose, refused per file for another. */
  const char *both[2] = {path("one.cust"), path("two.cust")};
  EXPECT_OK(custodia_rewrap_batch(c, anna, both, 2, "investigation", NULL, 0, &other, 1, &r));
  EXPECT_OK(custodia_rewrap_results_get(r, 0, &s, &message));
  EXPECT_TRUE(s == CUSTODIA_OK);
  EXPECT_OK(custodia_rewrap_results_get(r, 1, &s, &message));
  EXPECT_TRUE(s == CUSTODIA_OK);
  EXPECT_OK(custodia_rewrap_results_free(r));
  EXPECT_OK(custodia_rewrap_batch(c, anna, both, 2, "extradition", NULL, 0, &other, 1, &r));
  for (size_t i = 0; i < 2; i++) {
    EXPECT_OK(custodia_rewrap_results_get(r, i, &s, &message));
    EXPECT_TRUE(s == CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
    EXPECT_TRUE(custodia_status_is_refusal(s));
    EXPECT_TRUE(message != NULL && strstr(message, "extradition") != NULL);
  }
  EXPECT_OK(custodia_rewrap_results_free(r));

  /* Refused as a whole: nothing is re-wrapped and the output stays untouched. */
  custodia_rewrap_results untouched = {0};
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, both, 2, NULL, NULL, 0, &other, 1, &untouched),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, both, 2, "not a purpose!", NULL, 0, &other, 1, &untouched),
                CUSTODIA_ERR_INVALID_PURPOSE);
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, NULL, 2, NULL, NULL, 0, NULL, 0, &untouched), CUSTODIA_ERR_NULL_POINTER);
  const char *with_null[2] = {path("one.cust"), NULL};
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, with_null, 2, NULL, NULL, 0, NULL, 0, &untouched),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, both, 2, NULL, NULL, 0, NULL, 0, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(untouched.id == 0);
  EXPECT_OK(custodia_rewrap_batch(c, anna, NULL, 0, NULL, NULL, 0, NULL, 0, &r));
  EXPECT_OK(custodia_rewrap_results_len(r, &n));
  EXPECT_TRUE(n == 0);
  EXPECT_OK(custodia_rewrap_results_free(r));

  custodia_buffer anchor = {0};
  EXPECT_OK(custodia_custodian_close(c, &anchor));
  EXPECT_STATUS(custodia_rewrap_batch(c, anna, both, 2, NULL, NULL, 0, NULL, 0, &untouched),
                CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) fprintf(stderr, "rewrap_batch: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
