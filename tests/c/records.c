/*
 * Sealed records through the C API (docs/FORMAT.md section 14): a record built field by field with typed adders,
 * sealed as one envelope, and opened by two readers. Attacks: a reader not cleared for a field gets it withheld
 * (its status in the field, and the refusal again from every getter), never its value; `custodia_open` refuses a
 * record and `custodia_open_record` a plain envelope; a bad name, a duplicate, a bad date and a field purpose the
 * envelope does not permit are refused; a byte changed in the envelope fails the whole open; freed handles are
 * refused.
 *
 * Usage: records WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static size_t find(custodia_opened_record r, const char *name) {
  size_t i = SIZE_MAX;
  EXPECT_OK(custodia_opened_record_find(r, name, &i));
  return i;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: records WORK_DIR\n");
    return 2;
  }
  char dir[600];
  snprintf(dir, sizeof dir, "%s/c", argv[1]);
  uint8_t key[32];
  memset(key, 0x53, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor jan = {0}, ana = {0};
  EXPECT_OK(custodia_actor_new("jan", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  EXPECT_OK(custodia_actor_new("ana", "analyst", "NL", CUSTODIA_CLASSIFICATION_CONFIDENTIAL, &ana));
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_KEK, "case team", &kek));

  /* The record: text, integer with its own purposes, date, bytes, a nested address, a secret witness name. */
  const char *fin[] = {"investigation.financial"};
  const char *wide[] = {"asset_recovery"};
  custodia_record r = {0}, addr = {0};
  EXPECT_OK(custodia_record_new(&r));
  EXPECT_OK(custodia_record_new(&addr));
  const char *iban = "NL91ABNA0417164300", *witness = "A. Jansen";
  EXPECT_OK(custodia_record_add_text(r, "account_iban", (const uint8_t *)iban, strlen(iban),
                                     CUSTODIA_CATEGORY_FINANCIAL_RECORDS, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_integer(r, "transfers", -42, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                        CUSTODIA_CLASSIFICATION_MINIMUM, fin, 1));
  EXPECT_OK(custodia_record_add_date(r, "born", "1971-05-04", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                     CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  const uint8_t scan[] = {0x25, 0x50, 0x44, 0x46, 0x00, 0xff};
  EXPECT_OK(custodia_record_add_bytes(r, "scan", scan, sizeof scan, CUSTODIA_CATEGORY_EVIDENCE,
                                      CUSTODIA_CLASSIFICATION_CONFIDENTIAL, NULL, 0));
  EXPECT_OK(custodia_record_add_text(addr, "city", (const uint8_t *)"Utrecht", 7, CUSTODIA_CATEGORY_CONTACT_DETAILS,
                                     CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_integer(addr, "postcode", 3511, CUSTODIA_CATEGORY_CONTACT_DETAILS,
                                        CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_add_nested(r, "address", addr, CUSTODIA_CATEGORY_CONTACT_DETAILS,
                                       CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));
  EXPECT_OK(custodia_record_free(addr));
  EXPECT_OK(custodia_record_add_text(r, "witness_name", (const uint8_t *)witness, strlen(witness),
                                     CUSTODIA_CATEGORY_WITNESS_IDENTITY, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0));

  /* Refused adders leave the record as it was. */
  EXPECT_STATUS(custodia_record_add_integer(r, "Transfers", 1, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                            CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_record_add_integer(r, "transfers", 1, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                            CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("already");
  EXPECT_STATUS(custodia_record_add_date(r, "died", "2023-02-29", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                         CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_record_add_text(r, "alias", (const uint8_t *)"\xff", 1, CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                         CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_record_add_text(r, "alias", (const uint8_t *)"x", 1, CUSTODIA_CATEGORY_WITNESS_IDENTITY,
                                         CUSTODIA_CLASSIFICATION_RESTRICTED, NULL, 0),
                CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM);
  EXPECT_STATUS(custodia_record_add_text(r, NULL, (const uint8_t *)"x", 1, CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                         CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_NULL_POINTER);

  const char *purposes[] = {"investigation", "prosecution"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_CASE_ADMINISTRATION, purposes, 2, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &kek));
  EXPECT_OK(custodia_seal_options_set_case_ref(o, "MLA-2026-0042"));
  custodia_buffer env = {0};
  /* Ana is not cleared for the witness: she may not seal the record either. */
  EXPECT_STATUS(custodia_seal_record(c, ana, r, o, &env), CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  EXPECT_OK(custodia_seal_record(c, jan, r, o, &env));
  EXPECT_TRUE(env.len > 0);

  /* A field purpose the envelope does not permit is refused when sealing. */
  custodia_record narrow = {0};
  custodia_buffer none = {0};
  EXPECT_OK(custodia_record_new(&narrow));
  EXPECT_OK(custodia_record_add_integer(narrow, "n", 1, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                        CUSTODIA_CLASSIFICATION_MINIMUM, wide, 1));
  EXPECT_STATUS(custodia_seal_record(c, jan, narrow, o, &none), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("asset_recovery");
  EXPECT_OK(custodia_record_free(narrow));

  /* Jan, for investigation.financial: every field. */
  custodia_exception_ground no_exception = {0};
  custodia_opened_record all = {0};
  custodia_envelope_info info;
  EXPECT_OK(custodia_open_record(c, jan, "investigation.financial", no_exception, env.data, env.len, NULL, &all, &info));
  size_t n = 0;
  EXPECT_OK(custodia_opened_record_len(all, &n));
  EXPECT_TRUE(n == 6);
  custodia_record_field f;
  for (size_t i = 0; i < n; i++) {
    EXPECT_OK(custodia_opened_record_field(all, i, &f));
    EXPECT_TRUE(f.withheld == CUSTODIA_OK);
  }
  EXPECT_OK(custodia_opened_record_field(all, 0, &f));
  EXPECT_TRUE(strcmp(f.name, "account_iban") == 0); /* name order */
  custodia_buffer text = {0};
  EXPECT_OK(custodia_opened_record_text(all, find(all, "account_iban"), &text));
  EXPECT_TRUE(text.len == strlen(iban) && memcmp(text.data, iban, text.len) == 0);
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_OK(custodia_opened_record_text(all, find(all, "born"), &text));
  EXPECT_TRUE(strcmp((const char *)text.data, "1971-05-04") == 0);
  EXPECT_OK(custodia_buffer_free(&text));
  int64_t v = 0;
  size_t ti = find(all, "transfers");
  EXPECT_OK(custodia_opened_record_integer(all, ti, &v));
  EXPECT_TRUE(v == -42);
  EXPECT_OK(custodia_opened_record_field(all, ti, &f));
  EXPECT_TRUE(f.kind == CUSTODIA_FIELD_INTEGER && f.purposes != NULL && strcmp(f.purposes, fin[0]) == 0);
  custodia_buffer bytes = {0};
  EXPECT_OK(custodia_opened_record_bytes(all, find(all, "scan"), &bytes));
  EXPECT_TRUE(bytes.len == sizeof scan && memcmp(bytes.data, scan, sizeof scan) == 0);
  EXPECT_OK(custodia_buffer_free(&bytes));
  custodia_buffer json = {0};
  EXPECT_OK(custodia_opened_record_json(all, find(all, "address"), &json));
  EXPECT_TRUE(strcmp((const char *)json.data,
                     "{\"nested\":{\"city\":{\"text\":\"Utrecht\"},\"postcode\":{\"integer\":3511}}}") == 0);
  EXPECT_OK(custodia_buffer_free(&json));
  /* Typed getters refuse another type. */
  EXPECT_STATUS(custodia_opened_record_integer(all, find(all, "scan"), &v), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_opened_record_text(all, 99, &text), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_opened_record_find(all, "nope", &ti), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_opened_record_free(all));
  EXPECT_STATUS(custodia_opened_record_len(all, &n), CUSTODIA_ERR_INVALID_HANDLE);

  /* Ana, for investigation: the witness (secret) and transfers (investigation.financial only) are withheld. */
  custodia_opened_record some = {0};
  EXPECT_OK(custodia_open_record(c, ana, "investigation", no_exception, env.data, env.len, NULL, &some, NULL));
  size_t wi = find(some, "witness_name");
  EXPECT_OK(custodia_opened_record_field(some, wi, &f));
  EXPECT_TRUE(f.withheld == CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  EXPECT_TRUE(f.category == CUSTODIA_CATEGORY_WITNESS_IDENTITY && f.kind == CUSTODIA_FIELD_TEXT);
  text.data = NULL;
  EXPECT_STATUS(custodia_opened_record_text(some, wi, &text), CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  EXPECT_MESSAGE("witness_name is withheld");
  EXPECT_TRUE(text.data == NULL);
  EXPECT_STATUS(custodia_opened_record_json(some, wi, &text), CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  ti = find(some, "transfers");
  EXPECT_OK(custodia_opened_record_field(some, ti, &f));
  EXPECT_TRUE(f.withheld == CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_STATUS(custodia_opened_record_integer(some, ti, &v), CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_OK(custodia_opened_record_text(some, find(some, "account_iban"), &text));
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_OK(custodia_opened_record_free(some));
  char line[16384];
  last_audit_line(dir, line, sizeof line);
  EXPECT_TRUE(strstr(line, "\"withheld\":\"transfers witness_name\"") != NULL);
  EXPECT_TRUE(strstr(line, witness) == NULL && strstr(line, iban) == NULL);

  /* The envelope-level gate refuses before any key; open and open_record keep to their payload types. */
  uint64_t before = unwraps(c);
  EXPECT_STATUS(custodia_open_record(c, jan, "asset_recovery", no_exception, env.data, env.len, NULL, &some, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  custodia_buffer plain = {0};
  EXPECT_STATUS(custodia_open(c, jan, "investigation", no_exception, env.data, env.len, NULL, &plain, NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("open_record");
  EXPECT_TRUE(unwraps(c) == before);
  custodia_buffer doc = {0};
  EXPECT_OK(custodia_seal(c, jan, (const uint8_t *)"plain", 5, o, &doc));
  EXPECT_STATUS(custodia_open_record(c, jan, "investigation", no_exception, doc.data, doc.len, NULL, &some, NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_buffer_free(&doc));

  /* One byte changed near the end (a field's ciphertext): the whole open fails, nothing is returned. */
  uint8_t *bad = malloc(env.len);
  memcpy(bad, env.data, env.len);
  bad[env.len - 30] ^= 1;
  some.id = 0;
  EXPECT_STATUS(custodia_open_record(c, jan, "investigation", no_exception, bad, env.len, NULL, &some, NULL),
                CUSTODIA_ERR_OPEN_FAILED);
  EXPECT_TRUE(some.id == 0);
  free(bad);

  /* A masked view (issue 16 §2): the access policy masks witness identities with initials for analysts. */
  const char *policy_text =
      "version = 1\n"
      "[roles.prosecutor]\ncategories = [\"*\"]\npurposes = [\"investigation\", \"prosecution\"]\n"
      "[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n"
      "[[mask]]\ncategory = \"witness_identity\"\npurposes = [\"investigation\"]\nroles = [\"analyst\"]\n"
      "rule = \"initials\"\n";
  custodia_access_policy policy = {0};
  EXPECT_OK(custodia_access_policy_parse(policy_text, &policy));
  EXPECT_OK(custodia_custodian_set_access_policy(c, jan, policy));
  EXPECT_OK(custodia_access_policy_free(policy));
  custodia_opened_record masked = {0};
  EXPECT_OK(custodia_open_record(c, ana, "investigation", no_exception, env.data, env.len, NULL, &masked, NULL));
  wi = find(masked, "witness_name");
  EXPECT_OK(custodia_opened_record_field(masked, wi, &f));
  EXPECT_TRUE(f.withheld == CUSTODIA_ERR_CLEARANCE_INSUFFICIENT && f.mask == CUSTODIA_MASK_INITIALS);
  EXPECT_OK(custodia_opened_record_text(masked, wi, &text));
  EXPECT_TRUE(strcmp((const char *)text.data, "A. J.") == 0);
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_OK(custodia_opened_record_field(masked, find(masked, "transfers"), &f));
  EXPECT_TRUE(f.mask == 0 && f.withheld == CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_OK(custodia_opened_record_free(masked));
  last_audit_line(dir, line, sizeof line);
  EXPECT_TRUE(strstr(line, "\"masked\":\"witness_name\"") != NULL && strstr(line, "A. J.") == NULL);

  /* Keyed pseudonyms: stable in the case, unrelated in another; resolving back is audited. */
  const char *people[] = {"Jan de Vries", " jan  DE VRIES", "Anna Smit"};
  custodia_buffer ps = {0}, ps2 = {0};
  EXPECT_OK(custodia_pseudonymize(c, jan, "investigation", "MLA-2026-0042", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                  "person", people, 3, &ps));
  EXPECT_TRUE(ps.len == 3 * 33 && memcmp(ps.data, ps.data + 33, 32) == 0 && memcmp(ps.data, ps.data + 66, 32) != 0);
  EXPECT_OK(custodia_pseudonymize(c, jan, "investigation", "MLA-2026-0043", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                  "person", people, 1, &ps2));
  EXPECT_TRUE(ps2.len == 33 && memcmp(ps.data, ps2.data, 32) != 0);
  char anna_p[33];
  memcpy(anna_p, ps.data + 66, 32);
  anna_p[32] = 0;
  size_t at = 0;
  EXPECT_OK(custodia_resolve_pseudonym(c, jan, "investigation", "MLA-2026-0042", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                       "person", anna_p, people, 3, &at));
  EXPECT_TRUE(at == 2);
  EXPECT_OK(custodia_resolve_pseudonym(c, jan, "investigation", "MLA-2026-0042", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                       "person", anna_p, people, 2, &at));
  EXPECT_TRUE(at == SIZE_MAX);
  EXPECT_STATUS(custodia_pseudonymize(c, jan, "investigation", "MLA-2026-0042", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                      "Person", people, 1, &ps2),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_buffer_free(&ps));
  EXPECT_OK(custodia_buffer_free(&ps2));

  EXPECT_OK(custodia_record_free(r));
  EXPECT_STATUS(custodia_record_add_integer(r, "late", 1, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                            CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0),
                CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_record_free((custodia_record){0}));
  EXPECT_OK(custodia_opened_record_free((custodia_opened_record){0}));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_actor_free(ana));
  EXPECT_OK(custodia_custodian_free(c));
  if (test_failures) fprintf(stderr, "records: %d failure(s)\n", test_failures);
  return test_failures != 0;
}
