/*
 * Host audit sinks (callbacks) through the C API. Every event the custodian appends reaches the sink, in log order,
 * as the same JSON the log query gives (less `seq`); entries the log writes itself (genesis, checkpoints) do not.
 * Attacks: a failing sink is counted and does not stop the operation; with sinks required, a failing sink fails the
 * operation with CUSTODIA_ERR_AUDIT_WRITE while the log still has the event (the log stays the record); a NULL sink
 * is refused.
 *
 * Usage: audit_sinks WORK_DIR
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
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

/* What a sink received: copies of the event texts, in call order. */
struct received {
  char *events[64];
  size_t count;
  int fail; /* return this */
};

static int collect(void *user_data, const custodia_audit_entry *event) {
  struct received *r = user_data;
  /* Not numbered yet; the fields agree with the JSON. */
  if (event->seq != CUSTODIA_AUDIT_SEQ_UNKNOWN || strstr(event->json, event->kind) == NULL) return 7;
  if (event->actor_id && strstr(event->json, event->actor_id) == NULL) return 7;
  if (r->count < 64) {
    size_t len = strlen(event->json);
    r->events[r->count] = malloc(len + 1);
    memcpy(r->events[r->count], event->json, len + 1);
  }
  r->count++;
  return r->fail;
}

static void release(struct received *r) {
  for (size_t i = 0; i < r->count && i < 64; i++) free(r->events[i]);
  r->count = 0;
}

/* `json` without its `"seq":N,` member, into `out`. */
static void without_seq(const char *json, char *out, size_t cap) {
  const char *s = strstr(json, "\"seq\":");
  if (s == NULL) {
    snprintf(out, cap, "%s", json);
    return;
  }
  const char *e = strchr(s, ',');
  snprintf(out, cap, "%.*s%s", (int)(s - json), json, e ? e + 1 : "");
}

static custodia_custodian open_with(const char *name, struct received *ok, struct received *failing, bool require) {
  uint8_t key[32];
  memset(key, 0x54, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options opts = {0};
  EXPECT_OK(custodia_custodian_options_new(&opts));
  EXPECT_OK(custodia_custodian_options_set_create(opts, true));
  if (ok) EXPECT_OK(custodia_custodian_options_add_audit_sink(opts, collect, ok));
  if (failing) EXPECT_OK(custodia_custodian_options_add_audit_sink(opts, collect, failing));
  EXPECT_OK(custodia_custodian_options_set_require_audit_sinks(opts, require));
  EXPECT_OK(custodia_custodian_open_master_key(path(name), key, sizeof key, opts, &c));
  EXPECT_OK(custodia_custodian_options_free(opts));
  return c;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: audit_sinks WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  custodia_custodian_options opts = {0};
  EXPECT_OK(custodia_custodian_options_new(&opts));
  EXPECT_STATUS(custodia_custodian_options_add_audit_sink(opts, NULL, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_custodian_options_free(opts));

  static struct received siem, broken;
  broken.fail = 1;
  custodia_custodian c = open_with("c", &siem, &broken, false);
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "investigator", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek));
  const char *purposes[1] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &kek));
  custodia_buffer env = {0}, pt = {0}, anchor = {0};
  EXPECT_OK(custodia_seal(c, anna, (const uint8_t *)"statement", 9, o, &env));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL));
  EXPECT_STATUS(custodia_open(c, anna, "extradition", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_OK(custodia_legal_hold_place(c, anna, "MLA-2026-0042", "order 1", "appeal pending"));
  EXPECT_OK(custodia_audit_checkpoint(c, &anchor));
  EXPECT_OK(custodia_buffer_free(&anchor));

  /* The failing sink saw every event too, and each failure was counted; the operations all went through. */
  uint64_t failures = 0;
  EXPECT_OK(custodia_custodian_audit_sink_failures(c, &failures));
  EXPECT_TRUE(siem.count >= 5);
  EXPECT_TRUE(broken.count == siem.count && failures == siem.count);

  /* Every appended event, in log order, as the log has it. */
  custodia_audit_entries all = {0};
  size_t n = 0, next = 0;
  EXPECT_OK(custodia_audit_query(c, NULL, NULL, NULL, NULL, 0, 0, 0, &all));
  EXPECT_OK(custodia_audit_entries_len(all, &n));
  static char plain[1 << 14];
  for (size_t i = 0; i < n; i++) {
    custodia_audit_entry e = {0};
    EXPECT_OK(custodia_audit_entries_get(all, i, &e));
    if (strcmp(e.kind, "genesis") == 0 || strcmp(e.kind, "checkpoint") == 0 || strcmp(e.kind, "recovery") == 0 ||
        strcmp(e.kind, "erasure") == 0) {
      continue;
    }
    without_seq(e.json, plain, sizeof plain);
    EXPECT_TRUE(next < siem.count && strcmp(siem.events[next], plain) == 0);
    if (next < siem.count && strcmp(siem.events[next], plain) != 0) {
      fprintf(stderr, "  sink: %s\n  log:  %s\n", siem.events[next], plain);
    }
    next++;
  }
  EXPECT_TRUE(next == siem.count);
  EXPECT_OK(custodia_audit_entries_free(all));
  EXPECT_TRUE(siem.count > 2 && strstr(siem.events[siem.count - 1], "\"kind\":\"legal_hold_set\"") != NULL);

  /* Nothing after close reaches the sinks: the closing checkpoint is the log's own entry. */
  size_t before = siem.count;
  EXPECT_OK(custodia_custodian_close(c, &anchor));
  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_custodian_free(c));
  EXPECT_TRUE(siem.count == before);
  release(&siem);
  release(&broken);

  /* Required sinks: the failing one fails the operation, and the log still has the event. */
  static struct received strict;
  strict.fail = 3;
  c = open_with("strict", NULL, &strict, true);
  EXPECT_STATUS(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek), CUSTODIA_ERR_AUDIT_WRITE);
  EXPECT_MESSAGE("returned 3");
  EXPECT_TRUE(strict.count == 1);
  const char *generated[1] = {"key_generated"};
  EXPECT_OK(custodia_audit_query(c, NULL, NULL, NULL, generated, 1, 0, 0, &all));
  EXPECT_OK(custodia_audit_entries_len(all, &n));
  EXPECT_TRUE(n == 1);
  EXPECT_OK(custodia_audit_entries_free(all));
  strict.fail = 0;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek));
  EXPECT_OK(custodia_custodian_audit_sink_failures(c, &failures));
  EXPECT_TRUE(failures == 1);
  EXPECT_STATUS(custodia_custodian_audit_sink_failures(c, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_custodian_close(c, &anchor));
  EXPECT_OK(custodia_buffer_free(&anchor));
  EXPECT_OK(custodia_custodian_free(c));
  release(&strict);

  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_actor_free(anna));
  if (test_failures) fprintf(stderr, "audit_sinks: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
