/*
 * Disclosure receipts through the C API. DE seals for NL's X25519 key; NL receives it, opens it, is refused an
 * asset-recovery open, opens it under a national-security exception, and signs a receipt with its Ed25519 key. DE
 * imports it against NL's imported signing key and finds it by object and by case. The attacks: a receipt signed
 * by a key DE never imported, an edited receipt, truncated and malformed text, a receipt for an envelope DE never
 * sent, and issuing for an object NL never received. Each is refused with its status, touches no key, and writes
 * no output.
 *
 * Usage: receipts WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];

static custodia_custodian open_at(const char *name, uint8_t seed) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/%s", work, name);
  uint8_t key[32];
  memset(key, seed, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

static const char *text(const custodia_buffer *b) { return b->data ? (const char *)b->data : ""; }

/* Seal `data` in `from` for the imported key `to`, case MLA-2026-0042, destination NL. */
static custodia_buffer seal_for(custodia_custodian from, custodia_actor who, const custodia_key_id *to) {
  const char *purposes[] = {"investigation", "mla.execution"};
  const char *nl[] = {"NL"};
  custodia_seal_options opts = {0};
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &opts));
  EXPECT_OK(custodia_seal_options_set_case_ref(opts, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(opts, NULL, nl, 1));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, to));
  EXPECT_OK(custodia_seal(from, who, (const uint8_t *)"IBAN NL91ABNA0417164300", 23, opts, &env));
  EXPECT_OK(custodia_seal_options_free(opts));
  return env;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: receipts WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);

  custodia_custodian de = open_at("de", 0xDE), nl = open_at("nl", 0x4E), fr = open_at("fr", 0xF1);
  custodia_actor anna = {0}, jan = {0};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  EXPECT_OK(custodia_actor_new("jan", "investigator", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  custodia_key_id nl_x, nl_sign, nl_forger, de_nl_x, de_nl_sign, fr_nl_x;
  custodia_buffer t = {0};
  EXPECT_OK(custodia_key_generate(nl, jan, CUSTODIA_KEY_KIND_X25519, "NL central authority", &nl_x));
  EXPECT_OK(custodia_key_generate(nl, jan, CUSTODIA_KEY_KIND_ED25519, "NL receipts", &nl_sign));
  EXPECT_OK(custodia_key_generate(nl, jan, CUSTODIA_KEY_KIND_ED25519, "forger", &nl_forger));
  EXPECT_OK(custodia_key_export_public(nl, &nl_x, &t));
  EXPECT_OK(custodia_key_import_public(de, anna, text(&t), "NL", "NL", &de_nl_x));
  EXPECT_OK(custodia_key_import_public(fr, anna, text(&t), "NL", "NL", &fr_nl_x));
  EXPECT_OK(custodia_buffer_free(&t));
  custodia_buffer nl_sign_text = {0};
  EXPECT_OK(custodia_key_export_public(nl, &nl_sign, &nl_sign_text));
  EXPECT_OK(custodia_key_import_public(de, anna, text(&nl_sign_text), "NL receipts", "NL", &de_nl_sign));

  custodia_buffer env = seal_for(de, anna, &de_nl_x);
  custodia_envelope_info info;
  memset(&info, 0, sizeof info);

  /* ---- NL: receive, open, refusal, exception, receipt ------------------------------------------------------- */
  custodia_receipt none = {0};
  EXPECT_STATUS(custodia_receipt_issue(nl, jan, "00000000000000000000000000000000", &nl_sign, false, true, &none),
                CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE);
  EXPECT_TRUE(none.id == 0);
  EXPECT_STATUS(custodia_envelope_receive(fr, anna, env.data, env.len, NULL), CUSTODIA_ERR_NO_MATCHING_RECIPIENT);
  /* Four bytes that are not the start of the magic are not an envelope; a cut magic is a truncated one. */
  EXPECT_STATUS(custodia_envelope_receive(nl, jan, (const uint8_t *)"junk", 4, NULL), CUSTODIA_ERR_MALFORMED);
  EXPECT_MESSAGE("not a custodia envelope");
  EXPECT_STATUS(custodia_envelope_receive(nl, jan, (const uint8_t *)"CUST", 4, NULL), CUSTODIA_ERR_TRUNCATED);
  EXPECT_OK(custodia_envelope_receive(nl, jan, env.data, env.len, &info));
  char object[CUSTODIA_KEY_ID_TEXT_SIZE];
  snprintf(object, sizeof object, "%s", info.object_id);
  custodia_buffer pt = {0};
  EXPECT_OK(custodia_open(nl, jan, "investigation", (custodia_exception_ground){0}, env.data, env.len, NULL, &pt, NULL));
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_STATUS(custodia_open(nl, jan, "asset_recovery", (custodia_exception_ground){0}, env.data, env.len, NULL, &pt,
                              NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  custodia_exception_ground ns = {0};
  EXPECT_OK(custodia_exception_ground_new(CUSTODIA_EXCEPTION_KIND_NATIONAL_SECURITY, "Decision AIVD 2026/3",
                                          "The account funds an imminent attack on critical infrastructure here", &ns));
  EXPECT_OK(custodia_open(nl, jan, "asset_recovery", ns, env.data, env.len, NULL, &pt, NULL));
  EXPECT_OK(custodia_buffer_free(&pt));

  custodia_receipt r = {0};
  EXPECT_STATUS(custodia_receipt_issue(nl, jan, object, NULL, false, true, &r), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_receipt_issue(nl, jan, object, &nl_x, false, true, &r), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(r.id == 0);
  EXPECT_OK(custodia_receipt_issue(nl, jan, object, &nl_sign, false, true, &r));
  size_t count = 0;
  EXPECT_OK(custodia_receipt_item_count(r, &count));
  EXPECT_TRUE(count == 5); /* received, opened, refused, exception_used, opened */
  uint32_t kind = 0;
  uint64_t at = 0;
  EXPECT_OK(custodia_receipt_item_get(r, 0, &kind, &at));
  EXPECT_TRUE(kind == CUSTODIA_RECEIPT_ITEM_KIND_RECEIVED);
  EXPECT_OK(custodia_receipt_item_get(r, 3, &kind, &at));
  EXPECT_TRUE(kind == CUSTODIA_RECEIPT_ITEM_KIND_EXCEPTION_USED);
  EXPECT_STATUS(custodia_receipt_item_get(r, 5, &kind, &at), CUSTODIA_ERR_INVALID_ARGUMENT);
  bool present = true;
  custodia_buffer v = {0};
  EXPECT_OK(custodia_receipt_item_field(r, 3, CUSTODIA_RECEIPT_FIELD_EXCEPTION_KIND, &present, &v));
  EXPECT_TRUE(present && strcmp(text(&v), "national_security") == 0);
  EXPECT_OK(custodia_buffer_free(&v));
  EXPECT_OK(custodia_receipt_item_field(r, 1, CUSTODIA_RECEIPT_FIELD_PURPOSE, &present, &v));
  EXPECT_TRUE(present && strcmp(text(&v), "investigation") == 0);
  EXPECT_OK(custodia_buffer_free(&v));
  EXPECT_OK(custodia_receipt_item_field(r, 1, CUSTODIA_RECEIPT_FIELD_ACTOR, &present, &v));
  EXPECT_TRUE(!present); /* actors are not named unless asked */
  EXPECT_OK(custodia_buffer_free(&v));
  EXPECT_STATUS(custodia_receipt_item_field(r, 1, 99, &present, &v), CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_OK(custodia_receipt_verify(r, text(&nl_sign_text)));

  custodia_buffer armored = {0};
  EXPECT_OK(custodia_receipt_armor(r, &armored));
  EXPECT_TRUE(strncmp(text(&armored), "-----BEGIN CUSTODIA RECEIPT-----\n", 33) == 0);

  /* ---- DE: import, find --------------------------------------------------------------------------------------- */
  uint64_t before = 0, after = 0;
  EXPECT_OK(custodia_custodian_unwrap_attempts(de, &before));
  custodia_receipt imported = {0};
  EXPECT_OK(custodia_receipt_import(de, anna, text(&armored), &imported));
  custodia_buffer obj = {0}, case_ref = {0};
  custodia_key_id issuer;
  uint64_t issued_at = 0;
  EXPECT_OK(custodia_receipt_describe(imported, &obj, &case_ref, &issuer, &issued_at));
  EXPECT_TRUE(strcmp(text(&obj), object) == 0);
  EXPECT_TRUE(strcmp(text(&case_ref), "MLA-2026-0042") == 0);
  EXPECT_TRUE(memcmp(issuer.bytes, nl_sign.bytes, CUSTODIA_KEY_ID_LEN) == 0);
  EXPECT_TRUE(issued_at > 0);
  EXPECT_OK(custodia_buffer_free(&obj));
  EXPECT_OK(custodia_buffer_free(&case_ref));
  custodia_buffer found = {0};
  EXPECT_OK(custodia_receipt_find_by_object(de, object, &found));
  EXPECT_TRUE(strcmp(text(&found), text(&armored)) == 0);
  EXPECT_OK(custodia_buffer_free(&found));
  EXPECT_OK(custodia_receipt_find_by_case(de, "MLA-2026-0042", &found));
  EXPECT_TRUE(strcmp(text(&found), text(&armored)) == 0);
  EXPECT_OK(custodia_buffer_free(&found));
  EXPECT_OK(custodia_receipt_find_by_case(de, "MLA-2026-9999", &found));
  EXPECT_TRUE(found.len == 0);
  EXPECT_OK(custodia_buffer_free(&found));

  /* ---- hostile receipts ------------------------------------------------------------------------------------ */
  custodia_receipt bad = {0};
  custodia_receipt forged = {0};
  custodia_buffer forged_text = {0};
  EXPECT_OK(custodia_receipt_issue(nl, jan, object, &nl_forger, false, true, &forged));
  EXPECT_OK(custodia_receipt_armor(forged, &forged_text));
  EXPECT_STATUS(custodia_receipt_import(de, anna, text(&forged_text), &bad), CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN);
  EXPECT_STATUS(custodia_receipt_verify(forged, text(&nl_sign_text)), CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN);
  char *edited = strdup(text(&armored));
  edited[100] = edited[100] == 'A' ? 'B' : 'A'; /* a changed byte in the first base64 line */
  EXPECT_STATUS(custodia_receipt_import(de, anna, edited, &bad), CUSTODIA_ERR_RECEIPT_INVALID);
  EXPECT_STATUS(custodia_receipt_parse(edited, &bad), CUSTODIA_ERR_RECEIPT_INVALID);
  edited[armored.len / 2] = '\0';
  EXPECT_STATUS(custodia_receipt_import(de, anna, edited, &bad), CUSTODIA_ERR_RECEIPT_INVALID);
  free(edited);
  EXPECT_STATUS(custodia_receipt_import(de, anna, "-----BEGIN CUSTODIA RECEIPT-----\n", &bad),
                CUSTODIA_ERR_RECEIPT_INVALID);
  EXPECT_STATUS(custodia_receipt_import(de, anna, NULL, &bad), CUSTODIA_ERR_NULL_POINTER);
  /* Oversized: longer than the armor of the largest receipt, refused before it is decoded. */
  size_t huge_len = 200000;
  char *huge = malloc(huge_len + 1);
  EXPECT_TRUE(huge != NULL);
  if (huge != NULL) {
    memset(huge, 'A', huge_len);
    huge[huge_len] = '\0';
    EXPECT_STATUS(custodia_receipt_import(de, anna, huge, &bad), CUSTODIA_ERR_RECEIPT_INVALID);
    EXPECT_MESSAGE("longer than");
    free(huge);
  }
  /* A genuine receipt by NL's key, for an envelope FR sent, not DE. */
  custodia_buffer env2 = seal_for(fr, anna, &fr_nl_x);
  EXPECT_OK(custodia_envelope_receive(nl, jan, env2.data, env2.len, &info));
  custodia_receipt other = {0};
  custodia_buffer other_text = {0};
  EXPECT_OK(custodia_receipt_issue(nl, jan, info.object_id, &nl_sign, true, true, &other));
  EXPECT_OK(custodia_receipt_armor(other, &other_text));
  EXPECT_STATUS(custodia_receipt_import(de, anna, text(&other_text), &bad), CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE);
  EXPECT_TRUE(custodia_status_is_refusal(CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE));
  EXPECT_TRUE(bad.id == 0);
  EXPECT_OK(custodia_custodian_unwrap_attempts(de, &after));
  EXPECT_TRUE(before == after);

  /* Standalone parse and verify, with the public key alone. */
  custodia_receipt parsed = {0};
  EXPECT_OK(custodia_receipt_parse(text(&armored), &parsed));
  EXPECT_OK(custodia_receipt_verify(parsed, text(&nl_sign_text)));
  EXPECT_STATUS(custodia_receipt_verify(parsed, "custodia-ed25519-public:AAAA"), CUSTODIA_ERR_INVALID_KEY_TEXT);

  EXPECT_OK(custodia_receipt_free(parsed));
  EXPECT_OK(custodia_receipt_free(other));
  EXPECT_OK(custodia_receipt_free(forged));
  EXPECT_OK(custodia_receipt_free(imported));
  EXPECT_OK(custodia_receipt_free(r));
  EXPECT_STATUS(custodia_receipt_free(r), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_receipt_free((custodia_receipt){0}));
  EXPECT_OK(custodia_buffer_free(&other_text));
  EXPECT_OK(custodia_buffer_free(&forged_text));
  EXPECT_OK(custodia_buffer_free(&armored));
  EXPECT_OK(custodia_buffer_free(&nl_sign_text));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_buffer_free(&env2));
  EXPECT_OK(custodia_exception_ground_free(ns));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_custodian_free(de));
  EXPECT_OK(custodia_custodian_free(nl));
  EXPECT_OK(custodia_custodian_free(fr));

  if (test_failures) {
    fprintf(stderr, "%d failure(s)\n", test_failures);
    return 1;
  }
  printf("receipts: ok\n");
  return 0;
}
