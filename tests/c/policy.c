/*
 * The access policy through the C API (issue 14: need-to-know, transfer rules, four eyes): parse from text and from
 * a file (errors with line and column), put in force (audited as policy_changed), a need-to-know refusal that
 * touches no key and is recorded, a transfer refused at seal, and a four-eyes exception refused without, and opened
 * with, a second approver's approval; hostile approval text. Outputs untouched on failure; no handle or buffer leaks.
 *
 * Usage: policy WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

static char work[512];

static const char *path(const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

/* The last line of `dir`/audit.log contains every one of `needles` (NULL-terminated). */
static void expect_last_audit_line(const char *dir, const char *const *needles) {
  char line[16384];
  last_audit_line(dir, line, sizeof line);
  for (; *needles != NULL; needles++) {
    if (strstr(line, *needles) == NULL) {
      fprintf(stderr, "last audit line lacks %s: %s\n", *needles, line);
      test_failures++;
    }
  }
}

static custodia_custodian open_new(const char *name, uint8_t seed) {
  uint8_t key[32] = {0};
  key[0] = seed;
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path(name), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

static const char JUSTIFICATION[] = "The witness is in immediate danger and the court ordered the disclosure now";

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: policy WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);

  /* ---- parse: errors name the line and column; outputs untouched on failure ---- */
  custodia_access_policy bad = {0};
  EXPECT_STATUS(custodia_access_policy_parse("version = 1\n[roles.x]\ncategories = [\"nope\"]\npurposes = [\"mla\"]\n",
                                             &bad),
                CUSTODIA_ERR_POLICY_INVALID);
  EXPECT_MESSAGE("line 3, column 15");
  EXPECT_TRUE(bad.id == 0);
  EXPECT_STATUS(custodia_access_policy_parse("version = 1\ncolour = \"red\"\n", &bad), CUSTODIA_ERR_POLICY_INVALID);
  EXPECT_MESSAGE("line 2");
  EXPECT_STATUS(custodia_access_policy_parse(NULL, &bad), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_access_policy_load_file(path("missing.toml"), &bad), CUSTODIA_ERR_IO);
  EXPECT_TRUE(bad.id == 0);

  custodia_custodian nl = open_new("nl", 1), headc = open_new("head", 2);
  custodia_actor anna = {0}, bob = {0}, head = {0};
  EXPECT_OK(custodia_actor_new("anna.schmidt", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  EXPECT_OK(custodia_actor_new("bob", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &bob));
  EXPECT_OK(custodia_actor_new("head.of.unit", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &head));
  custodia_key_id kek, head_key;
  EXPECT_OK(custodia_key_generate(nl, anna, CUSTODIA_KEY_KIND_KEK, "kek", &kek));
  EXPECT_OK(custodia_key_generate(headc, head, CUSTODIA_KEY_KIND_ED25519, "approvals", &head_key));
  custodia_buffer head_text = {0};
  EXPECT_OK(custodia_key_export_public(headc, &head_key, &head_text));

  /* ---- a policy written to a file and loaded from it ---- */
  char policy_text[2048];
  snprintf(policy_text, sizeof policy_text,
           "version = 1\n"
           "[roles.prosecutor]\ncategories = [\"witness_identity\", \"financial_records\"]\n"
           "purposes = [\"investigation\", \"prosecution\", \"witness_protection\"]\n"
           "[[cases.team]]\ncase = \"MLA-2026-0042\"\nactors = [\"anna.schmidt\"]\n"
           "[[transfers.rule]]\ncategory = \"witness_identity\"\nto = \"*\"\ndecision = \"legal_basis\"\n"
           "[four_eyes]\ncategories = [\"witness_identity\"]\n"
           "[[four_eyes.approver]]\nid = \"head.of.unit\"\nkey = \"%s\"\n",
           (const char *)head_text.data);
  EXPECT_OK(custodia_buffer_free(&head_text));
  FILE *f = fopen(path("policy.toml"), "wb");
  EXPECT_TRUE(f != NULL);
  if (f != NULL) {
    fputs(policy_text, f);
    fclose(f);
  }
  custodia_access_policy policy = {0}, same = {0};
  EXPECT_OK(custodia_access_policy_load_file(path("policy.toml"), &policy));
  EXPECT_OK(custodia_access_policy_parse(policy_text, &same));
  custodia_buffer h1 = {0}, h2 = {0};
  EXPECT_OK(custodia_access_policy_sha256(policy, &h1));
  EXPECT_OK(custodia_access_policy_sha256(same, &h2));
  EXPECT_TRUE(h1.len == 64 && h2.len == 64 && memcmp(h1.data, h2.data, 64) == 0);
  EXPECT_OK(custodia_access_policy_free(same));
  EXPECT_STATUS(custodia_access_policy_free(same), CUSTODIA_ERR_INVALID_HANDLE);

  /* Sealed before the policy: a witness identity of the case, for witness protection, staying in NL. */
  const char *purposes[] = {"witness_protection"};
  custodia_seal_options opts = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_WITNESS_IDENTITY, purposes, 1, &opts));
  EXPECT_OK(custodia_seal_options_set_case_ref(opts, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(opts, "NL", NULL, 0));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &kek));
  static const char SECRET[] = "witness W-17";
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal(nl, anna, (const uint8_t *)SECRET, sizeof SECRET - 1, opts, &env));
  custodia_envelope_info info;
  memset(&info, 0, sizeof info);
  EXPECT_OK(custodia_envelope_inspect(nl, env.data, env.len, &info));

  /* ---- put in force: audited with the actor and the hash ---- */
  EXPECT_OK(custodia_custodian_set_access_policy(nl, anna, policy));
  {
    char want[128];
    snprintf(want, sizeof want, "\"sha256\":\"%.64s\"", (const char *)h1.data);
    const char *needles[] = {"\"kind\":\"policy_changed\"", "\"id\":\"anna.schmidt\"", want, "\"source\":\"set\"", NULL};
    expect_last_audit_line(path("nl"), needles);
  }
  EXPECT_OK(custodia_buffer_free(&h1));
  EXPECT_OK(custodia_buffer_free(&h2));

  /* ---- need-to-know: bob is a prosecutor but not on the case ---- */
  const custodia_exception_ground none = {0};
  custodia_buffer plain = {0};
  uint64_t before = unwraps(nl);
  EXPECT_STATUS(custodia_open(nl, bob, "witness_protection", none, env.data, env.len, NULL, &plain, NULL),
                CUSTODIA_ERR_NOT_ON_CASE);
  EXPECT_MESSAGE("bob is not on case MLA-2026-0042");
  EXPECT_TRUE(custodia_status_is_refusal(CUSTODIA_ERR_NOT_ON_CASE));
  EXPECT_TRUE(plain.data == NULL);
  EXPECT_TRUE(unwraps(nl) == before);
  {
    const char *needles[] = {"\"kind\":\"refused\"", "\"kind\":\"not_on_case\"", "\"id\":\"bob\"", NULL};
    expect_last_audit_line(path("nl"), needles);
  }
  /* A role outside its purposes. */
  EXPECT_STATUS(custodia_open(nl, anna, "mla.execution", none, env.data, env.len, NULL, &plain, NULL),
                CUSTODIA_ERR_ROLE_NOT_PERMITTED);
  EXPECT_OK(custodia_open(nl, anna, "witness_protection", none, env.data, env.len, NULL, &plain, NULL));
  EXPECT_TRUE(plain.len == sizeof SECRET - 1 && memcmp(plain.data, SECRET, plain.len) == 0);
  EXPECT_OK(custodia_buffer_free(&plain));
  plain = (custodia_buffer){0};

  /* ---- a transfer refused at seal: a witness identity to DE without a legal basis ---- */
  const char *de[] = {"DE"};
  EXPECT_OK(custodia_seal_options_set_jurisdictions(opts, "NL", de, 1));
  custodia_buffer refused_env = {0};
  EXPECT_STATUS(custodia_seal(nl, anna, (const uint8_t *)SECRET, sizeof SECRET - 1, opts, &refused_env),
                CUSTODIA_ERR_LEGAL_BASIS_REQUIRED);
  EXPECT_TRUE(refused_env.data == NULL);
  {
    const char *needles[] = {"\"kind\":\"legal_basis_required\"", "\"operation\":\"seal\"", NULL};
    expect_last_audit_line(path("nl"), needles);
  }
  EXPECT_OK(custodia_seal_options_set_instrument(opts, CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER,
                                                 "EIO 7/26", "Art. 22 Directive 2014/41/EU"));
  EXPECT_OK(custodia_seal(nl, anna, (const uint8_t *)SECRET, sizeof SECRET - 1, opts, &refused_env));
  EXPECT_OK(custodia_buffer_free(&refused_env));

  /* ---- four eyes: an exception on witness identities needs head.of.unit's approval ---- */
  custodia_exception_ground order = {0}, approved = {0}, forged = {0};
  EXPECT_OK(custodia_exception_ground_new(CUSTODIA_EXCEPTION_KIND_COURT_ORDER, "OLG 1/26", JUSTIFICATION, &order));
  before = unwraps(nl);
  EXPECT_STATUS(custodia_open(nl, anna, "prosecution", order, env.data, env.len, NULL, &plain, NULL),
                CUSTODIA_ERR_APPROVAL_REQUIRED);
  EXPECT_MESSAGE("none was given");
  EXPECT_TRUE(unwraps(nl) == before);
  custodia_buffer approval = {0};
  EXPECT_STATUS(custodia_custodian_approve_exception(headc, head, &head_key, info.object_id, "head.of.unit",
                                                     "prosecution", CUSTODIA_EXCEPTION_KIND_COURT_ORDER, "OLG 1/26",
                                                     UINT64_MAX, &approval),
                CUSTODIA_ERR_INVALID_ARGUMENT); /* no self-approval */
  EXPECT_STATUS(custodia_custodian_approve_exception(headc, head, &head_key, "xyz", "anna.schmidt", "prosecution",
                                                     CUSTODIA_EXCEPTION_KIND_COURT_ORDER, "OLG 1/26", UINT64_MAX,
                                                     &approval),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_custodian_approve_exception(headc, head, &head_key, info.object_id, "anna.schmidt",
                                                     "prosecution", 42, "OLG 1/26", UINT64_MAX, &approval),
                CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_TRUE(approval.data == NULL);
  EXPECT_OK(custodia_custodian_approve_exception(headc, head, &head_key, info.object_id, "anna.schmidt", "prosecution",
                                                 CUSTODIA_EXCEPTION_KIND_COURT_ORDER, "OLG 1/26", UINT64_MAX,
                                                 &approval));
  EXPECT_TRUE(approval.len > 18 && memcmp(approval.data, "custodia-approval:", 18) == 0);
  EXPECT_STATUS(custodia_exception_ground_with_approval(order, "custodia-approval:AAAA", &forged),
                CUSTODIA_ERR_APPROVAL_INVALID);
  EXPECT_STATUS(custodia_exception_ground_with_approval(order, "not an approval", &forged),
                CUSTODIA_ERR_APPROVAL_INVALID);
  EXPECT_TRUE(forged.id == 0);
  EXPECT_OK(custodia_exception_ground_with_approval(order, (const char *)approval.data, &approved));
  /* Bob presenting anna's approval is refused. */
  EXPECT_STATUS(custodia_open(nl, bob, "prosecution", approved, env.data, env.len, NULL, &plain, NULL),
                CUSTODIA_ERR_NOT_ON_CASE);
  EXPECT_OK(custodia_open(nl, anna, "prosecution", approved, env.data, env.len, NULL, &plain, NULL));
  EXPECT_TRUE(plain.len == sizeof SECRET - 1);
  EXPECT_OK(custodia_buffer_free(&plain));
  {
    /* The last entry is `opened`; the exception_used entry before it names the approver. */
    char name[700], buf[8192];
    snprintf(name, sizeof name, "%s/audit.log", path("nl"));
    FILE *log = fopen(name, "rb");
    int found = 0;
    while (log != NULL && fgets(buf, sizeof buf, log) != NULL) {
      if (strstr(buf, "\"kind\":\"exception_used\"") && strstr(buf, "\"approver\":\"head.of.unit\"")) found = 1;
    }
    if (log != NULL) fclose(log);
    EXPECT_TRUE(found);
  }
  /* The approver's custodian recorded the approval. */
  {
    const char *needles[] = {"\"kind\":\"exception_approved\"", "\"for_actor\":\"anna.schmidt\"", NULL};
    expect_last_audit_line(path("head"), needles);
  }

  EXPECT_OK(custodia_buffer_free(&approval));
  EXPECT_OK(custodia_exception_ground_free(order));
  EXPECT_OK(custodia_exception_ground_free(approved));
  EXPECT_OK(custodia_access_policy_free(policy));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(opts));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(bob));
  EXPECT_OK(custodia_actor_free(head));
  EXPECT_OK(custodia_custodian_close(nl, NULL));
  EXPECT_OK(custodia_custodian_free(nl));
  EXPECT_OK(custodia_custodian_close(headc, NULL));
  EXPECT_OK(custodia_custodian_free(headc));

  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "policy: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("policy: all checks passed\n");
  return 0;
}
