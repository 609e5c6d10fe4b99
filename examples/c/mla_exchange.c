/*
 * An exchange under mutual legal assistance, end to end through the C API.
 *
 * State A (the Netherlands) asks state B (Germany) for help and sends the request bundle sealed for B: bound to
 * the purposes "investigation" and "mla.request", the case, the jurisdictions and an expiry, and signed by A's
 * prosecution service. B opens it for a permitted purpose, is refused for another, opens it for that other purpose
 * under a court order (recorded with its justification), sends A a signed disclosure receipt of what it did (A
 * verifies and records it), keeps it at rest under a per-case key, verifies its audit log, and at the end of
 * retention shreds the case key: the stored copy then no longer opens.
 *
 * Usage: mla_exchange [WORK_DIR]   (default: a fresh directory under /tmp)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custodia.h"

/* Stop with the last error message when a call that must succeed fails. */
#define MUST(call)                                                                                         \
  do {                                                                                                     \
    custodia_status s_ = (call);                                                                           \
    if (s_ != CUSTODIA_OK) {                                                                               \
      fprintf(stderr, "%s:%d: %s failed: %s (%u): %s\n", __FILE__, __LINE__, #call,                       \
              custodia_status_name(s_), (unsigned)s_, custodia_last_error_message());                      \
      exit(1);                                                                                             \
    }                                                                                                      \
  } while (0)

/* A call that must be refused with `want`; prints the refusal, which names the rule. */
#define REFUSED(call, want)                                                                                \
  do {                                                                                                     \
    custodia_status s_ = (call);                                                                           \
    if (s_ != (custodia_status)(want)) {                                                                   \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s: %s\n", __FILE__, __LINE__, #call,                  \
              custodia_status_name(s_), custodia_status_name(want), custodia_last_error_message());        \
      exit(1);                                                                                             \
    }                                                                                                      \
    printf("   refused (%s): %s\n", custodia_status_name(s_), custodia_last_error_message());             \
  } while (0)

static const uint64_t DEC_31_2031 = UINT64_C(1956441600);

/* Open a custodian in `dir` with a master key (a host would fetch it from its HSM or secret store). It runs on the
 * system clock: the C ABI offers no other. */
static custodia_custodian open_custodian(const char *dir, uint8_t key_byte) {
  uint8_t master_key[32];
  memset(master_key, key_byte, sizeof master_key);
  custodia_custodian_options options = {0};
  MUST(custodia_custodian_options_new(&options));
  MUST(custodia_custodian_options_set_create(options, true)); /* first start: set the custodian up */
  custodia_custodian c = {0};
  MUST(custodia_custodian_open_master_key(dir, master_key, sizeof master_key, options, &c));
  MUST(custodia_custodian_options_free(options));
  memset(master_key, 0, sizeof master_key);
  return c;
}

static void print_key_id(const char *what, const custodia_key_id *id) {
  char text[CUSTODIA_KEY_ID_TEXT_SIZE];
  MUST(custodia_key_id_format(id, text, sizeof text));
  printf("   %s: %s\n", what, text);
}

/* Export a public key from one custodian and import it into another, with the jurisdiction its authority acts in. */
static custodia_key_id share_public_key(custodia_custodian from, const custodia_key_id *id, custodia_custodian to,
                                        custodia_actor importer, const char *label, const char *jurisdiction) {
  custodia_buffer text = {0};
  MUST(custodia_key_export_public(from, id, &text));
  custodia_key_id imported;
  MUST(custodia_key_import_public(to, importer, (const char *)text.data, label, jurisdiction, &imported));
  MUST(custodia_buffer_free(&text));
  return imported;
}

static void verify_audit(const char *who, custodia_custodian c, const char *const *anchors, size_t anchor_count) {
  custodia_audit_report report;
  MUST(custodia_audit_verify(c, anchors, anchor_count, &report));
  printf("   %s audit log verified: %llu entries, %llu checkpoints, %zu anchor(s), head %.16s...\n", who,
         (unsigned long long)report.entries, (unsigned long long)report.checkpoints, anchor_count, report.head);
}

int main(int argc, char **argv) {
  if (custodia_abi_version() != CUSTODIA_ABI_VERSION) {
    fprintf(stderr, "library ABI %u, header ABI %u\n", (unsigned)custodia_abi_version(), CUSTODIA_ABI_VERSION);
    return 2;
  }
  char base[256];
  if (argc > 1) {
    snprintf(base, sizeof base, "%s", argv[1]);
  } else {
    snprintf(base, sizeof base, "/tmp/custodia-mla-XXXXXX");
    if (mkdtemp(base) == NULL) return 2;
  }
  char dir_a[300], dir_b[300];
  snprintf(dir_a, sizeof dir_a, "%s/nl", base);
  snprintf(dir_b, sizeof dir_b, "%s/de", base);
  printf("custodia %s (ABI %u), working in %s\n", custodia_version(), (unsigned)custodia_abi_version(), base);

  printf("== 1. Both authorities open their custodians and make their keys\n");
  custodia_custodian a = open_custodian(dir_a, 0xA1);
  custodia_custodian b = open_custodian(dir_b, 0xB2);
  custodia_actor anna = {0}, ben = {0}, claire = {0};
  MUST(custodia_actor_new("anna", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  MUST(custodia_actor_new("ben", "central_authority", "DE", CUSTODIA_CLASSIFICATION_SECRET, &ben));
  MUST(custodia_actor_new("claire", "liaison_officer", "FR", CUSTODIA_CLASSIFICATION_SECRET, &claire));

  custodia_key_id b_recipient, a_signer, a_case;
  MUST(custodia_key_generate(b, ben, CUSTODIA_KEY_KIND_X25519, "DE central authority", &b_recipient));
  MUST(custodia_key_generate(a, anna, CUSTODIA_KEY_KIND_ED25519, "NL prosecution service", &a_signer));
  MUST(custodia_key_for_case(a, anna, "MLA-2026-0042", 0, &a_case));
  print_key_id("B's recipient key", &b_recipient);
  print_key_id("A's signing key  ", &a_signer);
  custodia_key_id b_at_a = share_public_key(b, &b_recipient, a, anna, "DE central authority", "DE");
  custodia_key_id a_signer_at_b = share_public_key(a, &a_signer, b, ben, "NL prosecution service", "NL");

  printf("== 2. A seals the request bundle for B\n");
  static const char bundle[] =
      "Request for assistance MLA-2026-0042: account NL91ABNA0417164300 held by J. de Vries; "
      "please provide statements 2024-2026 of DE89370400440532013000.";
  const char *purposes[] = {"investigation", "mla.request"};
  const char *destinations[] = {"DE"};
  custodia_seal_options opts = {0};
  MUST(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 2, &opts));
  MUST(custodia_seal_options_set_classification(opts, CUSTODIA_CLASSIFICATION_SECRET));
  MUST(custodia_seal_options_set_case_ref(opts, "MLA-2026-0042"));
  MUST(custodia_seal_options_set_jurisdictions(opts, "NL", destinations, 1));
  MUST(custodia_seal_options_set_not_after(opts, DEC_31_2031));
  MUST(custodia_seal_options_set_instrument(opts, CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER,
                                            "EIO NL-2026-0042", "Directive 2014/41/EU"));
  MUST(custodia_seal_options_add_recipient(opts, &b_at_a));
  MUST(custodia_seal_options_add_recipient(opts, &a_case)); /* A keeps access under its case key */
  MUST(custodia_seal_options_set_signer(opts, &a_signer));
  custodia_buffer envelope = {0};
  MUST(custodia_seal(a, anna, (const uint8_t *)bundle, sizeof bundle - 1, opts, &envelope));
  printf("   sealed %zu bytes into a %zu-byte envelope\n", sizeof bundle - 1, envelope.len);
  custodia_buffer description = {0};
  MUST(custodia_envelope_describe(b, envelope.data, envelope.len, &description));
  printf("%s", (const char *)description.data);
  MUST(custodia_buffer_free(&description));

  printf("== 3. B opens it for a permitted purpose, signed by A\n");
  custodia_buffer plaintext = {0};
  custodia_envelope_info info;
  custodia_exception_ground none = {0};
  /* B records the arrival first (no key touched): its disclosure receipt to A starts here (section 5b). */
  MUST(custodia_envelope_receive(b, ben, envelope.data, envelope.len, NULL));
  MUST(custodia_open(b, ben, "investigation", none, envelope.data, envelope.len, &a_signer_at_b, &plaintext, &info));
  if (plaintext.len != sizeof bundle - 1 || memcmp(plaintext.data, bundle, plaintext.len) != 0) {
    fprintf(stderr, "plaintext differs\n");
    return 1;
  }
  printf("   opened %zu bytes (object %s, %zu purposes, signed: %s)\n", plaintext.len, info.object_id,
         info.purpose_count, info.has_signer ? "yes" : "no");
  MUST(custodia_buffer_free(&plaintext)); /* zeroized */

  printf("== 4. Refusals: another purpose, another jurisdiction\n");
  REFUSED(custodia_open(b, ben, "asset_recovery", none, envelope.data, envelope.len, NULL, &plaintext, NULL),
          CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  REFUSED(custodia_open(b, claire, "investigation", none, envelope.data, envelope.len, NULL, &plaintext, NULL),
          CUSTODIA_ERR_JURISDICTION_NOT_PERMITTED);

  printf("== 5. B opens it for asset recovery under a court order\n");
  custodia_exception_ground order = {0};
  MUST(custodia_exception_ground_new(CUSTODIA_EXCEPTION_KIND_COURT_ORDER, "AG Berlin 351 Gs 1234/26",
                              "The investigating judge ordered the freezing of the accounts named in the request.",
                              &order));
  MUST(custodia_open(b, ben, "asset_recovery", order, envelope.data, envelope.len, NULL, &plaintext, NULL));
  printf("   opened %zu bytes; the exception and its justification are in the audit log\n", plaintext.len);
  MUST(custodia_buffer_free(&plaintext));

  printf("== 5b. Rule of speciality: using the data for more, or passing it on, needs A's signed grant\n");
  char dir_c[300];
  snprintf(dir_c, sizeof dir_c, "%s/fr", base);
  custodia_custodian c = open_custodian(dir_c, 0xC3);
  custodia_key_id c_recipient;
  MUST(custodia_key_generate(c, claire, CUSTODIA_KEY_KIND_X25519, "FR liaison", &c_recipient));
  custodia_key_id c_at_b = share_public_key(c, &c_recipient, b, ben, "FR liaison", "FR");
  const uint64_t grant_until = (uint64_t)time(NULL) + 30 * 86400;
  custodia_buffer grant = {0}, extended = {0}, onward = {0}, to_c = {0};
  const char *more[] = {"mla.execution"};
  MUST(custodia_grant_issue_purpose_extension(a, anna, &a_signer, info.object_id, more, 1, grant_until,
                                              "DE letter 2026/77: execution with FR", &grant));
  MUST(custodia_extend_purposes(b, ben, envelope.data, envelope.len, grant.data, grant.len, &extended));
  printf("   A's purpose extension applied: the envelope now carries the grant (%zu bytes)\n", extended.len);
  REFUSED(custodia_rewrap(b, ben, "mla.execution", extended.data, extended.len, NULL, 0, &c_at_b, 1, &to_c),
          CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED);
  MUST(custodia_grant_issue_onward_transfer(a, anna, &a_signer, info.object_id, "FR liaison office", "FR", &c_at_b,
                                            grant_until, "DE letter 2026/77: execution with FR", &onward));
  char grant_id[CUSTODIA_GRANT_ID_TEXT_SIZE] = {0};
  MUST(custodia_grant_id(onward.data, onward.len, grant_id, sizeof grant_id));
  MUST(custodia_rewrap_with_grant(b, ben, "mla.execution", extended.data, extended.len, NULL, 0, &c_at_b, 1,
                                  onward.data, onward.len, &to_c));
  MUST(custodia_open(c, claire, "investigation", none, to_c.data, to_c.len, NULL, &plaintext, NULL));
  printf("   with A's grant %s B shares it; FR opens %zu bytes\n", grant_id, plaintext.len);
  MUST(custodia_buffer_free(&plaintext));
  MUST(custodia_buffer_free(&to_c));
  MUST(custodia_buffer_free(&onward));
  MUST(custodia_buffer_free(&extended));
  MUST(custodia_buffer_free(&grant));
  MUST(custodia_custodian_close(c, NULL));
  MUST(custodia_custodian_free(c));
  printf("== 5c. Need-to-know at B: an access policy names the case team (docs/POLICY.md)\n");
  custodia_access_policy policy = {0};
  MUST(custodia_access_policy_parse("version = 1\n"
                                    "[[cases.team]]\n"
                                    "case = \"MLA-2026-0042\"\n"
                                    "actors = [\"ben\"]\n",
                                    &policy));
  MUST(custodia_custodian_set_access_policy(b, ben, policy)); /* audited as policy_changed */
  MUST(custodia_access_policy_free(policy));
  custodia_actor dora = {0};
  MUST(custodia_actor_new("dora", "central_authority", "DE", CUSTODIA_CLASSIFICATION_SECRET, &dora));
  REFUSED(custodia_open(b, dora, "investigation", none, envelope.data, envelope.len, NULL, &plaintext, NULL),
          CUSTODIA_ERR_NOT_ON_CASE);
  MUST(custodia_actor_free(dora));
  printf("== 5d. B sends A a signed disclosure receipt; A verifies and records it\n");
  static const char *const item_kinds[] = {"?", "received", "opened", "exception_used", "shared",
                                           "rewrapped", "destroyed", "refused"};
  custodia_key_id b_receipts;
  MUST(custodia_key_generate(b, ben, CUSTODIA_KEY_KIND_ED25519, "DE receipt signing key", &b_receipts));
  (void)share_public_key(b, &b_receipts, a, anna, "DE receipt signing key", "DE");
  custodia_receipt receipt = {0}, at_a = {0};
  custodia_buffer receipt_text = {0}, held_by_a = {0};
  MUST(custodia_receipt_issue(b, ben, info.object_id, &b_receipts, false, true, &receipt));
  MUST(custodia_receipt_armor(receipt, &receipt_text));
  size_t item_count = 0;
  MUST(custodia_receipt_item_count(receipt, &item_count));
  for (size_t i = 0; i < item_count; i++) {
    uint32_t kind = 0;
    uint64_t when = 0;
    bool present = false;
    custodia_buffer what = {0};
    MUST(custodia_receipt_item_get(receipt, i, &kind, &when));
    MUST(custodia_receipt_item_field(receipt, i, CUSTODIA_RECEIPT_FIELD_PURPOSE, &present, &what));
    printf("   %-15s %s\n", kind < 8 ? item_kinds[kind] : "?", present ? (const char *)what.data : "-");
    MUST(custodia_buffer_free(&what));
  }
  MUST(custodia_receipt_import(a, anna, (const char *)receipt_text.data, &at_a));
  MUST(custodia_receipt_find_by_case(a, "MLA-2026-0042", &held_by_a));
  printf("   A imported it (%zu bytes of armored text) and holds it for case MLA-2026-0042: %s\n", receipt_text.len,
         held_by_a.len == receipt_text.len ? "yes" : "no");
  char *altered = malloc(receipt_text.len + 1);
  if (altered == NULL) return 1;
  memcpy(altered, receipt_text.data, receipt_text.len + 1);
  altered[100] = altered[100] == 'A' ? 'B' : 'A';
  custodia_status altered_status = custodia_receipt_import(a, anna, altered, &at_a);
  printf("   an altered copy is refused: %s\n", custodia_status_name(altered_status));
  free(altered);
  if (altered_status != CUSTODIA_ERR_RECEIPT_INVALID) return 1;
  MUST(custodia_buffer_free(&held_by_a));
  MUST(custodia_buffer_free(&receipt_text));
  MUST(custodia_receipt_free(at_a));
  MUST(custodia_receipt_free(receipt));

  printf("== 6. B keeps the request at rest under its case key (re-wrap: no payload re-encryption)\n");
  custodia_key_id b_case;
  MUST(custodia_key_for_case(b, ben, "MLA-2026-0042", DEC_31_2031, &b_case));
  custodia_buffer stored = {0};
  /* A re-wrap passes the policy gate like an open: ben states a purpose the envelope grants. */
  MUST(custodia_rewrap(b, ben, "mla.request", envelope.data, envelope.len, &b_recipient, 1, &b_case, 1, &stored));
  MUST(custodia_open(b, ben, "mla.request", none, stored.data, stored.len, &a_signer_at_b, &plaintext, NULL));
  MUST(custodia_buffer_free(&plaintext));
  printf("   stored copy opens under the case key\n");

  printf("== 7. Both verify their audit logs\n");
  verify_audit("A's", a, NULL, 0);
  verify_audit("B's", b, NULL, 0);

  printf("== 7b. A exports an anchor of its log; B checks it against A's audit key and counter-signs it\n");
  custodia_buffer anchor = {0}, a_audit_key = {0}, witnessed = {0}, witness_text = {0};
  custodia_key_id witness;
  MUST(custodia_audit_checkpoint(a, &anchor));
  MUST(custodia_audit_public_key(a, &a_audit_key));
  MUST(custodia_key_generate(b, ben, CUSTODIA_KEY_KIND_ED25519, "witness key", &witness));
  MUST(custodia_anchor_countersign(b, ben, (const char *)anchor.data, (const char *)a_audit_key.data, &witness,
                                   &witnessed));
  MUST(custodia_key_export_public(b, &witness, &witness_text));
  MUST(custodia_anchor_verify((const char *)witnessed.data, (const char *)a_audit_key.data,
                              (const char *)witness_text.data));
  printf("   anchor counter-signed by B's witness key; A verifies its log against it:\n");
  const char *held_by_b[] = {(const char *)witnessed.data};
  verify_audit("A's", a, held_by_b, 1);
  MUST(custodia_buffer_free(&witness_text));
  MUST(custodia_buffer_free(&witnessed));
  MUST(custodia_buffer_free(&a_audit_key));
  MUST(custodia_buffer_free(&anchor));

  printf("== 8. The case closes: B ends the case key's retention now and shreds it\n");
  MUST(custodia_custodian_close(b, NULL));
  MUST(custodia_custodian_free(b));
  b = open_custodian(dir_b, 0xB2);
  MUST(custodia_key_set_retention(b, ben, &b_case, (uint64_t)time(NULL) - 1));
  size_t destroyed = 0, held = 0;
  MUST(custodia_key_shred_expired(b, ben, &destroyed, &held, NULL));
  printf("   %zu key(s) destroyed, %zu held\n", destroyed, held);
  REFUSED(custodia_open(b, ben, "investigation", none, stored.data, stored.len, NULL, &plaintext, NULL),
          CUSTODIA_ERR_KEY_DESTROYED);
  custodia_key_list keys = {0};
  size_t count = 0;
  MUST(custodia_key_list_new(b, &keys));
  MUST(custodia_key_list_len(keys, &count));
  for (size_t i = 0; i < count; i++) {
    custodia_key_info k;
    const char *kind = "?";
    MUST(custodia_key_list_get(keys, i, &k));
    MUST(custodia_key_kind_name(k.kind, &kind));
    printf("   key %-8s %-22s %s%s\n", kind, k.label,
           k.state == CUSTODIA_KEY_STATE_DESTROYED ? "destroyed" : (k.has_secret ? "active" : "public only"),
           k.case_ref ? " (case key)" : "");
  }
  MUST(custodia_key_list_free(keys));
  verify_audit("B's", b, NULL, 0);

  MUST(custodia_buffer_free(&stored));
  MUST(custodia_buffer_free(&envelope));
  MUST(custodia_seal_options_free(opts));
  MUST(custodia_exception_ground_free(order));
  MUST(custodia_actor_free(anna));
  MUST(custodia_actor_free(ben));
  MUST(custodia_actor_free(claire));
  MUST(custodia_custodian_close(a, NULL));
  MUST(custodia_custodian_close(b, NULL));
  MUST(custodia_custodian_free(a));
  MUST(custodia_custodian_free(b));
  size_t live_handles = 1, live_buffers = 1;
  MUST(custodia_live_counts(&live_handles, &live_buffers));
  if (live_handles != 0 || live_buffers != 0) {
    fprintf(stderr, "leaked %zu handles and %zu buffers\n", live_handles, live_buffers);
    return 1;
  }
  printf("mla_exchange: done\n");
  return 0;
}
