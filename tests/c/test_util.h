/* Small helpers shared by the C tests: check a status, print the last error on mismatch, count failures. */
#ifndef CUSTODIA_TEST_UTIL_H
#define CUSTODIA_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "custodia.h"

static int test_failures = 0;

/* Run `call`, expect status `want`; on mismatch print both, with names and the last error message. */
#define EXPECT_STATUS(call, want)                                                                          \
  do {                                                                                                     \
    custodia_status got_ = (call);                                                                         \
    if (got_ != (custodia_status)(want)) {                                                                 \
      fprintf(stderr, "%s:%d: %s\n  expected %u (%s), got %u (%s): %s\n", __FILE__, __LINE__, #call,       \
              (unsigned)(want), custodia_status_name((uint32_t)(want)), (unsigned)got_,                    \
              custodia_status_name(got_), custodia_last_error_message());                                  \
      test_failures++;                                                                                     \
    }                                                                                                      \
  } while (0)

#define EXPECT_OK(call) EXPECT_STATUS(call, CUSTODIA_OK)

#define EXPECT_TRUE(cond)                                                                                  \
  do {                                                                                                     \
    if (!(cond)) {                                                                                         \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                                  \
      test_failures++;                                                                                     \
    }                                                                                                      \
  } while (0)

/* The last error message contains `needle`. */
#define EXPECT_MESSAGE(needle)                                                                             \
  do {                                                                                                     \
    const char *msg_ = custodia_last_error_message();                                                      \
    if (msg_ == NULL || strstr(msg_, (needle)) == NULL) {                                                  \
      fprintf(stderr, "%s:%d: last error message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,              \
              msg_ ? msg_ : "(null)", (needle));                                                           \
      test_failures++;                                                                                     \
    }                                                                                                      \
  } while (0)

/* How many times `of` has tried to unwrap a data key: a refusal must leave it unchanged (no key touched). */
static inline uint64_t unwraps(custodia_custodian of) {
  uint64_t n = UINT64_MAX;
  EXPECT_OK(custodia_custodian_unwrap_attempts(of, &n));
  return n;
}

/* The last line of `dir`/audit.log into `line`. */
static inline void last_audit_line(const char *dir, char *line, size_t cap) {
  char name[700];
  snprintf(name, sizeof name, "%s/audit.log", dir);
  FILE *f = fopen(name, "rb");
  line[0] = 0;
  EXPECT_TRUE(f != NULL);
  if (f == NULL) return;
  char buf[16384];
  while (fgets(buf, sizeof buf, f) != NULL) snprintf(line, cap, "%s", buf);
  fclose(f);
}

/* Fail at start-up if the library is not the ABI this program was compiled against. */
#define CHECK_ABI()                                                                                        \
  do {                                                                                                     \
    if (custodia_abi_version() != CUSTODIA_ABI_VERSION) {                                                  \
      fprintf(stderr, "custodia ABI %u, expected %u\n", (unsigned)custodia_abi_version(),                  \
              (unsigned)CUSTODIA_ABI_VERSION);                                                             \
      return 2;                                                                                            \
    }                                                                                                      \
  } while (0)

#endif
