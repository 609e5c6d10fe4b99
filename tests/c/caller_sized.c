/*
 * Caller-sized output through the C API (ABI 4): custodia_seal_max_size / custodia_seal_into and
 * custodia_open_size / custodia_open_into.
 *
 * Attacks: a buffer one byte short (and a NULL buffer with a capacity) must be refused with
 * CUSTODIA_ERR_BUFFER_TOO_SMALL (or NULL_POINTER) before anything is sealed, decided, unwrapped or recorded, with
 * nothing written and the size needed reported; a refused open into a big-enough buffer must leave it untouched.
 *
 * Usage: caller_sized WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "parity_fixture.h"

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: caller_sized WORK_DIR\n");
    return 2;
  }
  struct fixture f;
  fixture_open(&f, argv[1]);

  /* ---- seal_into: the size query, a too-small buffer (nothing written, nothing recorded), then a fit ---- */
  size_t max = 0;
  EXPECT_OK(custodia_seal_max_size(f.opts, sizeof f.plain, &max));
  EXPECT_TRUE(max >= sizeof f.plain + 16 * (PLAIN_LEN / CHUNK + 1));
  EXPECT_STATUS(custodia_seal_max_size(f.opts, sizeof f.plain, NULL), CUSTODIA_ERR_NULL_POINTER);
  uint8_t *env = calloc(1, max);
  EXPECT_TRUE(env != NULL);
  if (env == NULL) return 1;
  long lines = audit_lines(&f);
  size_t env_len = 0;
  EXPECT_STATUS(custodia_seal_into(f.c, f.anna, f.plain, sizeof f.plain, f.opts, env, max - 1, &env_len),
                CUSTODIA_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(env_len == max);
  EXPECT_TRUE(all_zero(env, max));
  EXPECT_TRUE(audit_lines(&f) == lines);
  EXPECT_STATUS(custodia_seal_into(f.c, f.anna, f.plain, sizeof f.plain, f.opts, NULL, 5, &env_len),
                CUSTODIA_ERR_NULL_POINTER);
  env_len = 0;
  EXPECT_OK(custodia_seal_into(f.c, f.anna, f.plain, sizeof f.plain, f.opts, env, max, &env_len));
  EXPECT_TRUE(env_len > sizeof f.plain && env_len <= max);
  EXPECT_TRUE(audit_lines(&f) == lines + 1);

  /* ---- open_into: exact size, too small (before the gate: no key, no record), fit, wrong purpose ---- */
  size_t need = 0;
  EXPECT_OK(custodia_open_size(env, env_len, &need));
  EXPECT_TRUE(need == sizeof f.plain);
  EXPECT_STATUS(custodia_open_size(env, 10, &need), CUSTODIA_ERR_TRUNCATED);
  uint8_t out[PLAIN_LEN] = {0};
  size_t out_len = 0;
  uint64_t before = unwraps(f.c);
  lines = audit_lines(&f);
  EXPECT_STATUS(custodia_open_into(f.c, f.anna, "investigation", (custodia_exception_ground){0}, env, env_len, NULL,
                                   out, sizeof out - 1, &out_len, NULL),
                CUSTODIA_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(out_len == sizeof f.plain);
  EXPECT_MESSAGE("1000");
  EXPECT_TRUE(all_zero(out, sizeof out));
  EXPECT_TRUE(unwraps(f.c) == before);
  EXPECT_TRUE(audit_lines(&f) == lines);
  custodia_envelope_info info = {0};
  out_len = 0;
  EXPECT_OK(custodia_open_into(f.c, f.anna, "investigation", (custodia_exception_ground){0}, env, env_len, NULL, out,
                               sizeof out, &out_len, &info));
  EXPECT_TRUE(out_len == sizeof f.plain && memcmp(out, f.plain, sizeof f.plain) == 0);
  EXPECT_TRUE(strcmp(info.case_ref, "MLA-2026-0042") == 0);
  memset(out, 0, sizeof out);
  out_len = 7;
  EXPECT_STATUS(custodia_open_into(f.c, f.anna, "tax.audit", (custodia_exception_ground){0}, env, env_len, NULL, out,
                                   sizeof out, &out_len, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(out_len == 7 && all_zero(out, sizeof out));

  /* ---- the empty plaintext: size 0, a NULL buffer of capacity 0 is enough ---- */
  custodia_buffer empty = {0};
  EXPECT_OK(custodia_seal(f.c, f.anna, NULL, 0, f.opts, &empty));
  EXPECT_OK(custodia_open_size(empty.data, empty.len, &need));
  EXPECT_TRUE(need == 0);
  out_len = 9;
  EXPECT_OK(custodia_open_into(f.c, f.anna, "investigation", (custodia_exception_ground){0}, empty.data, empty.len,
                               NULL, NULL, 0, &out_len, NULL));
  EXPECT_TRUE(out_len == 0);
  EXPECT_OK(custodia_buffer_free(&empty));

  free(env);
  fixture_close(&f);
  FIXTURE_MAIN_END("caller_sized");
}
