/* The callback signer (custodia_signer_new): an Ed25519 key held by the host's HSM or KMS.
 *
 * C has no Ed25519 of its own, and home-made crypto would prove nothing, so this host cannot sign: its public key is
 * RFC 8032's test key 1, and the one genuine signature it has is that test's signature of the empty message. What
 * signing with a real key looks like is tested from Rust through these same functions (ffi/src/signer.rs) and from
 * Python and Java with their own Ed25519. Attacks here: an invalid public key, a missing table or sign function are
 * refused and nothing is kept; a host that returns garbage, the right key's genuine signature of another message, a
 * refusal, a default 0 or an unknown code gets nothing sealed (PROVIDER_FAILED; unavailable is PROVIDER_UNAVAILABLE)
 * although it was asked; a lying audit signer makes no custodian; the keyring records the key without its secret;
 * release runs once, after the last user. */
#include <stdlib.h>

#include "test_util.h"

static char work[512];
static const char *path(const char *name) {
  static char p[700];
  snprintf(p, sizeof p, "%s/%s", work, name);
  return p;
}

/* RFC 8032 section 7.1, test 1: the public key, and the signature of the empty message. */
static const uint8_t RFC8032_PUBLIC[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
                                           0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
                                           0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
static const uint8_t RFC8032_EMPTY_SIG[64] = {
    0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80, 0x6e, 0x82, 0x8a,
    0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55,
    0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b, 0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b,
    0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b};

enum mode { GARBAGE, REPLAY, REFUSE, UNAVAILABLE, DEFAULT_ZERO, UNKNOWN_CODE };

/* The host's state behind user_data. */
struct host {
  enum mode mode;
  int sign_calls, released;
  size_t last_len;
};

static int32_t host_sign(void *user_data, const uint8_t *message, size_t message_len, uint8_t *out_signature) {
  struct host *h = user_data;
  h->sign_calls++;
  h->last_len = message_len;
  EXPECT_TRUE(message != NULL && message_len > 0);
  switch (h->mode) {
    case GARBAGE:
      memset(out_signature, 0x42, CUSTODIA_ED25519_SIGNATURE_LEN);
      return CUSTODIA_PROVIDER_OK;
    case REPLAY: /* genuine, by the right key, of another message */
      memcpy(out_signature, RFC8032_EMPTY_SIG, sizeof RFC8032_EMPTY_SIG);
      return CUSTODIA_PROVIDER_OK;
    case REFUSE:
      return CUSTODIA_PROVIDER_FAILED;
    case UNAVAILABLE:
      return CUSTODIA_PROVIDER_UNAVAILABLE;
    case DEFAULT_ZERO: /* what a crashed handler returns by default, with a signature written */
      memcpy(out_signature, RFC8032_EMPTY_SIG, sizeof RFC8032_EMPTY_SIG);
      return 0;
    case UNKNOWN_CODE:
      memcpy(out_signature, RFC8032_EMPTY_SIG, sizeof RFC8032_EMPTY_SIG);
      return 7;
  }
  return CUSTODIA_PROVIDER_FAILED;
}

static void host_release(void *user_data) { ((struct host *)user_data)->released++; }

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: signer WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  const uint8_t master[32] = {7, 8, 9};

  struct host host = {0};
  custodia_signer_callbacks table = {host_sign, host_release};
  custodia_signer signer = {0};

  /* Refusals: no key, keys that are not valid Ed25519 public keys (identity, a point of order 4, a non-canonical
   * encoding), no table, a table without sign, no out-parameter. Nothing is kept, release is never called. */
  uint8_t identity[32] = {1}, order4[32] = {0}, non_canonical[32];
  memset(non_canonical, 0xff, sizeof non_canonical);
  non_canonical[31] = 0x7f;
  EXPECT_STATUS(custodia_signer_new(NULL, &table, &host, &signer), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_signer_new(identity, &table, &host, &signer), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_signer_new(order4, &table, &host, &signer), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_signer_new(non_canonical, &table, &host, &signer), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_signer_new(RFC8032_PUBLIC, NULL, &host, &signer), CUSTODIA_ERR_NULL_POINTER);
  custodia_signer_callbacks no_sign = {NULL, host_release};
  EXPECT_STATUS(custodia_signer_new(RFC8032_PUBLIC, &no_sign, &host, &signer), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_signer_new(RFC8032_PUBLIC, &table, &host, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(signer.id == 0 && host.released == 0);

  EXPECT_OK(custodia_signer_new(RFC8032_PUBLIC, &table, &host, &signer));
  custodia_key_id signer_id = {{0}};
  EXPECT_OK(custodia_signer_key_id(signer, &signer_id));
  EXPECT_STATUS(custodia_signer_key_id(signer, NULL), CUSTODIA_ERR_NULL_POINTER);

  custodia_custodian_options opts = {0};
  EXPECT_OK(custodia_custodian_options_new(&opts));
  EXPECT_OK(custodia_custodian_options_set_create(opts, true));
  /* A handle of another type (the options themselves) and the null handle are not signers. */
  EXPECT_STATUS(custodia_custodian_options_add_signer(opts, (custodia_signer){opts.id}), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_options_set_audit_signer(opts, (custodia_signer){0}), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_custodian_options_add_signer(opts, signer));
  EXPECT_OK(custodia_signer_free(signer)); /* the options keep it */
  EXPECT_STATUS(custodia_signer_key_id(signer, &signer_id), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_options_add_signer(opts, signer), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_TRUE(host.released == 0);

  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("app"), master, sizeof master, opts, &c));
  EXPECT_OK(custodia_custodian_options_free(opts));
  EXPECT_TRUE(host.released == 0);
  custodia_actor jan = {0};
  EXPECT_OK(custodia_actor_new("jan", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));

  /* The keyring records the host's key as an Ed25519 public key, without its secret. */
  custodia_key_list list = {0};
  size_t n = 0;
  int recorded = 0;
  EXPECT_OK(custodia_key_list_new(c, &list));
  EXPECT_OK(custodia_key_list_len(list, &n));
  for (size_t i = 0; i < n; i++) {
    custodia_key_info info;
    EXPECT_OK(custodia_key_list_get(list, i, &info));
    if (memcmp(info.key_id.bytes, signer_id.bytes, CUSTODIA_KEY_ID_LEN) == 0) {
      recorded++;
      EXPECT_TRUE(info.kind == CUSTODIA_KEY_KIND_ED25519 && !info.has_secret);
    }
  }
  EXPECT_OK(custodia_key_list_free(list));
  EXPECT_TRUE(recorded == 1);

  /* Seal signed by the host's key: every dishonest or failed answer fails the seal, after asking the host. */
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_KEK, "team", &kek));
  const char *purposes[] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &kek));
  EXPECT_OK(custodia_seal_options_set_signer(o, &signer_id));
  const char *secret = "account 4711, balance 1,000,000";
  struct {
    enum mode mode;
    custodia_status want;
  } cases[] = {
      {GARBAGE, CUSTODIA_ERR_PROVIDER_FAILED},         {REPLAY, CUSTODIA_ERR_PROVIDER_FAILED},
      {REFUSE, CUSTODIA_ERR_PROVIDER_FAILED},          {UNAVAILABLE, CUSTODIA_ERR_PROVIDER_UNAVAILABLE},
      {DEFAULT_ZERO, CUSTODIA_ERR_PROVIDER_FAILED},    {UNKNOWN_CODE, CUSTODIA_ERR_PROVIDER_FAILED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    host.mode = cases[i].mode;
    int before = host.sign_calls;
    custodia_buffer env = {0};
    EXPECT_STATUS(custodia_seal(c, jan, (const uint8_t *)secret, strlen(secret), o, &env), cases[i].want);
    EXPECT_MESSAGE("host-signer");
    EXPECT_TRUE(env.data == NULL && env.len == 0); /* nothing sealed */
    EXPECT_TRUE(host.sign_calls == before + 1);    /* the host was asked, and not believed */
    EXPECT_TRUE(host.last_len > 0);
  }
  /* Unsigned sealing does not involve the host. */
  int before = host.sign_calls;
  custodia_seal_options plain = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &plain));
  EXPECT_OK(custodia_seal_options_add_recipient(plain, &kek));
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal(c, jan, (const uint8_t *)secret, strlen(secret), plain, &env));
  EXPECT_TRUE(host.sign_calls == before);
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(plain));
  EXPECT_OK(custodia_seal_options_free(o));

  /* A new custodian whose audit signer cannot sign is not made. */
  struct host auditor = {0};
  auditor.mode = GARBAGE;
  custodia_signer audit = {0};
  EXPECT_OK(custodia_signer_new(RFC8032_PUBLIC, &table, &auditor, &audit));
  custodia_custodian_options aopts = {0};
  EXPECT_OK(custodia_custodian_options_new(&aopts));
  EXPECT_OK(custodia_custodian_options_set_create(aopts, true));
  EXPECT_OK(custodia_custodian_options_set_audit_signer(aopts, audit));
  custodia_custodian none = {0};
  EXPECT_STATUS(custodia_custodian_open_master_key(path("audited"), master, sizeof master, aopts, &none),
                CUSTODIA_ERR_PROVIDER_FAILED);
  EXPECT_TRUE(none.id == 0 && auditor.sign_calls >= 1);
  EXPECT_OK(custodia_custodian_options_free(aopts));
  EXPECT_TRUE(auditor.released == 0); /* the handle still holds it */
  EXPECT_OK(custodia_signer_free(audit));
  EXPECT_TRUE(auditor.released == 1);

  /* release runs once, when the last user (the custodian) is gone. */
  EXPECT_OK(custodia_custodian_close(c, NULL));
  EXPECT_TRUE(host.released == 0);
  EXPECT_OK(custodia_custodian_free(c));
  EXPECT_TRUE(host.released == 1);
  EXPECT_OK(custodia_actor_free(jan));
  if (test_failures) {
    fprintf(stderr, "signer: %d failure(s)\n", test_failures);
    return 1;
  }
  printf("signer: ok\n");
  return 0;
}
