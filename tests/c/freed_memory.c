/*
 * No plaintext or passphrase is left in memory the library frees (issue 18 section 2; docs/MEMORY.md), seen from C
 * through the buffer free path: this program defines its own `free` and `realloc` (interposing glibc's for the
 * whole process, libcustodia.so included) that scan every block freed, and every block a `realloc` moves away
 * from, for planted patterns before handing it back to glibc (`__libc_free`). After seal, open, the
 * `custodia_buffer_free` of the plaintext, a refused and a failed open and closing everything: zero hits. The
 * scanner is itself tested: a block freed unwiped IS a hit, a wiped one is not, and `custodia_buffer_free` is seen
 * to free through the interposed `free`.
 *
 * Run only in the plain run (`make test`), not under valgrind or AddressSanitizer, which replace `free` themselves;
 * glibc only (`__libc_free`, `__libc_malloc`, `malloc_usable_size`).
 *
 * Usage: freed_memory WORK_DIR
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

extern void __libc_free(void *ptr);
extern void *__libc_malloc(size_t size);

enum { MAX_WATCH = 8 };
static const void *watch[MAX_WATCH];
static size_t watch_len[MAX_WATCH];
static atomic_int watch_count;
static atomic_size_t hits[MAX_WATCH];
static atomic_size_t frees;

static void scan(const void *p) {
  size_t n = malloc_usable_size((void *)p);
  int count = atomic_load(&watch_count);
  for (int i = 0; i < count; i++) {
    if (memmem(p, n, watch[i], watch_len[i]) != NULL) atomic_fetch_add(&hits[i], 1);
  }
}

void free(void *p) {
  if (p != NULL) {
    atomic_fetch_add(&frees, 1);
    scan(p);
  }
  __libc_free(p);
}

/* Always moves, so that every block a growing buffer leaves behind passes through the scan in `free`. */
void *realloc(void *p, size_t n) {
  if (p == NULL) return __libc_malloc(n);
  if (n == 0) {
    free(p);
    return NULL;
  }
  void *q = __libc_malloc(n);
  if (q == NULL) return NULL;
  size_t old = malloc_usable_size(p);
  memcpy(q, p, old < n ? old : n);
  free(p);
  return q;
}

static int plant(const void *pattern, size_t len) {
  int i = atomic_load(&watch_count);
  watch[i] = pattern;
  watch_len[i] = len;
  atomic_store(&watch_count, i + 1);
  return i;
}

/* Called through a volatile pointer, so the compiler cannot elide the self-test's malloc/memcpy/free. */
static void (*volatile free_opaque)(void *) = free;

static const char PASSPHRASE[] = "freed-memory C passphrase 5f1e9d3c";
static const char MARKER[] = "C-PLAINTEXT-MARKER-freed-memory-0a1b2c3d4e5f";
static const char SELF_UNWIPED[] = "C-SCANNER-SELF-TEST-unwiped-77aa";
static const char SELF_WIPED[] = "C-SCANNER-SELF-TEST-wiped-88bb99";

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc < 2) return 2;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/custodian", argv[1]);

  /* The scanner sees an unwiped block, not a wiped one. */
  int unwiped = plant(SELF_UNWIPED, sizeof SELF_UNWIPED - 1);
  int wiped = plant(SELF_WIPED, sizeof SELF_WIPED - 1);
  char *b = malloc(100);
  memcpy(b, SELF_UNWIPED, sizeof SELF_UNWIPED);
  free_opaque(b);
  EXPECT_TRUE(atomic_load(&hits[unwiped]) == 1);
  b = malloc(100);
  memcpy(b, SELF_WIPED, sizeof SELF_WIPED);
  explicit_bzero(b, 100);
  free_opaque(b);
  EXPECT_TRUE(atomic_load(&hits[wiped]) == 0);

  int passphrase = plant(PASSPHRASE, sizeof PASSPHRASE - 1);
  int marker = plant(MARKER, sizeof MARKER - 1);

  /* Plaintext: the marker again and again, over more than one 64 KiB chunk. */
  size_t n = 150000;
  uint8_t *plain = malloc(n);
  for (size_t i = 0; i < n; i++) plain[i] = (uint8_t)MARKER[i % (sizeof MARKER - 1)];

  custodia_custodian_options options = {0};
  EXPECT_OK(custodia_custodian_options_new(&options));
  EXPECT_OK(custodia_custodian_options_set_create(options, true));
  EXPECT_OK(custodia_custodian_options_set_kdf(options, 64, 1, 1));
  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_open_passphrase(dir, PASSPHRASE, options, &c));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "kek", &kek));
  const char *purposes[] = {"investigation"};
  custodia_seal_options opts = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &opts));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &kek));
  custodia_buffer envelope = {0};
  EXPECT_OK(custodia_seal(c, anna, plain, n, opts, &envelope));
  EXPECT_TRUE(atomic_load(&hits[marker]) == 0);

  custodia_exception_ground none = {0};
  custodia_buffer opened = {0};
  EXPECT_OK(custodia_open(c, anna, "investigation", none, envelope.data, envelope.len, NULL, &opened, NULL));
  EXPECT_TRUE(opened.len == n && memcmp(opened.data, plain, n) == 0);
  size_t before = atomic_load(&frees);
  EXPECT_OK(custodia_buffer_free(&opened));
  EXPECT_TRUE(atomic_load(&frees) > before); /* the library's free goes through the scan */
  EXPECT_TRUE(atomic_load(&hits[marker]) == 0);

  /* A refusal, and a tampered last chunk (refused after the first chunk decrypted). */
  EXPECT_STATUS(custodia_open(c, anna, "asset_recovery", none, envelope.data, envelope.len, NULL, &opened, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  envelope.data[envelope.len - 1] ^= 1;
  custodia_status tampered =
      custodia_open(c, anna, "investigation", none, envelope.data, envelope.len, NULL, &opened, NULL);
  EXPECT_TRUE(tampered != CUSTODIA_OK);
  EXPECT_TRUE(opened.data == NULL);
  EXPECT_TRUE(atomic_load(&hits[marker]) == 0);

  EXPECT_OK(custodia_buffer_free(&envelope));
  EXPECT_OK(custodia_seal_options_free(opts));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  EXPECT_OK(custodia_custodian_options_free(options));
  explicit_bzero(plain, n);
  free(plain);
  EXPECT_TRUE(atomic_load(&hits[marker]) == 0);
  EXPECT_TRUE(atomic_load(&hits[passphrase]) == 0);
  if (test_failures == 0) printf("freed_memory: %zu frees scanned, no planted pattern left behind\n", atomic_load(&frees));
  return test_failures == 0 ? 0 : 1;
}
