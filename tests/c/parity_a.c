/*
 * Issue 17 §2, first half, through the C API (ABI 4): random-access readers (custodia_reader_*), caller-sized
 * output (custodia_seal_into / custodia_open_into and their size queries), and the full envelope info (case,
 * recipients with their kinds, the legal instrument, grants).
 *
 * Attacks: a read of a chunk changed after sealing must fail with no plaintext left in the caller's buffer (also
 * when the read starts in an intact chunk); a refused reader open must touch no key and yield no handle; a
 * too-small output buffer must get CUSTODIA_ERR_BUFFER_TOO_SMALL with nothing written and nothing recorded.
 *
 * Usage: parity_a WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];

static const char *path(const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

static void write_file(const char *name, const uint8_t *data, size_t len) {
  FILE *f = fopen(name, "wb");
  EXPECT_TRUE(f != NULL && fwrite(data, 1, len, f) == len);
  if (f) fclose(f);
}

static long audit_lines(void) {
  FILE *f = fopen(path("c/audit.log"), "rb");
  if (f == NULL) return -1;
  long n = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF) n += ch == '\n';
  fclose(f);
  return n;
}

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

#define PLAIN_LEN 1000u
#define CHUNK 64u

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: parity_a WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);

  uint8_t master[32];
  memset(master, 0x5A, sizeof master);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path("c"), master, sizeof master, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "central authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id kek, x;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek));
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_X25519, "exchange", &x));

  const char *purposes[] = {"investigation", "prosecution"};
  const char *dest[] = {"DE"};
  custodia_seal_options opts = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &opts));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &kek));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &x));
  EXPECT_OK(custodia_seal_options_set_case_ref(opts, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(opts, "NL", dest, 1));
  EXPECT_OK(custodia_seal_options_set_instrument(opts, CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER,
                                                 "EIO-2026-7", "Directive 2014/41/EU"));
  EXPECT_OK(custodia_seal_options_set_chunk_size(opts, CHUNK));

  uint8_t plain[PLAIN_LEN];
  for (size_t i = 0; i < sizeof plain; i++) plain[i] = (uint8_t)(i * 7 + 3);

  /* ---- seal_into: the size query, a too-small buffer (nothing written, nothing recorded), then a fit ---- */
  size_t max = 0;
  EXPECT_OK(custodia_seal_max_size(opts, sizeof plain, &max));
  EXPECT_TRUE(max >= sizeof plain + 16 * (PLAIN_LEN / CHUNK + 1));
  EXPECT_STATUS(custodia_seal_max_size(opts, sizeof plain, NULL), CUSTODIA_ERR_NULL_POINTER);
  uint8_t *env = calloc(1, max);
  EXPECT_TRUE(env != NULL);
  if (env == NULL) return 1;
  long lines = audit_lines();
  size_t env_len = 0;
  EXPECT_STATUS(custodia_seal_into(c, anna, plain, sizeof plain, opts, env, max - 1, &env_len),
                CUSTODIA_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(env_len == max);
  EXPECT_TRUE(all_zero(env, max));
  EXPECT_TRUE(audit_lines() == lines);
  EXPECT_STATUS(custodia_seal_into(c, anna, plain, sizeof plain, opts, NULL, 5, &env_len), CUSTODIA_ERR_NULL_POINTER);
  env_len = 0;
  EXPECT_OK(custodia_seal_into(c, anna, plain, sizeof plain, opts, env, max, &env_len));
  EXPECT_TRUE(env_len > sizeof plain && env_len <= max);
  EXPECT_TRUE(audit_lines() == lines + 1);

  /* ---- open_into: exact size, too small (before the gate: no key, no record), fit, wrong purpose ---- */
  size_t need = 0;
  EXPECT_OK(custodia_open_size(env, env_len, &need));
  EXPECT_TRUE(need == sizeof plain);
  EXPECT_STATUS(custodia_open_size(env, 10, &need), CUSTODIA_ERR_TRUNCATED);
  uint8_t out[PLAIN_LEN] = {0};
  size_t out_len = 0;
  uint64_t before = unwraps(c);
  lines = audit_lines();
  EXPECT_STATUS(custodia_open_into(c, anna, "investigation", (custodia_exception_ground){0}, env, env_len, NULL, out,
                                   sizeof out - 1, &out_len, NULL),
                CUSTODIA_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(out_len == sizeof plain);
  EXPECT_MESSAGE("1000");
  EXPECT_TRUE(all_zero(out, sizeof out));
  EXPECT_TRUE(unwraps(c) == before);
  EXPECT_TRUE(audit_lines() == lines);
  custodia_envelope_info info = {0};
  out_len = 0;
  EXPECT_OK(custodia_open_into(c, anna, "investigation", (custodia_exception_ground){0}, env, env_len, NULL, out,
                               sizeof out, &out_len, &info));
  EXPECT_TRUE(out_len == sizeof plain && memcmp(out, plain, sizeof plain) == 0);
  memset(out, 0, sizeof out);
  out_len = 7;
  EXPECT_STATUS(custodia_open_into(c, anna, "tax.audit", (custodia_exception_ground){0}, env, env_len, NULL, out,
                                   sizeof out, &out_len, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(out_len == 7 && all_zero(out, sizeof out));

  /* ---- the full info: case, recipients and their kinds, instrument, jurisdictions, purposes, grants ---- */
  EXPECT_TRUE(strcmp(info.case_ref, "MLA-2026-0042") == 0);
  EXPECT_TRUE(info.recipient_count == 2);
  EXPECT_TRUE(memcmp(info.recipients[0].key_id.bytes, kek.bytes, 16) == 0 && info.recipients[0].kind == 1);
  EXPECT_TRUE(memcmp(info.recipients[1].key_id.bytes, x.bytes, 16) == 0 && info.recipients[1].kind == 2);
  EXPECT_TRUE(info.recipients[2].kind == 0);
  EXPECT_TRUE(info.instrument_kind == CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER);
  EXPECT_TRUE(strcmp(info.instrument_reference, "EIO-2026-7") == 0);
  EXPECT_TRUE(strcmp(info.transfer_basis, "Directive 2014/41/EU") == 0);
  EXPECT_TRUE(strcmp(info.origin, "NL") == 0 && strcmp(info.destinations, "DE") == 0);
  EXPECT_TRUE(strcmp(info.purposes, "investigation prosecution") == 0);
  EXPECT_TRUE(info.grant_count == 0);
  custodia_envelope_info seen = {0};
  EXPECT_OK(custodia_envelope_inspect(c, env, env_len, &seen));
  EXPECT_TRUE(strcmp(seen.case_ref, info.case_ref) == 0 && seen.recipient_count == 2);
  custodia_buffer grant = {0};
  EXPECT_STATUS(custodia_envelope_grant(c, env, env_len, 0, &grant), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(grant.data == NULL);

  /* ---- random access: chunk boundaries, past the end, the fd form ---- */
  write_file(path("env.cust"), env, env_len);
  custodia_reader r = {0};
  EXPECT_OK(custodia_reader_open_file(c, anna, "prosecution", (custodia_exception_ground){0}, NULL,
                                      path("env.cust"), &r, NULL));
  uint64_t len = 0;
  EXPECT_OK(custodia_reader_len(r, &len));
  EXPECT_TRUE(len == PLAIN_LEN);
  const uint64_t offsets[] = {0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 15 * CHUNK, PLAIN_LEN - 1, 500};
  for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
    uint8_t got[200] = {0};
    size_t n = 0;
    EXPECT_OK(custodia_reader_read_at(r, offsets[k], got, sizeof got, &n));
    size_t want = PLAIN_LEN - offsets[k] < sizeof got ? (size_t)(PLAIN_LEN - offsets[k]) : sizeof got;
    EXPECT_TRUE(n == want && memcmp(got, plain + offsets[k], want) == 0);
  }
  uint8_t one[8] = {0};
  size_t n = 99;
  EXPECT_OK(custodia_reader_read_at(r, PLAIN_LEN, one, sizeof one, &n));
  EXPECT_TRUE(n == 0);
  n = 99;
  EXPECT_OK(custodia_reader_read_at(r, (uint64_t)PLAIN_LEN + 4096, one, sizeof one, &n));
  EXPECT_TRUE(n == 0);
  EXPECT_STATUS(custodia_reader_read_at(r, 0, NULL, 4, &n), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_reader_free(r));
  EXPECT_STATUS(custodia_reader_read_at(r, 0, one, sizeof one, &n), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_reader_free((custodia_reader){0}));

  int fd = open(path("env.cust"), O_RDONLY);
  EXPECT_TRUE(fd >= 0);
  r = (custodia_reader){0};
  EXPECT_OK(custodia_reader_open_fd(c, anna, "investigation", (custodia_exception_ground){0}, NULL, fd, &r, &seen));
  close(fd); /* the reader keeps its own duplicate */
  EXPECT_TRUE(strcmp(seen.case_ref, "MLA-2026-0042") == 0);
  n = 0;
  EXPECT_OK(custodia_reader_read_at(r, 130, one, sizeof one, &n));
  EXPECT_TRUE(n == sizeof one && memcmp(one, plain + 130, sizeof one) == 0);
  EXPECT_OK(custodia_reader_free(r));

  /* ---- refusal before any key: no handle, no unwrap ---- */
  before = unwraps(c);
  r = (custodia_reader){0};
  EXPECT_STATUS(custodia_reader_open_file(c, anna, "tax.audit", (custodia_exception_ground){0}, NULL,
                                          path("env.cust"), &r, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(r.id == 0 && unwraps(c) == before);

  /* ---- a chunk changed after sealing: refused at read time, nothing released ---- */
  size_t header_len = env_len - (PLAIN_LEN + 16 * (PLAIN_LEN / CHUNK + 1));
  env[header_len + 3 * (CHUNK + 16) + 5] ^= 1;
  write_file(path("tampered.cust"), env, env_len);
  EXPECT_OK(custodia_reader_open_file(c, anna, "investigation", (custodia_exception_ground){0}, NULL,
                                      path("tampered.cust"), &r, NULL));
  uint8_t got[300];
  memset(got, 0, sizeof got);
  n = 77;
  EXPECT_OK(custodia_reader_read_at(r, 0, got, 2 * CHUNK, &n)); /* chunks 0 and 1 are intact */
  EXPECT_TRUE(n == 2 * CHUNK && memcmp(got, plain, n) == 0);
  memset(got, 0, sizeof got);
  n = 77;
  EXPECT_STATUS(custodia_reader_read_at(r, 3 * CHUNK, got, 10, &n), CUSTODIA_ERR_OPEN_FAILED);
  EXPECT_TRUE(n == 77 && all_zero(got, sizeof got));
  /* A range that starts in intact chunk 2 and runs into chunk 3: chunk 2's bytes are taken back. */
  EXPECT_STATUS(custodia_reader_read_at(r, 2 * CHUNK, got, 2 * CHUNK, &n), CUSTODIA_ERR_OPEN_FAILED);
  EXPECT_TRUE(n == 77 && all_zero(got, sizeof got));
  n = 0;
  EXPECT_OK(custodia_reader_read_at(r, 4 * CHUNK, got, CHUNK, &n)); /* later chunks still read */
  EXPECT_TRUE(n == CHUNK && memcmp(got, plain + 4 * CHUNK, CHUNK) == 0);
  EXPECT_OK(custodia_reader_free(r));

  free(env);
  EXPECT_OK(custodia_seal_options_free(opts));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) {
    fprintf(stderr, "parity_a: %d failure(s)\n", test_failures);
    return 1;
  }
  printf("parity_a: ok\n");
  return 0;
}
