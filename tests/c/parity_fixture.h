/* The fixture the issue-17 (ABI 4) C tests share: one custodian with a KEK and an X25519 key, an actor, seal options
 * with a case, jurisdictions, a legal instrument and 64-byte chunks, and a 1000-byte plaintext. */
#ifndef CUSTODIA_PARITY_FIXTURE_H
#define CUSTODIA_PARITY_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

#define PLAIN_LEN 1000u
#define CHUNK 64u

struct fixture {
  char work[512];
  custodia_custodian c;
  custodia_actor anna;
  custodia_key_id kek, x;
  custodia_seal_options opts;
  uint8_t plain[PLAIN_LEN];
};

static inline const char *fixture_path(const struct fixture *f, const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", f->work, name);
  return p;
}

static inline void fixture_open(struct fixture *f, const char *work) {
  memset(f, 0, sizeof *f);
  snprintf(f->work, sizeof f->work, "%s", work);
  uint8_t master[32];
  memset(master, 0x5A, sizeof master);
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(fixture_path(f, "c"), master, sizeof master, create, &f->c));
  EXPECT_OK(custodia_custodian_options_free(create));
  EXPECT_OK(custodia_actor_new("anna", "central authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &f->anna));
  EXPECT_OK(custodia_key_generate(f->c, f->anna, CUSTODIA_KEY_KIND_KEK, "local", &f->kek));
  EXPECT_OK(custodia_key_generate(f->c, f->anna, CUSTODIA_KEY_KIND_X25519, "exchange", &f->x));
  const char *purposes[] = {"investigation", "prosecution"};
  const char *dest[] = {"DE"};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &f->opts));
  EXPECT_OK(custodia_seal_options_add_recipient(f->opts, &f->kek));
  EXPECT_OK(custodia_seal_options_add_recipient(f->opts, &f->x));
  EXPECT_OK(custodia_seal_options_set_case_ref(f->opts, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(f->opts, "NL", dest, 1));
  EXPECT_OK(custodia_seal_options_set_instrument(f->opts, CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER,
                                                 "EIO-2026-7", "Directive 2014/41/EU"));
  EXPECT_OK(custodia_seal_options_set_chunk_size(f->opts, CHUNK));
  for (size_t i = 0; i < sizeof f->plain; i++) f->plain[i] = (uint8_t)(i * 7 + 3);
}

/* Seal the plaintext with custodia_seal; the caller frees the buffer. */
static inline custodia_buffer fixture_seal(struct fixture *f) {
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal(f->c, f->anna, f->plain, sizeof f->plain, f->opts, &env));
  return env;
}

static inline void fixture_close(struct fixture *f) {
  EXPECT_OK(custodia_seal_options_free(f->opts));
  EXPECT_OK(custodia_actor_free(f->anna));
  EXPECT_OK(custodia_custodian_free(f->c));
}

static inline int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static inline void write_file(const char *name, const uint8_t *data, size_t len) {
  FILE *file = fopen(name, "wb");
  EXPECT_TRUE(file != NULL && fwrite(data, 1, len, file) == len);
  if (file) fclose(file);
}

/* Lines in the custodian's audit log (-1 if it cannot be read). */
static inline long audit_lines(const struct fixture *f) {
  FILE *file = fopen(fixture_path(f, "c/audit.log"), "rb");
  if (file == NULL) return -1;
  long n = 0;
  int ch;
  while ((ch = fgetc(file)) != EOF) n += ch == '\n';
  fclose(file);
  return n;
}

#define FIXTURE_MAIN_END(name)                                                                             \
  do {                                                                                                     \
    if (test_failures) {                                                                                   \
      fprintf(stderr, name ": %d failure(s)\n", test_failures);                                            \
      return 1;                                                                                            \
    }                                                                                                      \
    printf(name ": ok\n");                                                                                 \
    return 0;                                                                                              \
  } while (0)

#endif
