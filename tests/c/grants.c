/*
 * Grants through the C API (rule of speciality): DE seals a signed envelope for NL; NL may not pass it to FR, nor
 * use it for another purpose, without DE's grant. Refusals are typed and touch no key; forged and malformed grants
 * are refused; with the grant, the transfer and the extension go through and FR opens.
 *
 * Usage: grants WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custodia.h"
#include "test_util.h"

static const char STATEMENT[] = "IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456";
static const char LETTER[] = "DE request letter 2026/118";
static const custodia_exception_ground NO_EXCEPTION = {0};
static char work[512];

static custodia_custodian open_custodian(const char *name) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/%s", work, name);
  const uint8_t key[32] = {4, 2};
  custodia_custodian_options create = {0};
  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

/* Import `from`'s public key `id` into `into` for `jurisdiction`. */
static custodia_key_id import(custodia_custodian from, custodia_key_id id, custodia_custodian into,
                              custodia_actor who, const char *jurisdiction) {
  custodia_buffer text = {0};
  custodia_key_id out = {{0}};
  EXPECT_OK(custodia_key_export_public(from, &id, &text));
  EXPECT_OK(custodia_key_import_public(into, who, (const char *)text.data, "partner", jurisdiction, &out));
  EXPECT_OK(custodia_buffer_free(&text));
  return out;
}

static uint64_t attempts(custodia_custodian c) {
  uint64_t n = 0;
  EXPECT_OK(custodia_custodian_unwrap_attempts(c, &n));
  return n;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: grants WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  custodia_custodian de = open_custodian("de"), nl = open_custodian("nl"), fr = open_custodian("fr");
  custodia_actor anna = {0}, jan = {0}, claire = {0};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  EXPECT_OK(custodia_actor_new("jan", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  EXPECT_OK(custodia_actor_new("claire", "magistrate", "FR", CUSTODIA_CLASSIFICATION_SECRET, &claire));

  custodia_key_id de_signer = {{0}}, nl_own = {{0}}, fr_own = {{0}};
  EXPECT_OK(custodia_key_generate(de, anna, CUSTODIA_KEY_KIND_ED25519, "DE signing", &de_signer));
  EXPECT_OK(custodia_key_generate(nl, jan, CUSTODIA_KEY_KIND_X25519, "NL central authority", &nl_own));
  EXPECT_OK(custodia_key_generate(fr, claire, CUSTODIA_KEY_KIND_X25519, "FR central authority", &fr_own));
  custodia_key_id nl_in_de = import(nl, nl_own, de, anna, "NL");
  custodia_key_id fr_in_nl = import(fr, fr_own, nl, jan, "FR");

  /* DE seals for NL, signed: DE is the originator. */
  const char *purposes[] = {"investigation", "mla.execution"};
  const char *destinations[] = {"NL"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &nl_in_de));
  EXPECT_OK(custodia_seal_options_set_signer(o, &de_signer));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(o, NULL, destinations, 1));
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal(de, anna, (const uint8_t *)STATEMENT, sizeof STATEMENT - 1, o, &env));
  EXPECT_OK(custodia_seal_options_free(o));
  custodia_envelope_info info;
  memset(&info, 0, sizeof info);
  EXPECT_OK(custodia_envelope_inspect(de, env.data, env.len, &info));
  const uint64_t not_after = (uint64_t)time(NULL) + 30 * 86400;

  /* No grant: NL's share with FR is refused before any key is touched. */
  custodia_buffer shared = {0};
  uint64_t before = attempts(nl);
  EXPECT_STATUS(custodia_rewrap(nl, jan, "mla.execution", env.data, env.len, NULL, 0, &fr_in_nl, 1, &shared),
                CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED);
  EXPECT_MESSAGE("not the envelope's originator");
  EXPECT_TRUE(custodia_status_is_refusal(CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED));
  EXPECT_TRUE(shared.data == NULL);
  EXPECT_TRUE(attempts(nl) == before);

  /* DE issues the grant. Bad arguments first: nothing is written. */
  custodia_buffer grant = {0};
  EXPECT_STATUS(custodia_grant_issue_onward_transfer(de, anna, NULL, info.object_id, "PNF", "FR", &fr_in_nl,
                                                     not_after, LETTER, &grant),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_grant_issue_onward_transfer(de, anna, &de_signer, "not hex", "PNF", "FR", &fr_in_nl,
                                                     not_after, LETTER, &grant),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_grant_issue_onward_transfer(de, anna, &de_signer, info.object_id, "PNF", "XX", &fr_in_nl,
                                                     not_after, LETTER, &grant),
                CUSTODIA_ERR_INVALID_JURISDICTION);
  EXPECT_STATUS(custodia_grant_issue_onward_transfer(de, anna, &nl_in_de, info.object_id, "PNF", "FR", &fr_in_nl,
                                                     not_after, LETTER, &grant),
                CUSTODIA_ERR_INVALID_ARGUMENT); /* an X25519 key cannot sign */
  EXPECT_STATUS(custodia_grant_issue_onward_transfer(de, anna, &de_signer, info.object_id, "PNF", "FR", &fr_in_nl,
                                                     not_after, LETTER, NULL),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(grant.data == NULL);
  EXPECT_OK(custodia_grant_issue_onward_transfer(de, anna, &de_signer, info.object_id, "Parquet national financier",
                                                 "FR", &fr_in_nl, not_after, LETTER, &grant));
  EXPECT_TRUE(strncmp((const char *)grant.data, "-----BEGIN CUSTODIA GRANT-----\n", 31) == 0);
  char id[CUSTODIA_GRANT_ID_TEXT_SIZE] = {0};
  EXPECT_STATUS(custodia_grant_id(grant.data, grant.len, id, 32), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_grant_id(grant.data, grant.len, id, sizeof id));
  EXPECT_TRUE(strlen(id) == 32);

  /* Malformed and forged grants; NULL and empty arguments. */
  EXPECT_STATUS(custodia_grant_id((const uint8_t *)"hello", 5, id, sizeof id), CUSTODIA_ERR_GRANT_INVALID);
  EXPECT_STATUS(custodia_grant_id(NULL, 5, id, sizeof id), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_grant_id(NULL, 0, id, sizeof id), CUSTODIA_ERR_GRANT_INVALID);
  EXPECT_STATUS(custodia_grant_id(grant.data, grant.len, NULL, sizeof id), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_grant_id(grant.data, grant.len - 40, id, sizeof id), CUSTODIA_ERR_GRANT_INVALID);
  EXPECT_MESSAGE("armor");
  custodia_buffer none_out = {0};
  EXPECT_STATUS(custodia_extend_purposes(nl, jan, env.data, env.len, NULL, 0, &none_out), CUSTODIA_ERR_GRANT_INVALID);
  EXPECT_STATUS(custodia_extend_purposes(nl, jan, env.data, env.len, grant.data, grant.len, NULL),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(none_out.data == NULL);
  EXPECT_STATUS(custodia_rewrap_with_grant(nl, jan, "mla.execution", env.data, env.len, NULL, 0, &fr_in_nl, 1,
                                           (const uint8_t *)"hello", 5, &shared),
                CUSTODIA_ERR_GRANT_INVALID);
  char *forged = malloc(grant.len + 1);
  memcpy(forged, grant.data, grant.len + 1);
  size_t at = grant.len - strlen("-----END CUSTODIA GRANT-----\n") - 8; /* inside the signature, before padding */
  forged[at] = forged[at] == 'A' ? 'B' : 'A';
  EXPECT_STATUS(custodia_rewrap_with_grant(nl, jan, "mla.execution", env.data, env.len, NULL, 0, &fr_in_nl, 1,
                                           (const uint8_t *)forged, grant.len, &shared),
                CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED);
  EXPECT_MESSAGE("signature does not verify");
  free(forged);
  EXPECT_TRUE(shared.data == NULL);
  EXPECT_TRUE(attempts(nl) == before);

  /* With DE's grant NL shares, and FR (a new jurisdiction, added by the grant) opens. */
  EXPECT_OK(custodia_rewrap_with_grant(nl, jan, "mla.execution", env.data, env.len, NULL, 0, &fr_in_nl, 1,
                                       grant.data, grant.len, &shared));
  custodia_buffer pt = {0};
  EXPECT_OK(custodia_open(fr, claire, "investigation", NO_EXCEPTION, shared.data, shared.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == sizeof STATEMENT - 1 && memcmp(pt.data, STATEMENT, pt.len) == 0);
  EXPECT_OK(custodia_buffer_free(&pt));

  /* Purpose extension: refused without the grant, allowed with it; an onward grant does not extend purposes. */
  EXPECT_STATUS(custodia_open(nl, jan, "prosecution", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  custodia_buffer extended = {0};
  EXPECT_STATUS(custodia_extend_purposes(nl, jan, env.data, env.len, grant.data, grant.len, &extended),
                CUSTODIA_ERR_PURPOSE_EXTENSION_NOT_GRANTED);
  EXPECT_MESSAGE("not a purpose extension");
  const char *more[] = {"prosecution"};
  custodia_buffer ext = {0};
  EXPECT_STATUS(custodia_grant_issue_purpose_extension(de, anna, &de_signer, info.object_id, NULL, 0, not_after,
                                                       LETTER, &ext),
                CUSTODIA_ERR_NO_PURPOSE);
  EXPECT_OK(custodia_grant_issue_purpose_extension(de, anna, &de_signer, info.object_id, more, 1, not_after, LETTER,
                                                   &ext));
  EXPECT_OK(custodia_extend_purposes(nl, jan, env.data, env.len, ext.data, ext.len, &extended));
  EXPECT_OK(custodia_open(nl, jan, "prosecution.trial", NO_EXCEPTION, extended.data, extended.len, NULL, &pt, NULL));
  EXPECT_OK(custodia_buffer_free(&pt));

  EXPECT_OK(custodia_buffer_free(&extended));
  EXPECT_OK(custodia_buffer_free(&ext));
  EXPECT_OK(custodia_buffer_free(&shared));
  EXPECT_OK(custodia_buffer_free(&grant));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_actor_free(claire));
  EXPECT_OK(custodia_custodian_free(de));
  EXPECT_OK(custodia_custodian_free(nl));
  EXPECT_OK(custodia_custodian_free(fr));
  if (test_failures) {
    fprintf(stderr, "%d failure(s)\n", test_failures);
    return 1;
  }
  printf("grants: ok\n");
  return 0;
}
