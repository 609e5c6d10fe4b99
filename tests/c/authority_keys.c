/*
 * Keys belong to authorities, the transfer record, breach response (issue 14, sections 3, 4 and 6) through the C
 * API: import with authority and validity period, the seal-time checks (no destination, wrong destination, outside
 * the period, revoked, compromised), each refused with its status, recorded, and touching no key; the instrument
 * and lists in custodia_envelope_info; the compromise report as text.
 *
 * Usage: authority_keys WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];
static const char DATA[] = "account NL00BANK0123456789";
#define NO_EXCEPTION ((custodia_exception_ground){0})

static const char *path(const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

static custodia_custodian open_custodian(const char *name) {
  const uint8_t key[32] = {7, 7, 7};
  custodia_custodian_options create = {0};
  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path(name), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

/* The last audit entry contains every one of `needles` (NULL-terminated). */
static void expect_last_entry(const char *dir, const char *const *needles) {
  char line[16384];
  last_audit_line(dir, line, sizeof line);
  for (; *needles != NULL; needles++) {
    if (strstr(line, *needles) == NULL) {
      fprintf(stderr, "last audit entry lacks %s:\n%s\n", *needles, line);
      test_failures++;
    }
  }
}

static custodia_seal_options options(const custodia_key_id *recipient, const char **destinations, size_t n) {
  const char *purposes[] = {"investigation", "mla.execution"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &o));
  EXPECT_OK(custodia_seal_options_set_case_ref(o, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_instrument(o, CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER,
                                                 "EIO 2026/117", "Art. 10 Dir. 2014/41"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(o, "NL", destinations, n));
  EXPECT_OK(custodia_seal_options_add_recipient(o, recipient));
  return o;
}

/* Sealing under `o` is refused with `want`, recorded as a refused seal of that kind, and touches no key. */
static void expect_seal_refused(custodia_custodian c, custodia_actor a, custodia_seal_options o,
                                custodia_status want, const char *kind, const char *message) {
  custodia_buffer env = {0};
  uint64_t before = unwraps(c);
  EXPECT_STATUS(custodia_seal(c, a, (const uint8_t *)DATA, sizeof DATA - 1, o, &env), want);
  EXPECT_MESSAGE(message);
  EXPECT_TRUE(env.data == NULL && env.len == 0);
  EXPECT_TRUE(unwraps(c) == before);
  char k[128];
  snprintf(k, sizeof k, "\"kind\":\"%s\"", kind);
  const char *needles[] = {"\"kind\":\"refused\"", "\"operation\":\"seal\"", k, NULL};
  expect_last_entry(path("nl"), needles);
}

static const custodia_key_info *find(custodia_key_list list, const custodia_key_id *id, custodia_key_info *out) {
  size_t n = 0;
  EXPECT_OK(custodia_key_list_len(list, &n));
  for (size_t i = 0; i < n; i++) {
    EXPECT_OK(custodia_key_list_get(list, i, out));
    if (memcmp(&out->key_id, id, sizeof *id) == 0) return out;
  }
  return NULL;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: authority_keys WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  custodia_custodian nl = open_custodian("nl"), de = open_custodian("de");
  custodia_actor jan = {0}, dora = {0};
  EXPECT_OK(custodia_actor_new("jan", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  EXPECT_OK(custodia_actor_new("dora", "central_authority", "DE", CUSTODIA_CLASSIFICATION_SECRET, &dora));
  uint64_t now = (uint64_t)time(NULL);

  /* DE's key, imported as the Bundesamt's, valid from a day ago for a year. */
  custodia_key_id held, de_key, kek;
  custodia_buffer text = {0};
  EXPECT_OK(custodia_key_generate(de, dora, CUSTODIA_KEY_KIND_X25519, "DE central authority", &held));
  EXPECT_OK(custodia_key_export_public(de, &held, &text));
  EXPECT_STATUS(custodia_key_import_authority(nl, jan, (const char *)text.data, "DE", "a|b", "DE", 0, 0, &de_key),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_key_import_authority(nl, jan, (const char *)text.data, "DE", "BfJ", "DE", now, now - 1,
                                              &de_key),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_key_import_authority(nl, jan, (const char *)text.data, "DE", NULL, "DE", 0, 0, &de_key),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_key_import_authority(nl, jan, (const char *)text.data, "DE central authority",
                                          "Bundesamt fuer Justiz", "DE", now - 86400, now + 365 * 86400, &de_key));
  EXPECT_TRUE(memcmp(&de_key, &held, sizeof held) == 0);
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_OK(custodia_key_generate(nl, jan, CUSTODIA_KEY_KIND_KEK, "NL escrow", &kek));

  custodia_key_list list = {0};
  custodia_key_info k;
  EXPECT_OK(custodia_key_list_new(nl, &list));
  EXPECT_TRUE(find(list, &de_key, &k) != NULL);
  EXPECT_TRUE(k.authority != NULL && strcmp(k.authority, "Bundesamt fuer Justiz") == 0);
  EXPECT_TRUE(k.jurisdiction != NULL && strcmp(k.jurisdiction, "DE") == 0);
  EXPECT_TRUE(k.not_before == now - 86400 && k.not_after == now + 365 * 86400);
  EXPECT_TRUE(k.revoked_at == 0 && k.revoked_reason == NULL && k.compromised_at == 0);
  EXPECT_TRUE(find(list, &kek, &k) != NULL && k.authority == NULL && k.not_before == 0);
  EXPECT_OK(custodia_key_list_free(list));

  /* Sealing for DE: no destination, another destination, then DE. */
  const char *fr[] = {"FR"}, *de_only[] = {"DE"};
  custodia_seal_options none = options(&de_key, NULL, 0);
  expect_seal_refused(nl, jan, none, CUSTODIA_ERR_DESTINATION_REQUIRED, "destination_required",
                      "add DE to the destinations");
  EXPECT_TRUE(custodia_status_is_refusal(CUSTODIA_ERR_DESTINATION_REQUIRED));
  custodia_seal_options wrong = options(&de_key, fr, 1);
  expect_seal_refused(nl, jan, wrong, CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED, "recipient_not_permitted",
                      "destinations must include DE");
  custodia_seal_options good = options(&de_key, de_only, 1);
  EXPECT_OK(custodia_seal_options_add_recipient(good, &kek));
  custodia_buffer env = {0}, pt = {0};
  EXPECT_OK(custodia_seal(nl, jan, (const uint8_t *)DATA, sizeof DATA - 1, good, &env));
  const char *sealed[] = {"\"kind\":\"sealed\"", "\"instrument_kind\":\"european_investigation_order\"",
                          "\"instrument_reference\":\"EIO 2026/117\"", "\"transfer_basis\":\"Art. 10 Dir. 2014/41\"",
                          "\"destinations\":\"DE\"", "\"origin\":\"NL\"", "\"recipient_jurisdictions\":\"DE\"",
                          "\"recipient_authorities\":\"Bundesamt fuer Justiz\"", NULL};
  expect_last_entry(path("nl"), sealed);

  /* The envelope info carries the instrument and the lists, after inspect and after open. */
  custodia_envelope_info info = {0};
  EXPECT_OK(custodia_envelope_inspect(nl, env.data, env.len, &info));
  EXPECT_TRUE(info.instrument_kind == CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER);
  EXPECT_TRUE(strcmp(info.instrument_reference, "EIO 2026/117") == 0);
  EXPECT_TRUE(strcmp(info.transfer_basis, "Art. 10 Dir. 2014/41") == 0);
  EXPECT_TRUE(strcmp(info.origin, "NL") == 0 && strcmp(info.destinations, "DE") == 0);
  EXPECT_TRUE(strcmp(info.purposes, "investigation mla.execution") == 0);
  custodia_envelope_info opened = {0};
  EXPECT_OK(custodia_open(de, dora, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, &opened));
  EXPECT_TRUE(pt.len == sizeof DATA - 1 && memcmp(pt.data, DATA, pt.len) == 0);
  EXPECT_TRUE(strcmp(opened.instrument_reference, "EIO 2026/117") == 0);
  EXPECT_OK(custodia_buffer_free(&pt));
  custodia_envelope_info plain = {0};
  custodia_seal_options own = options(&kek, NULL, 0);
  custodia_buffer env2 = {0};
  EXPECT_OK(custodia_seal(nl, jan, (const uint8_t *)DATA, sizeof DATA - 1, own, &env2));
  EXPECT_OK(custodia_envelope_inspect(nl, env2.data, env2.len, &plain));
  EXPECT_TRUE(plain.destinations[0] == 0);

  /* Instrument texts run to 1024 bytes (docs/FORMAT.md) and come back whole in CUSTODIA_INSTRUMENT_TEXT_SIZE; 1025
     bytes are refused. */
  EXPECT_TRUE(CUSTODIA_INSTRUMENT_TEXT_SIZE == 1025);
  static char longest[1026];
  memset(longest, 'r', 1025);
  longest[1025] = 0;
  custodia_seal_options full = options(&kek, NULL, 0);
  EXPECT_STATUS(custodia_seal_options_set_instrument(full, CUSTODIA_INSTRUMENT_KIND_OTHER, longest, NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("1 to 1024 bytes");
  longest[1024] = 0;
  EXPECT_OK(custodia_seal_options_set_instrument(full, CUSTODIA_INSTRUMENT_KIND_OTHER, longest, longest));
  custodia_buffer env3 = {0};
  EXPECT_OK(custodia_seal(nl, jan, (const uint8_t *)DATA, sizeof DATA - 1, full, &env3));
  custodia_envelope_info whole = {0};
  EXPECT_OK(custodia_envelope_inspect(nl, env3.data, env3.len, &whole));
  EXPECT_TRUE(strlen(whole.instrument_reference) == 1024 && strcmp(whole.instrument_reference, longest) == 0);
  EXPECT_TRUE(strlen(whole.transfer_basis) == 1024);
  EXPECT_OK(custodia_buffer_free(&env3));
  EXPECT_OK(custodia_seal_options_free(full));

  /* Revoked: nothing new to it, by seal or share. */
  EXPECT_STATUS(custodia_key_revoke(nl, jan, &kek, "own keys are not revoked"), CUSTODIA_ERR_CONFLICT);
  EXPECT_STATUS(custodia_key_revoke(nl, jan, &de_key, "bad\nreason"), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_key_revoke(nl, jan, &de_key, "end of cooperation"));
  const char *revoked[] = {"\"kind\":\"key_revoked\"", "\"reason\":\"end of cooperation\"", NULL};
  expect_last_entry(path("nl"), revoked);
  expect_seal_refused(nl, jan, good, CUSTODIA_ERR_KEY_REVOKED, "key_revoked", "end of cooperation");
  custodia_buffer out = {0};
  uint64_t before = unwraps(nl);
  EXPECT_STATUS(custodia_rewrap(nl, jan, "mla.execution", env2.data, env2.len, NULL, 0, &de_key, 1, &out),
                CUSTODIA_ERR_KEY_REVOKED);
  EXPECT_TRUE(unwraps(nl) == before && out.data == NULL);
  EXPECT_OK(custodia_key_list_new(nl, &list));
  EXPECT_TRUE(find(list, &de_key, &k) != NULL && k.revoked_at != 0);
  EXPECT_TRUE(k.revoked_reason != NULL && strcmp(k.revoked_reason, "end of cooperation") == 0);
  EXPECT_OK(custodia_key_list_free(list));

  /* Outside the validity period: a second DE key valid only from next year. */
  custodia_key_id later_held, later;
  EXPECT_OK(custodia_key_generate(de, dora, CUSTODIA_KEY_KIND_X25519, "DE 2027", &later_held));
  EXPECT_OK(custodia_key_export_public(de, &later_held, &text));
  EXPECT_OK(custodia_key_import_authority(nl, jan, (const char *)text.data, "DE 2027", "Bundesamt fuer Justiz",
                                          "DE", now + 365 * 86400, 0, &later));
  EXPECT_OK(custodia_buffer_free(&text));
  custodia_seal_options early = options(&later, de_only, 1);
  expect_seal_refused(nl, jan, early, CUSTODIA_ERR_KEY_NOT_VALID, "key_not_valid", "is valid from");
  EXPECT_TRUE(!custodia_status_is_refusal(CUSTODIA_ERR_KEY_NOT_VALID));

  /* Compromised: the KEK seals nothing new; the report lists what it protected. */
  EXPECT_OK(custodia_key_mark_compromised(nl, jan, &kek, "backup tape lost"));
  EXPECT_STATUS(custodia_key_mark_compromised(nl, jan, &kek, "again"), CUSTODIA_ERR_CONFLICT);
  expect_seal_refused(nl, jan, own, CUSTODIA_ERR_KEY_COMPROMISED, "key_compromised", "marked compromised");
  custodia_buffer report = {0};
  EXPECT_STATUS(custodia_key_compromise_report(nl, &kek, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_key_compromise_report(nl, &kek, &report));
  const char *r = (const char *)report.data;
  EXPECT_TRUE(strncmp(r, "custodia-compromise-report/1\n", 29) == 0);
  EXPECT_TRUE(strstr(r, info.object_id) != NULL && strstr(r, plain.object_id) != NULL);
  EXPECT_TRUE(strstr(r, "\nplan\t-\n") != NULL && strstr(r, "\ncase\tMLA-2026-0042\n") != NULL);
  EXPECT_OK(custodia_buffer_free(&report));
  custodia_key_id fresh;
  EXPECT_OK(custodia_key_rotate(nl, jan, &kek, &fresh));
  EXPECT_OK(custodia_key_compromise_report(nl, &kek, &report));
  EXPECT_TRUE(strstr((const char *)report.data, "\nplan\trotated\n") != NULL);
  EXPECT_OK(custodia_buffer_free(&report));
  EXPECT_OK(custodia_rewrap_rotated(nl, jan, env2.data, env2.len, &out));
  EXPECT_OK(custodia_key_compromise_report(nl, &kek, &report));
  char moved[128];
  snprintf(moved, sizeof moved, "envelope\t%s\tMLA-2026-0042\tmoved\t", plain.object_id);
  EXPECT_TRUE(strstr((const char *)report.data, moved) != NULL);
  EXPECT_OK(custodia_buffer_free(&report));
  custodia_key_id unknown = {{9}};
  EXPECT_STATUS(custodia_key_compromise_report(nl, &unknown, &report), CUSTODIA_ERR_KEY_NOT_FOUND);

  EXPECT_OK(custodia_buffer_free(&out));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_buffer_free(&env2));
  EXPECT_OK(custodia_seal_options_free(none));
  EXPECT_OK(custodia_seal_options_free(wrong));
  EXPECT_OK(custodia_seal_options_free(good));
  EXPECT_OK(custodia_seal_options_free(own));
  EXPECT_OK(custodia_seal_options_free(early));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_actor_free(dora));
  EXPECT_OK(custodia_custodian_free(nl));
  EXPECT_OK(custodia_custodian_free(de));
  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "authority_keys: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("authority_keys: all checks passed\n");
  return 0;
}
