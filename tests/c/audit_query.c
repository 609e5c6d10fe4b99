/*
 * Audit queries and CSV export through the C API: filter by kind, actor, case, object and time; read each entry's
 * fields and JSON; export the snapshot as CSV to a buffer and to a private file. Refusals: an unknown kind or a bad
 * case reference is refused and leaves the output untouched; an index past the end and a freed snapshot are refused.
 *
 * Usage: audit_query WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];
static const custodia_exception_ground NO_EXCEPTION = {0};

static const char *path(const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

static size_t count(custodia_custodian c, const char *case_ref, const char *object, const char *actor,
                    const char *kind, uint64_t from, uint64_t until) {
  custodia_audit_entries e = {0};
  const char *kinds[1] = {kind};
  size_t n = SIZE_MAX;
  EXPECT_OK(custodia_audit_query(c, case_ref, object, actor, kind ? kinds : NULL, kind ? 1 : 0, from, until, &e));
  EXPECT_OK(custodia_audit_entries_len(e, &n));
  EXPECT_OK(custodia_audit_entries_free(e));
  return n;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: audit_query WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  uint8_t key[32];
  memset(key, 0x51, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path("c"), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "investigator", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek));
  const char *purposes[1] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &kek));
  EXPECT_OK(custodia_seal_options_set_case_ref(o, "MLA-2026-0042"));
  custodia_buffer env = {0}, pt = {0};
  EXPECT_OK(custodia_seal(c, anna, (const uint8_t *)"statement", 9, o, &env));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL));
  EXPECT_STATUS(custodia_open(c, anna, "extradition", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);

  /* Everything, in log order from the genesis entry. */
  custodia_audit_entries all = {0};
  size_t n = 0;
  EXPECT_OK(custodia_audit_query(c, NULL, NULL, NULL, NULL, 0, 0, 0, &all));
  EXPECT_OK(custodia_audit_entries_len(all, &n));
  EXPECT_TRUE(n >= 5);
  custodia_audit_entry e = {0};
  char object[256] = {0};
  uint64_t first_time = 0, last_time = 0;
  for (size_t i = 0; i < n; i++) {
    EXPECT_OK(custodia_audit_entries_get(all, i, &e));
    EXPECT_TRUE(e.seq == i);
    EXPECT_TRUE(e.kind != NULL && e.outcome != NULL && e.json != NULL);
    EXPECT_TRUE(strstr(e.json, "\"kind\":") != NULL);
    if (i == 0) {
      EXPECT_TRUE(strcmp(e.kind, "genesis") == 0);
      first_time = e.time;
    }
    last_time = e.time;
    if (strcmp(e.kind, "opened") == 0) {
      EXPECT_TRUE(e.actor_id && strcmp(e.actor_id, "anna") == 0);
      EXPECT_TRUE(e.actor_role && strcmp(e.actor_role, "investigator") == 0);
      EXPECT_TRUE(e.actor_jurisdiction && strcmp(e.actor_jurisdiction, "NL") == 0);
      EXPECT_TRUE(e.purpose && strcmp(e.purpose, "investigation") == 0);
      EXPECT_TRUE(e.case_ref && strcmp(e.case_ref, "MLA-2026-0042") == 0);
      EXPECT_TRUE(strcmp(e.outcome, "ok") == 0);
      EXPECT_TRUE(e.object != NULL);
      if (e.object) snprintf(object, sizeof object, "%s", e.object);
    }
  }
  EXPECT_TRUE(object[0] != 0);
  EXPECT_STATUS(custodia_audit_entries_get(all, n, &e), CUSTODIA_ERR_INVALID_ARGUMENT);

  /* Filters: each one narrows to what it names, and only that. */
  EXPECT_TRUE(count(c, NULL, NULL, NULL, "opened", 0, 0) == 1);
  EXPECT_TRUE(count(c, NULL, NULL, NULL, "refused", 0, 0) == 1);
  EXPECT_TRUE(count(c, NULL, NULL, "anna", "opened", 0, 0) == 1);
  EXPECT_TRUE(count(c, NULL, NULL, "nobody", NULL, 0, 0) == 0);
  EXPECT_TRUE(count(c, "MLA-2026-0042", NULL, NULL, NULL, 0, 0) == 3); /* sealed, opened, refused */
  EXPECT_TRUE(count(c, "MLA-2026-0043", NULL, NULL, NULL, 0, 0) == 0);
  EXPECT_TRUE(count(c, NULL, object, NULL, NULL, 0, 0) == 3);
  EXPECT_TRUE(count(c, NULL, "00ff", NULL, NULL, 0, 0) == 0);
  EXPECT_TRUE(count(c, NULL, NULL, NULL, NULL, last_time + 1, 0) == 0);
  EXPECT_TRUE(count(c, NULL, NULL, NULL, NULL, 0, first_time) == 0); /* `until` is exclusive */
  EXPECT_TRUE(count(c, NULL, NULL, NULL, NULL, first_time, last_time + 1) == n);
  custodia_audit_entries refused = {0}, untouched = {0};
  const char *both[2] = {"opened", "refused"};
  EXPECT_OK(custodia_audit_query(c, NULL, NULL, NULL, both, 2, 0, 0, &refused));
  EXPECT_OK(custodia_audit_entries_len(refused, &n));
  EXPECT_TRUE(n == 2);
  EXPECT_OK(custodia_audit_entries_get(refused, 1, &e));
  EXPECT_TRUE(strcmp(e.kind, "refused") == 0 && strncmp(e.outcome, "refused:", 8) == 0);

  /* Refused arguments leave the output untouched. */
  const char *bogus[1] = {"bogus"};
  EXPECT_STATUS(custodia_audit_query(c, NULL, NULL, NULL, bogus, 1, 0, 0, &untouched), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("bogus");
  EXPECT_STATUS(custodia_audit_query(c, "MLA\n2026", NULL, NULL, NULL, 0, 0, 0, &untouched),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_audit_query(c, NULL, NULL, NULL, NULL, 1, 0, 0, &untouched), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_audit_query(c, NULL, NULL, NULL, NULL, 0, 0, 0, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(untouched.id == 0);

  /* CSV: a header row and one CRLF-terminated row per entry, to a buffer and to a private file. */
  custodia_buffer csv = {0};
  uint64_t rows = 0;
  EXPECT_OK(custodia_audit_entries_csv(refused, &csv, &rows));
  EXPECT_TRUE(rows == 2);
  EXPECT_TRUE(strncmp((const char *)csv.data, "seq,time,kind,actor,", 20) == 0);
  size_t lines = 0;
  for (size_t i = 0; i + 1 < csv.len; i++) lines += csv.data[i] == '\r' && csv.data[i + 1] == '\n';
  EXPECT_TRUE(lines == 3);
  EXPECT_TRUE(strstr((const char *)csv.data, ",refused,") != NULL);
  EXPECT_TRUE(strstr((const char *)csv.data, "refused:purpose_not_permitted") != NULL);
  EXPECT_OK(custodia_audit_entries_write_csv(refused, path("export.csv"), &rows));
  EXPECT_TRUE(rows == 2);
  struct stat st;
  EXPECT_TRUE(stat(path("export.csv"), &st) == 0 && (st.st_mode & 0777) == 0600);
  FILE *f = fopen(path("export.csv"), "rb");
  static char file[1 << 16];
  size_t got = f ? fread(file, 1, sizeof file, f) : 0;
  if (f) fclose(f);
  EXPECT_TRUE(got == csv.len && memcmp(file, csv.data, got) == 0);
  EXPECT_STATUS(custodia_audit_entries_write_csv(refused, path("no/such/dir/x.csv"), NULL), CUSTODIA_ERR_IO);
  EXPECT_OK(custodia_buffer_free(&csv));
  EXPECT_OK(custodia_audit_entries_csv(all, &csv, NULL));
  EXPECT_OK(custodia_buffer_free(&csv));

  /* A freed snapshot is refused, not read. */
  EXPECT_OK(custodia_audit_entries_free(refused));
  EXPECT_STATUS(custodia_audit_entries_len(refused, &n), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_audit_entries_free(refused), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_audit_entries_free(all));

  /* A closed custodian's log can still be read. */
  custodia_buffer anchor = {0};
  EXPECT_OK(custodia_custodian_close(c, &anchor));
  EXPECT_TRUE(count(c, NULL, NULL, NULL, "checkpoint", 0, 0) >= 2);
  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) fprintf(stderr, "audit_query: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
