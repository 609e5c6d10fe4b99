/*
 * Verifiable redaction through the C API (docs/FORMAT.md section 15): a record is sealed, issued as an SD-JWT,
 * presented with two of its fields and verified with the issuer's public key alone. Attacks: a disclosure altered
 * (another salt), the issuer's text checked with another key, a truncated text, a bad key text, a field the
 * presentation does not have, a reader not cleared for a field (it never enters the SD-JWT, so it cannot be
 * presented), a key that cannot sign, a bad audience, an index past the end and freed handles: each refused with its
 * typed status.
 *
 * Usage: sdjwt WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static int text_is(custodia_buffer b, const char *want) {
  return b.data != NULL && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0 && b.data[b.len] == 0;
}

/* Copy a returned text into a NUL-terminated heap string. */
static char *dup_text(custodia_buffer b) {
  char *s = malloc(b.len + 1);
  if (s == NULL) abort();
  memcpy(s, b.data, b.len);
  s[b.len] = 0;
  return s;
}

static custodia_status verify(const char *text, const char *key) {
  custodia_presentation p = {0};
  custodia_status s = custodia_sd_jwt_verify(text, key, &p);
  if (s == CUSTODIA_OK) custodia_presentation_free(p);
  return s;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: sdjwt WORK_DIR\n");
    return 2;
  }
  char dir[600];
  snprintf(dir, sizeof dir, "%s/c", argv[1]);
  uint8_t key[32];
  memset(key, 0x5d, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor jan = {0}, ana = {0};
  EXPECT_OK(custodia_actor_new("jan", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  EXPECT_OK(custodia_actor_new("ana", "analyst", "NL", CUSTODIA_CLASSIFICATION_CONFIDENTIAL, &ana));
  custodia_key_id kek, signer, other;
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_KEK, "case team", &kek));
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_ED25519, "NL redaction key", &signer));
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_ED25519, "another key", &other));
  custodia_buffer pub = {0}, other_pub = {0};
  EXPECT_OK(custodia_key_export_public(c, &signer, &pub));
  EXPECT_OK(custodia_key_export_public(c, &other, &other_pub));

  /* The record: an account number, a date of birth, an integer and a secret witness name. */
  custodia_record r = {0};
  EXPECT_OK(custodia_record_new(&r));
  const char *iban = "NL91ABNA0417164300", *witness = "A. Jansen";
  EXPECT_OK(custodia_record_add_text(r, "account_iban", (const uint8_t *)iban, strlen(iban),
                                     CUSTODIA_CATEGORY_FINANCIAL_RECORDS, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_date(r, "born", "1971-05-04", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                     CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_integer(r, "transfers", -42, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                        CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_text(r, "witness_name", (const uint8_t *)witness, strlen(witness),
                                     CUSTODIA_CATEGORY_WITNESS_IDENTITY, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  const char *purposes[] = {"investigation", "prosecution"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_CASE_ADMINISTRATION, purposes, 2, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &kek));
  EXPECT_OK(custodia_seal_options_set_case_ref(o, "MLA-2026-0042"));
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal_record(c, jan, r, o, &env));

  /* Issue (jan sees every field), present two fields, verify. */
  custodia_exception_ground no_exception = {0};
  custodia_buffer sd = {0}, pres = {0};
  EXPECT_OK(custodia_sd_jwt_issue(c, jan, "investigation", no_exception, env.data, env.len, &signer, &sd));
  EXPECT_TRUE(sd.len > 0 && sd.data[sd.len] == 0 && sd.data[sd.len - 1] == '~');
  const char *two[] = {"born", "account_iban"};
  EXPECT_OK(custodia_sd_jwt_present(c, jan, (const char *)sd.data, two, 2, "FR-PNF", "investigation", &pres));
  EXPECT_TRUE(pres.len > 0 && pres.len < sd.len);
  custodia_presentation p = {0};
  EXPECT_OK(custodia_sd_jwt_verify((const char *)pres.data, (const char *)pub.data, &p));
  size_t fields = 0, withheld = 0, disclosed = 0;
  EXPECT_OK(custodia_presentation_counts(p, &fields, &withheld, &disclosed));
  EXPECT_TRUE(fields == 4 && withheld == 2 && disclosed == 2);
  custodia_buffer name = {0}, json = {0}, t = {0};
  EXPECT_OK(custodia_presentation_field(p, 0, &name, &json));
  EXPECT_TRUE(text_is(name, "account_iban"));
  EXPECT_TRUE(text_is(json, "{\"text\":\"NL91ABNA0417164300\"}"));
  EXPECT_OK(custodia_buffer_free(&name));
  EXPECT_OK(custodia_buffer_free(&json));
  EXPECT_OK(custodia_presentation_field(p, 1, &name, &json));
  EXPECT_TRUE(text_is(name, "born"));
  EXPECT_TRUE(text_is(json, "{\"date\":\"1971-05-04\"}"));
  EXPECT_OK(custodia_buffer_free(&name));
  EXPECT_OK(custodia_buffer_free(&json));
  EXPECT_STATUS(custodia_presentation_field(p, 2, &name, &json), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(name.data == NULL && json.data == NULL);
  EXPECT_STATUS(custodia_presentation_field(p, 0, &name, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_presentation_case_ref(p, &t));
  EXPECT_TRUE(text_is(t, "MLA-2026-0042"));
  EXPECT_OK(custodia_buffer_free(&t));
  EXPECT_OK(custodia_presentation_object_id(p, &t));
  EXPECT_TRUE(t.len == 32 && strspn((const char *)t.data, "0123456789abcdef") == 32);
  EXPECT_OK(custodia_buffer_free(&t));
  custodia_key_id issuer;
  EXPECT_OK(custodia_presentation_issuer(p, &issuer));
  EXPECT_TRUE(memcmp(issuer.bytes, signer.bytes, sizeof issuer.bytes) == 0);
  uint64_t at = 0;
  EXPECT_OK(custodia_presentation_issued_at(p, &at));
  EXPECT_TRUE(at > 1700000000u);
  EXPECT_OK(custodia_presentation_free(p));
  EXPECT_STATUS(custodia_presentation_counts(p, &fields, &withheld, &disclosed), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_presentation_free((custodia_presentation){0}));

  /* The whole SD-JWT verifies too: every field shown, none withheld. */
  EXPECT_OK(custodia_sd_jwt_verify((const char *)sd.data, (const char *)pub.data, &p));
  EXPECT_OK(custodia_presentation_counts(p, &fields, &withheld, &disclosed));
  EXPECT_TRUE(fields == 4 && withheld == 0 && disclosed == 4);
  EXPECT_OK(custodia_presentation_field(p, 2, &name, &json));
  EXPECT_TRUE(text_is(name, "transfers") && text_is(json, "{\"integer\":-42}"));
  EXPECT_OK(custodia_buffer_free(&name));
  EXPECT_OK(custodia_buffer_free(&json));
  EXPECT_OK(custodia_presentation_free(p));

  /* Attack: a disclosure altered (its salt's characters 1..3 replaced, still well formed): not signed. */
  char *altered = dup_text(pres);
  char *d = strchr(altered, '~') + 1;
  memcpy(d + 4, memcmp(d + 4, "QUFB", 4) == 0 ? "QkJC" : "QUFB", 4);
  EXPECT_STATUS(verify(altered, (const char *)pub.data), CUSTODIA_ERR_SIGNATURE_INVALID);
  free(altered);

  /* Attack: another issuer's key. */
  EXPECT_STATUS(verify((const char *)pres.data, (const char *)other_pub.data), CUSTODIA_ERR_SIGNATURE_INVALID);

  /* Attack: truncated texts (inside the JWT; the last disclosure cut). */
  char *cut = dup_text(pres);
  cut[strchr(cut, '~') - cut - 10] = 0;
  EXPECT_STATUS(verify(cut, (const char *)pub.data), CUSTODIA_ERR_MALFORMED);
  free(cut);
  cut = dup_text(pres);
  cut[pres.len - 6] = 0;
  EXPECT_STATUS(verify(cut, (const char *)pub.data), CUSTODIA_ERR_MALFORMED);
  free(cut);
  EXPECT_STATUS(verify("", (const char *)pub.data), CUSTODIA_ERR_MALFORMED);

  /* A bad key text, NULL arguments. */
  EXPECT_STATUS(verify((const char *)pres.data, "not a key"), CUSTODIA_ERR_INVALID_KEY_TEXT);
  EXPECT_STATUS(custodia_sd_jwt_verify(NULL, (const char *)pub.data, &p), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_sd_jwt_verify((const char *)pres.data, (const char *)pub.data, NULL),
                CUSTODIA_ERR_NULL_POINTER);

  /* Presenting: a field the SD-JWT does not have, a field twice, a bad audience, a text that is no SD-JWT. */
  custodia_buffer none = {0};
  const char *missing[] = {"phone"}, *twice[] = {"born", "born"};
  EXPECT_STATUS(custodia_sd_jwt_present(c, jan, (const char *)sd.data, missing, 1, "FR-PNF", "investigation", &none),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_sd_jwt_present(c, jan, (const char *)sd.data, twice, 2, "FR-PNF", "investigation", &none),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_sd_jwt_present(c, jan, (const char *)sd.data, two, 2, " FR-PNF", "investigation", &none),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_sd_jwt_present(c, jan, "x.y.z~", two, 2, "FR-PNF", "investigation", &none),
                CUSTODIA_ERR_MALFORMED);
  altered = dup_text(sd);
  d = strchr(altered, '~') + 1;
  memcpy(d + 4, memcmp(d + 4, "QUFB", 4) == 0 ? "QkJC" : "QUFB", 4);
  EXPECT_STATUS(custodia_sd_jwt_present(c, jan, altered, two, 2, "FR-PNF", "investigation", &none),
                CUSTODIA_ERR_SIGNATURE_INVALID);
  free(altered);
  EXPECT_TRUE(none.data == NULL);

  /* Ana is not cleared for the witness: it never enters her SD-JWT, so it cannot be presented, yet it counts. */
  custodia_buffer sd_ana = {0};
  EXPECT_OK(custodia_sd_jwt_issue(c, ana, "investigation", no_exception, env.data, env.len, &signer, &sd_ana));
  EXPECT_TRUE(strstr((const char *)sd_ana.data, "Jansen") == NULL);
  const char *w[] = {"witness_name"};
  EXPECT_STATUS(custodia_sd_jwt_present(c, ana, (const char *)sd_ana.data, w, 1, "FR-PNF", "investigation", &none),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_sd_jwt_verify((const char *)sd_ana.data, (const char *)pub.data, &p));
  EXPECT_OK(custodia_presentation_counts(p, &fields, &withheld, &disclosed));
  EXPECT_TRUE(fields == 4 && withheld == 1 && disclosed == 3);
  EXPECT_OK(custodia_presentation_free(p));
  EXPECT_OK(custodia_buffer_free(&sd_ana));

  /* Issuing: a key that cannot sign, a purpose outside the envelope's, a damaged envelope. */
  EXPECT_STATUS(custodia_sd_jwt_issue(c, jan, "investigation", no_exception, env.data, env.len, &kek, &none),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_sd_jwt_issue(c, jan, "marketing", no_exception, env.data, env.len, &signer, &none),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_STATUS(custodia_sd_jwt_issue(c, jan, "investigation", no_exception, env.data, env.len, NULL, &none),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(none.data == NULL);

  EXPECT_OK(custodia_buffer_free(&pres));
  EXPECT_OK(custodia_buffer_free(&sd));
  EXPECT_OK(custodia_buffer_free(&pub));
  EXPECT_OK(custodia_buffer_free(&other_pub));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_record_free(r));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_actor_free(ana));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) fprintf(stderr, "sdjwt: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
