/* The callback key provider (custodia_key_provider_new): a host's own key service plugged into a custodian.
 *
 * The toy "KMS" here is a second custodian (C has no AEAD of its own; XOR or home-made crypto would prove nothing):
 * wrap seals `aad_len (u32 BE) || aad || data_key` to the KMS custodian's KEK (an authenticated envelope), unwrap opens
 * it and refuses unless the embedded AAD equals the one given. Attacks: a refused open never calls the provider; a
 * tampered wrapped key and a stanza under other terms are refused (AUTH_FAILED -> OPEN_FAILED); a provider that says
 * "unavailable" or returns a default 0 fails the call with the typed status; a key it does not hold is not mine;
 * release runs exactly once, after the last user is freed. Case keys wrapped by the provider: one unwrap per case and
 * cache period across objects, none after the case key is destroyed elsewhere. */
#include <stdlib.h>

#include "test_util.h"

static char work[512];
static const char *path(const char *name) {
  static char p[700];
  snprintf(p, sizeof p, "%s/%s", work, name);
  return p;
}

static const custodia_exception_ground NO_EXCEPTION = {0};

/* The host's state behind user_data. */
struct kms {
  custodia_custodian store; /* the toy KMS: its KEK wraps the data keys */
  custodia_actor officer;
  custodia_key_id kms_kek;
  uint8_t key_id[CUSTODIA_KEY_ID_LEN]; /* the one key id this provider holds */
  int holds_calls, wrap_calls, unwrap_calls, released;
  size_t last_wrapped_len;
  int mode; /* 0 normal, 1 unavailable, 2 return 0 (a crashed callback's default) */
};

static int32_t kms_holds(void *user_data, const uint8_t *key_id) {
  struct kms *k = user_data;
  k->holds_calls++;
  if (k->mode == 1) return CUSTODIA_PROVIDER_UNAVAILABLE;
  return memcmp(key_id, k->key_id, CUSTODIA_KEY_ID_LEN) == 0 ? CUSTODIA_PROVIDER_OK : CUSTODIA_PROVIDER_NOT_MINE;
}

static int32_t kms_wrap(void *user_data, const uint8_t *key_id, const uint8_t *data_key, size_t data_key_len,
                        const uint8_t *aad, size_t aad_len, uint8_t *out, size_t out_capacity, size_t *out_len) {
  struct kms *k = user_data;
  k->wrap_calls++;
  if (k->mode == 1) return CUSTODIA_PROVIDER_UNAVAILABLE;
  if (k->mode == 2) return 0;
  if (memcmp(key_id, k->key_id, CUSTODIA_KEY_ID_LEN) != 0) return CUSTODIA_PROVIDER_NOT_MINE;
  size_t n = 4 + aad_len + data_key_len;
  uint8_t *msg = malloc(n);
  if (msg == NULL) return CUSTODIA_PROVIDER_FAILED;
  msg[0] = (uint8_t)(aad_len >> 24), msg[1] = (uint8_t)(aad_len >> 16), msg[2] = (uint8_t)(aad_len >> 8);
  msg[3] = (uint8_t)aad_len;
  memcpy(msg + 4, aad, aad_len);
  memcpy(msg + 4 + aad_len, data_key, data_key_len);
  const char *purposes[] = {"key_custody"};
  custodia_seal_options o = {0};
  custodia_buffer env = {0};
  int32_t rc = CUSTODIA_PROVIDER_FAILED;
  if (custodia_seal_options_new(CUSTODIA_CATEGORY_CASE_ADMINISTRATION, purposes, 1, &o) == CUSTODIA_OK &&
      custodia_seal_options_add_recipient(o, &k->kms_kek) == CUSTODIA_OK &&
      custodia_seal(k->store, k->officer, msg, n, o, &env) == CUSTODIA_OK && env.len <= out_capacity) {
    memcpy(out, env.data, env.len);
    *out_len = env.len;
    k->last_wrapped_len = env.len;
    rc = CUSTODIA_PROVIDER_OK;
  }
  memset(msg, 0, n);
  free(msg);
  custodia_buffer_free(&env);
  custodia_seal_options_free(o);
  return rc;
}

static int32_t kms_unwrap(void *user_data, const uint8_t *key_id, const uint8_t *wrapped, size_t wrapped_len,
                          const uint8_t *aad, size_t aad_len, uint8_t *out_key, size_t out_key_len) {
  struct kms *k = user_data;
  k->unwrap_calls++;
  if (k->mode == 1) return CUSTODIA_PROVIDER_UNAVAILABLE;
  if (k->mode == 2) return 0;
  if (memcmp(key_id, k->key_id, CUSTODIA_KEY_ID_LEN) != 0) return CUSTODIA_PROVIDER_NOT_MINE;
  custodia_buffer pt = {0};
  custodia_status s =
      custodia_open(k->store, k->officer, "key_custody", NO_EXCEPTION, wrapped, wrapped_len, NULL, &pt, NULL);
  if (s == CUSTODIA_ERR_OPEN_FAILED || s == CUSTODIA_ERR_MALFORMED || s == CUSTODIA_ERR_TRUNCATED) {
    return CUSTODIA_PROVIDER_AUTH_FAILED;
  }
  if (s != CUSTODIA_OK) return CUSTODIA_PROVIDER_FAILED;
  int32_t rc = CUSTODIA_PROVIDER_AUTH_FAILED;
  if (pt.len == 4 + aad_len + out_key_len) {
    size_t n = ((size_t)pt.data[0] << 24) | ((size_t)pt.data[1] << 16) | ((size_t)pt.data[2] << 8) | pt.data[3];
    if (n == aad_len && memcmp(pt.data + 4, aad, aad_len) == 0) {
      memcpy(out_key, pt.data + 4 + aad_len, out_key_len);
      rc = CUSTODIA_PROVIDER_OK;
    }
  }
  custodia_buffer_free(&pt); /* zeroized by custodia */
  return rc;
}

static void kms_release(void *user_data) { ((struct kms *)user_data)->released++; }

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: provider WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  const uint8_t master[32] = {4, 5, 6};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));

  struct kms kms = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("kms"), master, sizeof master, create, &kms.store));
  EXPECT_OK(custodia_actor_new("kms", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &kms.officer));
  EXPECT_OK(custodia_key_generate(kms.store, kms.officer, CUSTODIA_KEY_KIND_KEK, "kms kek", &kms.kms_kek));
  memset(kms.key_id, 0xab, sizeof kms.key_id);

  custodia_key_provider_callbacks table = {kms_holds, kms_wrap, kms_unwrap, kms_release};
  custodia_key_provider provider = {0};
  /* Argument checks: no table, a table without unwrap, an unknown stanza kind, a bad name. */
  EXPECT_STATUS(custodia_key_provider_new(NULL, &kms, "host-kms", 6, &provider), CUSTODIA_ERR_NULL_POINTER);
  custodia_key_provider_callbacks partial = {kms_holds, kms_wrap, NULL, NULL};
  EXPECT_STATUS(custodia_key_provider_new(&partial, &kms, "host-kms", 6, &provider), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_key_provider_new(&table, &kms, "host-kms", 1, &provider), CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_STATUS(custodia_key_provider_new(&table, &kms, "", 6, &provider), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(provider.id == 0 && kms.released == 0);
  EXPECT_OK(custodia_key_provider_new(&table, &kms, "host-kms", 6, &provider));
  EXPECT_OK(custodia_custodian_options_add_provider(create, provider));
  EXPECT_OK(custodia_key_provider_free(provider)); /* the options keep it */
  EXPECT_STATUS(custodia_custodian_options_add_provider(create, provider), CUSTODIA_ERR_INVALID_HANDLE);

  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("app"), master, sizeof master, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));

  /* Seal to the host's key id: the provider wraps. */
  custodia_key_id host_key;
  memcpy(host_key.bytes, kms.key_id, sizeof host_key.bytes);
  const char *purposes[] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &host_key));
  custodia_buffer env = {0};
  const char *secret = "account 4711, balance 1,000,000";
  EXPECT_OK(custodia_seal(c, anna, (const uint8_t *)secret, strlen(secret), o, &env));
  EXPECT_TRUE(kms.holds_calls == 1 && kms.wrap_calls == 1);

  /* Open through it. */
  custodia_buffer pt = {0};
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == strlen(secret) && memcmp(pt.data, secret, pt.len) == 0);
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_TRUE(kms.unwrap_calls == 1);

  /* A refused open (wrong purpose) never calls the provider. */
  EXPECT_STATUS(custodia_open(c, anna, "asset_recovery", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(kms.unwrap_calls == 1);

  /* A flipped byte inside the wrapped key (the stanza body is the key id, then the toy KMS's envelope): the KMS
   * refuses it, custodia reports OPEN_FAILED. */
  size_t at = 0;
  for (size_t i = 0; i + 16 <= env.len; i++) {
    if (memcmp(env.data + i, kms.key_id, 16) == 0) {
      at = i;
      break;
    }
  }
  EXPECT_TRUE(at > 0 && kms.last_wrapped_len > 40);
  uint8_t *bad = malloc(env.len);
  memcpy(bad, env.data, env.len);
  bad[at + 16 + kms.last_wrapped_len - 20] ^= 1;
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, bad, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_OPEN_FAILED);
  free(bad);
  EXPECT_TRUE(kms.unwrap_calls == 2);

  /* Unavailable, and a callback returning 0 (what a crashed handler returns by default): typed failures. */
  kms.mode = 1;
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PROVIDER_UNAVAILABLE);
  EXPECT_MESSAGE("host-kms");
  custodia_buffer refused = {0};
  EXPECT_STATUS(custodia_seal(c, anna, (const uint8_t *)"x", 1, o, &refused), CUSTODIA_ERR_PROVIDER_UNAVAILABLE);
  kms.mode = 2;
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PROVIDER_FAILED);
  EXPECT_STATUS(custodia_seal(c, anna, (const uint8_t *)"x", 1, o, &refused), CUSTODIA_ERR_PROVIDER_FAILED);
  kms.mode = 0;

  /* A key id the host does not hold: not mine -> no matching recipient (and KEY_NOT_FOUND to seal to it). */
  kms.key_id[0] ^= 1;
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_NO_MATCHING_RECIPIENT);
  EXPECT_STATUS(custodia_seal(c, anna, (const uint8_t *)"x", 1, o, &refused), CUSTODIA_ERR_KEY_NOT_FOUND);
  kms.key_id[0] ^= 1;

  /* A custodian without the provider parses the envelope and refuses it cleanly. */
  custodia_custodian_options create2 = {0};
  EXPECT_OK(custodia_custodian_options_new(&create2));
  EXPECT_OK(custodia_custodian_options_set_create(create2, true));
  custodia_custodian bare = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("bare"), master, sizeof master, create2, &bare));
  EXPECT_OK(custodia_custodian_options_free(create2));
  EXPECT_STATUS(custodia_open(bare, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_NO_MATCHING_RECIPIENT);
  EXPECT_OK(custodia_custodian_free(bare));

  /* Case keys wrapped by the provider (custodia_custodian_options_set_case_keys): two custodians on one directory
   * (two worker processes in production) share the case key; each unwraps it once per cache period, not once per
   * object; a custodian without a cache asks every time; destroying the case key on one stops the other, whose cache
   * held it, without another provider call. */
  struct kms cases = kms; /* same toy KMS store, its own key id and counters */
  memset(cases.key_id, 0xcd, sizeof cases.key_id);
  cases.holds_calls = cases.wrap_calls = cases.unwrap_calls = cases.released = 0;
  custodia_key_provider case_provider = {0};
  EXPECT_OK(custodia_key_provider_new(&table, &cases, "host-kms", 6, &case_provider));
  custodia_key_id case_kek;
  memcpy(case_kek.bytes, cases.key_id, sizeof case_kek.bytes);
  custodia_custodian_options copts = {0}, nocache = {0};
  EXPECT_OK(custodia_custodian_options_new(&copts));
  EXPECT_OK(custodia_custodian_options_set_create(copts, true));
  EXPECT_STATUS(custodia_custodian_options_set_case_keys(copts, case_provider, NULL, 300, 100),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_custodian_options_set_case_keys(copts, case_provider, &case_kek, 300, 100));
  EXPECT_OK(custodia_custodian_options_new(&nocache));
  EXPECT_OK(custodia_custodian_options_set_case_keys(nocache, case_provider, &case_kek, 0, 0));
  EXPECT_OK(custodia_key_provider_free(case_provider)); /* the options keep it */
  custodia_custodian w1 = {0}, w2 = {0}, w3 = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("cases"), master, sizeof master, copts, &w1));
  EXPECT_OK(custodia_custodian_open_master_key(path("cases"), master, sizeof master, copts, &w2));
  EXPECT_OK(custodia_custodian_open_master_key(path("cases"), master, sizeof master, nocache, &w3));
  EXPECT_OK(custodia_custodian_options_free(copts));
  EXPECT_OK(custodia_custodian_options_free(nocache));

  custodia_key_id case_key;
  EXPECT_OK(custodia_key_for_case(w1, anna, "MLA-2026-0042", 0, &case_key));
  EXPECT_TRUE(cases.wrap_calls == 1);
  custodia_seal_options co = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &co));
  EXPECT_OK(custodia_seal_options_add_recipient(co, &case_key));
  EXPECT_OK(custodia_seal_options_set_case_ref(co, "MLA-2026-0042"));
  custodia_buffer case_env[3] = {{0}, {0}, {0}};
  for (int i = 0; i < 3; i++) EXPECT_OK(custodia_seal(w1, anna, (const uint8_t *)secret, strlen(secret), co, &case_env[i]));
  int before = cases.unwrap_calls;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 3; i++) {
      EXPECT_OK(custodia_open(w2, anna, "investigation", NO_EXCEPTION, case_env[i].data, case_env[i].len, NULL, &pt,
                              NULL));
      EXPECT_TRUE(pt.len == strlen(secret) && memcmp(pt.data, secret, pt.len) == 0);
      EXPECT_OK(custodia_buffer_free(&pt));
    }
  }
  EXPECT_TRUE(cases.unwrap_calls == before + 1); /* six opens, one provider call */
  before = cases.unwrap_calls;
  for (int i = 0; i < 2; i++) {
    EXPECT_OK(custodia_open(w3, anna, "investigation", NO_EXCEPTION, case_env[i].data, case_env[i].len, NULL, &pt,
                            NULL));
    EXPECT_OK(custodia_buffer_free(&pt));
  }
  EXPECT_TRUE(cases.unwrap_calls == before + 2); /* no cache: one call per open */

  EXPECT_OK(custodia_key_destroy(w1, anna, &case_key, "case closed, retention ended", NULL));
  before = cases.unwrap_calls;
  for (int i = 0; i < 3; i++) {
    EXPECT_STATUS(custodia_open(w2, anna, "investigation", NO_EXCEPTION, case_env[i].data, case_env[i].len, NULL,
                                &pt, NULL),
                  CUSTODIA_ERR_KEY_DESTROYED);
    EXPECT_TRUE(pt.data == NULL);
  }
  EXPECT_TRUE(cases.unwrap_calls == before);
  for (int i = 0; i < 3; i++) EXPECT_OK(custodia_buffer_free(&case_env[i]));
  EXPECT_OK(custodia_seal_options_free(co));
  EXPECT_OK(custodia_custodian_free(w1));
  EXPECT_OK(custodia_custodian_free(w2));
  EXPECT_TRUE(cases.released == 0);
  EXPECT_OK(custodia_custodian_free(w3));
  EXPECT_TRUE(cases.released == 1);

  /* release runs once, when the last user (the custodian) is gone. */
  EXPECT_TRUE(kms.released == 0);
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(o));
  EXPECT_OK(custodia_custodian_free(c));
  EXPECT_TRUE(kms.released == 1);

  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(kms.officer));
  EXPECT_OK(custodia_custodian_free(kms.store));
  if (test_failures) {
    fprintf(stderr, "provider: %d failure(s)\n", test_failures);
    return 1;
  }
  printf("provider: ok\n");
  return 0;
}
