/*
 * The full envelope info through the C API (ABI 4): case reference, recipients with their stanza kinds, the legal
 * instrument, jurisdictions, purposes and the originator's grants a header carries (custodia_envelope_grant), after
 * inspect and after open; everything the Rust EnvelopeInfo has.
 *
 * Attacks: an index past the grants is refused with nothing written; a header with no grant has none to give.
 *
 * Usage: envelope_info WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "parity_fixture.h"

static void check_info(const struct fixture *f, const custodia_envelope_info *info) {
  EXPECT_TRUE(strcmp(info->case_ref, "MLA-2026-0042") == 0);
  EXPECT_TRUE(info->recipient_count == 2);
  EXPECT_TRUE(memcmp(info->recipients[0].key_id.bytes, f->kek.bytes, 16) == 0 && info->recipients[0].kind == 1);
  EXPECT_TRUE(memcmp(info->recipients[1].key_id.bytes, f->x.bytes, 16) == 0 && info->recipients[1].kind == 2);
  EXPECT_TRUE(info->recipients[2].kind == 0 && all_zero(info->recipients[2].key_id.bytes, 16));
  EXPECT_TRUE(info->instrument_kind == CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER);
  EXPECT_TRUE(strcmp(info->instrument_reference, "EIO-2026-7") == 0);
  EXPECT_TRUE(strcmp(info->transfer_basis, "Directive 2014/41/EU") == 0);
  EXPECT_TRUE(strcmp(info->origin, "NL") == 0 && strcmp(info->destinations, "DE") == 0);
  EXPECT_TRUE(strcmp(info->purposes, "investigation prosecution") == 0 && info->purpose_count == 2);
  EXPECT_TRUE(info->category == CUSTODIA_CATEGORY_FINANCIAL_RECORDS);
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: envelope_info WORK_DIR\n");
    return 2;
  }
  struct fixture f;
  fixture_open(&f, argv[1]);
  custodia_buffer env = fixture_seal(&f);

  custodia_envelope_info seen = {0};
  EXPECT_OK(custodia_envelope_inspect(f.c, env.data, env.len, &seen));
  check_info(&f, &seen);
  EXPECT_TRUE(seen.grant_count == 0 && !seen.has_signer);
  custodia_envelope_info opened = {0};
  custodia_buffer plain = {0};
  EXPECT_OK(custodia_open(f.c, f.anna, "investigation", (custodia_exception_ground){0}, env.data, env.len, NULL,
                          &plain, &opened));
  check_info(&f, &opened);
  EXPECT_OK(custodia_buffer_free(&plain));
  custodia_buffer grant = {0};
  EXPECT_STATUS(custodia_envelope_grant(f.c, env.data, env.len, 0, &grant), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(grant.data == NULL);

  /* A signed envelope whose purposes the originator extended: the grant is in the header, and comes back whole. */
  custodia_key_id signer;
  EXPECT_OK(custodia_key_generate(f.c, f.anna, CUSTODIA_KEY_KIND_ED25519, "signing", &signer));
  EXPECT_OK(custodia_seal_options_set_signer(f.opts, &signer));
  custodia_buffer signed_env = fixture_seal(&f);
  EXPECT_OK(custodia_envelope_inspect(f.c, signed_env.data, signed_env.len, &seen));
  EXPECT_TRUE(seen.has_signer && memcmp(seen.signer.bytes, signer.bytes, 16) == 0);
  const char *more[] = {"tax.audit"};
  custodia_buffer issued = {0}, extended = {0};
  EXPECT_OK(custodia_grant_issue_purpose_extension(f.c, f.anna, &signer, seen.object_id, more, 1, 4102444800u,
                                                   "letter 2026/7", &issued));
  EXPECT_OK(custodia_extend_purposes(f.c, f.anna, signed_env.data, signed_env.len, issued.data, issued.len,
                                     &extended));
  EXPECT_OK(custodia_envelope_inspect(f.c, extended.data, extended.len, &seen));
  EXPECT_TRUE(seen.grant_count == 1);
  EXPECT_OK(custodia_envelope_grant(f.c, extended.data, extended.len, 0, &grant));
  EXPECT_TRUE(grant.len == issued.len && memcmp(grant.data, issued.data, issued.len) == 0);
  EXPECT_OK(custodia_buffer_free(&grant));
  EXPECT_STATUS(custodia_envelope_grant(f.c, extended.data, extended.len, 1, &grant), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(grant.data == NULL);
  EXPECT_STATUS(custodia_envelope_grant(f.c, extended.data, extended.len, 0, NULL), CUSTODIA_ERR_NULL_POINTER);

  EXPECT_OK(custodia_buffer_free(&issued));
  EXPECT_OK(custodia_buffer_free(&extended));
  EXPECT_OK(custodia_buffer_free(&signed_env));
  EXPECT_OK(custodia_buffer_free(&env));
  fixture_close(&f);
  FIXTURE_MAIN_END("envelope_info");
}
