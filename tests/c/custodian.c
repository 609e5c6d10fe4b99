/*
 * The custodian functions of the C API: round trips through every transport (buffer, armored buffer, callbacks,
 * file descriptors, paths), and every error path reachable from C: bad arguments, wrong keys and passphrases,
 * closed and freed handles, refusals, damaged envelopes, failing callbacks, a tampered audit log. Outputs must be
 * untouched on failure; a failed open to a path leaves no file.
 *
 * Usage: custodian WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custodia.h"
#include "test_util.h"

static const char BAD_UTF8[] = {(char)0xff, 0};
static const char MESSAGE[] = "Subscriber data for +31 6 1234 5678, 2026-01-01 to 2026-06-30.";
static char work[512];

static const char *path(const char *name) {
  static char buf[4][600];
  static int next = 0;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", work, name);
  return p;
}

/* ---- callbacks over memory, which also check they run on the calling thread ---------------------------------- */

struct memory {
  uint8_t *data;
  size_t len, cap, at;
  pthread_t thread;
  int wrong_thread;
  int fail_after; /* fail the call after this many calls; -1 never */
};

static int mem_read(void *context, uint8_t *buffer, size_t capacity, size_t *out_read) {
  struct memory *m = context;
  if (!pthread_equal(pthread_self(), m->thread)) m->wrong_thread++;
  if (m->fail_after == 0) return -1;
  if (m->fail_after > 0) m->fail_after--;
  size_t n = m->len - m->at < capacity ? m->len - m->at : capacity;
  if (n > 7) n = 7; /* short reads on purpose */
  memcpy(buffer, m->data + m->at, n);
  m->at += n;
  *out_read = n;
  return 0;
}

static int mem_write(void *context, const uint8_t *data, size_t len) {
  struct memory *m = context;
  if (!pthread_equal(pthread_self(), m->thread)) m->wrong_thread++;
  if (m->fail_after == 0) return 5;
  if (m->fail_after > 0) m->fail_after--;
  if (m->len + len > m->cap) {
    size_t cap = (m->len + len) * 2;
    uint8_t *p = realloc(m->data, cap);
    if (p == NULL) return 1;
    m->data = p;
    m->cap = cap;
  }
  if (len > 0) memcpy(m->data + m->len, data, len);
  m->len += len;
  return 0;
}

static struct memory memory_of(const void *data, size_t len) {
  struct memory m = {NULL, 0, 0, 0, pthread_self(), 0, -1};
  m.data = malloc(len ? len : 1);
  memcpy(m.data, data, len);
  m.len = m.cap = len;
  return m;
}

static struct memory empty_memory(void) {
  struct memory m = {NULL, 0, 0, 0, pthread_self(), 0, -1};
  return m;
}

/* ---- fixtures --------------------------------------------------------------------------------------------------- */

static custodia_custodian c;
static custodia_actor anna, intern;
static custodia_key_id kek, signer;
static custodia_seal_options opts;
static const custodia_exception_ground NO_EXCEPTION = {0};

static void open_errors(void) {
  const uint8_t key[32] = {7};
  custodia_custodian out = {UINT64_C(0x5555)};
  custodia_custodian_options none = {0};
  EXPECT_STATUS(custodia_custodian_open_master_key(NULL, key, 32, none, &out), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_custodian_open_master_key("", key, 32, none, &out), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_custodian_open_master_key(work, NULL, 32, none, &out), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_custodian_open_master_key(work, key, 31, none, &out), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("32 bytes");
  EXPECT_STATUS(custodia_custodian_open_master_key(work, NULL, 0, none, &out), CUSTODIA_ERR_NULL_POINTER);
  /* A zero-length key is the wrong length, not a NULL pointer. */
  EXPECT_STATUS(custodia_custodian_open_master_key(work, key, 0, none, &out), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("master key must be 32 bytes, got 0");
  EXPECT_STATUS(custodia_custodian_open_master_key(work, key, 32, none, NULL), CUSTODIA_ERR_NULL_POINTER);
  custodia_custodian_options foreign = {UINT64_C(0x99990000000001)};
  EXPECT_STATUS(custodia_custodian_open_master_key(work, key, 32, foreign, &out), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_TRUE(out.id == UINT64_C(0x5555));
  /* Without creation asked for, a missing directory, or one without a keyring, is an error and stays untouched. */
  EXPECT_STATUS(custodia_custodian_open_master_key(path("typo"), key, 32, none, &out), CUSTODIA_ERR_CUSTODIAN_NOT_FOUND);
  EXPECT_MESSAGE("no custodian at");
  EXPECT_TRUE(access(path("typo"), F_OK) != 0);
  EXPECT_TRUE(mkdir(path("empty"), 0700) == 0);
  EXPECT_STATUS(custodia_custodian_open_master_key(path("empty"), key, 32, none, &out),
                CUSTODIA_ERR_CUSTODIAN_NOT_FOUND);
  EXPECT_TRUE(access(path("empty/keyring.lock"), F_OK) != 0 && access(path("empty/keyring.cdk"), F_OK) != 0);
  EXPECT_TRUE(out.id == UINT64_C(0x5555));
  /* With creation asked for, only the final directory is made (mode 0700), never a missing parent. */
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_STATUS(custodia_custodian_open_master_key(path("no/parent"), key, 32, create, &out),
                CUSTODIA_ERR_CUSTODIAN_NOT_FOUND);
  EXPECT_TRUE(access(path("no"), F_OK) != 0);
  mode_t old_mask = umask(0);
  custodia_custodian made = {0};
  EXPECT_OK(custodia_custodian_open_master_key(path("made"), key, 32, create, &made));
  umask(old_mask);
  EXPECT_OK(custodia_custodian_free(made));
  struct stat st;
  EXPECT_TRUE(stat(path("made"), &st) == 0 && (st.st_mode & 07777) == 0700);
  EXPECT_TRUE(stat(path("made/keyring.cdk"), &st) == 0 && (st.st_mode & 07777) == 0600);
  EXPECT_OK(custodia_custodian_open_master_key(path("made"), key, 32, none, &made)); /* exists: no create needed */
  EXPECT_OK(custodia_custodian_free(made));
  EXPECT_OK(custodia_custodian_options_free(create));

  /* A passphrase keyring, with a cheap KDF (tests only). */
  custodia_custodian_options cheap = {0};
  EXPECT_OK(custodia_custodian_options_new(&cheap));
  EXPECT_STATUS(custodia_custodian_options_set_kdf(cheap, 64, 0, 1), CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE);
  EXPECT_STATUS(custodia_custodian_options_set_kdf(cheap, 4, 1, 1), CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE);
  EXPECT_STATUS(custodia_custodian_options_set_kdf(cheap, 1024 * 1024, 2, 1), CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE);
  EXPECT_MESSAGE("out of range");
  EXPECT_OK(custodia_custodian_options_set_kdf(cheap, 64, 1, 1));
  EXPECT_OK(custodia_custodian_options_set_create(cheap, true));
  EXPECT_STATUS(custodia_custodian_options_set_durability(cheap, 3, 0, 0), CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_STATUS(custodia_custodian_options_set_durability(cheap, CUSTODIA_DURABILITY_GROUP_COMMIT, 0, 100),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_custodian_options_set_durability(cheap, CUSTODIA_DURABILITY_OS_BUFFERED, 0, 0));
  const char *pdir = path("passphrase");
  custodia_custodian p = {0};
  EXPECT_OK(custodia_custodian_open_passphrase(pdir, "correct horse battery staple", cheap, &p));
  EXPECT_OK(custodia_custodian_free(p));
  EXPECT_STATUS(custodia_custodian_free(p), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_close(p, NULL), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_open_passphrase(pdir, "wrong horse", cheap, &out), CUSTODIA_ERR_WRONG_PASSPHRASE);
  EXPECT_MESSAGE("could not be unlocked");
  EXPECT_STATUS(custodia_custodian_open_passphrase(pdir, BAD_UTF8, cheap, &out), CUSTODIA_ERR_INVALID_UTF8);
  EXPECT_STATUS(custodia_custodian_open_passphrase(pdir, NULL, cheap, &out), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_custodian_options_free(cheap));
  EXPECT_STATUS(custodia_custodian_options_set_kdf(cheap, 64, 1, 1), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_open_passphrase(pdir, "correct horse battery staple", cheap, &out),
                CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_TRUE(out.id == UINT64_C(0x5555));
}

static void key_errors(void) {
  custodia_key_id id, unknown;
  memset(&unknown, 0x42, sizeof unknown);
  memset(&id, 0xee, sizeof id);
  EXPECT_STATUS(custodia_key_generate(c, anna, 0, "x", &id), CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_STATUS(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, NULL, &id), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "x", NULL), CUSTODIA_ERR_NULL_POINTER);
  custodia_actor gone = {0};
  EXPECT_OK(custodia_actor_new("gone", "clerk", "DE", CUSTODIA_CLASSIFICATION_PUBLIC, &gone));
  EXPECT_OK(custodia_actor_free(gone));
  EXPECT_STATUS(custodia_key_generate(c, gone, CUSTODIA_KEY_KIND_KEK, "x", &id), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_key_for_case(c, anna, " bad case", 0, &id), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(id.bytes[0] == 0xee);

  custodia_buffer text = {0};
  EXPECT_STATUS(custodia_key_export_public(c, &kek, &text), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("symmetric");
  EXPECT_STATUS(custodia_key_export_public(c, &unknown, &text), CUSTODIA_ERR_KEY_NOT_FOUND);
  EXPECT_STATUS(custodia_key_export_public(c, NULL, &text), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_TRUE(text.data == NULL);
  EXPECT_OK(custodia_key_export_public(c, &signer, &text));
  EXPECT_TRUE(strncmp((const char *)text.data, "custodia-ed25519-public:", 24) == 0);
  ((char *)text.data)[30] = ((char *)text.data)[30] == 'A' ? 'B' : 'A'; /* a typo */
  EXPECT_STATUS(custodia_key_import_public(c, anna, (const char *)text.data, "typo", "NL", &id),
                CUSTODIA_ERR_INVALID_KEY_TEXT);
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_STATUS(custodia_key_import_public(c, anna, "not a key", "x", "NL", &id), CUSTODIA_ERR_INVALID_KEY_TEXT);

  EXPECT_STATUS(custodia_key_rotate(c, anna, &unknown, &id), CUSTODIA_ERR_KEY_NOT_FOUND);
  EXPECT_STATUS(custodia_key_destroy(c, anna, &unknown, "end of retention", NULL), CUSTODIA_ERR_KEY_NOT_FOUND);
  EXPECT_STATUS(custodia_key_destroy(c, anna, &kek, NULL, NULL), CUSTODIA_ERR_NULL_POINTER);

  custodia_key_list list = {0};
  size_t n = 0;
  EXPECT_OK(custodia_key_list_new(c, &list));
  EXPECT_OK(custodia_key_list_len(list, &n));
  EXPECT_TRUE(n >= 3); /* audit key, KEK, signer */
  custodia_key_info info;
  info.kind = 4242;
  EXPECT_STATUS(custodia_key_list_get(list, n, &info), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(info.kind == 4242);
  EXPECT_STATUS(custodia_key_list_get(list, 0, NULL), CUSTODIA_ERR_NULL_POINTER);
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    EXPECT_OK(custodia_key_list_get(list, i, &info));
    if (memcmp(&info.key_id, &kek, sizeof kek) == 0) {
      found = 1;
      EXPECT_TRUE(strcmp(info.label, "test kek") == 0);
      EXPECT_TRUE(info.kind == CUSTODIA_KEY_KIND_KEK && info.state == CUSTODIA_KEY_STATE_ACTIVE && info.has_secret);
      EXPECT_TRUE(info.case_ref == NULL && !info.has_rotated_from && info.jurisdiction == NULL);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_OK(custodia_key_list_free(list));
  EXPECT_STATUS(custodia_key_list_len(list, &n), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_key_list_free(list), CUSTODIA_ERR_INVALID_HANDLE);

  /* Rotation: the old key becomes decrypt-only and cannot seal; re-wrap moves envelopes to its successor. */
  custodia_key_id old_kek, new_kek;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "to rotate", &old_kek));
  const char *purposes[] = {"investigation"};
  custodia_seal_options o = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &o));
  EXPECT_OK(custodia_seal_options_add_recipient(o, &old_kek));
  custodia_buffer env = {0}, moved = {0}, pt = {0};
  EXPECT_OK(custodia_seal(c, anna, (const uint8_t *)"x", 1, o, &env));
  EXPECT_OK(custodia_key_rotate(c, anna, &old_kek, &new_kek));
  custodia_buffer refused = {0};
  EXPECT_STATUS(custodia_seal(c, anna, (const uint8_t *)"x", 1, o, &refused), CUSTODIA_ERR_KEY_STATE);
  EXPECT_OK(custodia_rewrap_rotated(c, anna, env.data, env.len, &moved));
  EXPECT_OK(custodia_key_destroy(c, anna, &old_kek, "rotated out", NULL));
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_KEY_DESTROYED);
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, moved.data, moved.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == 1 && pt.data[0] == 'x');
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&moved));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(o));

  /* Legal holds block destruction; retention drives shredding. */
  custodia_key_id case_key;
  EXPECT_OK(custodia_key_for_case(c, anna, "MLA-2026-0099", 0, &case_key));
  EXPECT_OK(custodia_legal_hold_place(c, anna, "MLA-2026-0099", "Order 12/26", "appeal pending"));
  /* A second hold on the same case conflicts with the recorded one (110, not malformed input, not a refusal). */
  EXPECT_STATUS(custodia_legal_hold_place(c, anna, "MLA-2026-0099", "Order 13/26", "again"), CUSTODIA_ERR_CONFLICT);
  EXPECT_TRUE(custodia_last_error_code() == 110 && !custodia_status_is_refusal(110));
  EXPECT_TRUE(strcmp(custodia_status_name(CUSTODIA_ERR_CONFLICT), "conflict") == 0);
  EXPECT_TRUE(strstr(custodia_last_error_message(), "MLA-2026-0099 is already under legal hold") != NULL);
  EXPECT_STATUS(custodia_key_destroy(c, anna, &case_key, "end of retention", NULL), CUSTODIA_ERR_LEGAL_HOLD);
  EXPECT_TRUE(custodia_status_is_refusal(custodia_last_error_code()));
  EXPECT_OK(custodia_key_set_retention(c, anna, &case_key, 1)); /* long past */
  size_t destroyed = 9, held = 9;
  EXPECT_OK(custodia_key_shred_expired(c, anna, &destroyed, &held, NULL));
  EXPECT_TRUE(destroyed == 0 && held == 1);
  EXPECT_STATUS(custodia_legal_hold_place(c, anna, NULL, "x", "y"), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_legal_hold_release(c, anna, "MLA-2026-0099"));
  EXPECT_STATUS(custodia_legal_hold_release(c, anna, "MLA-2026-0099"), CUSTODIA_ERR_CONFLICT);
  EXPECT_OK(custodia_key_shred_expired(c, anna, &destroyed, NULL, NULL));
  EXPECT_TRUE(destroyed == 1);
  EXPECT_STATUS(custodia_key_set_retention(c, anna, NULL, 0), CUSTODIA_ERR_NULL_POINTER);
}

static void seal_open_errors(void) {
  custodia_buffer env = {0}, pt = {0};
  const uint8_t *msg = (const uint8_t *)MESSAGE;
  size_t len = sizeof MESSAGE - 1;

  EXPECT_STATUS(custodia_seal(c, anna, NULL, 5, opts, &env), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_seal(c, anna, msg, len, opts, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_seal(c, intern, msg, len, opts, &env), CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  EXPECT_MESSAGE("clearance");
  const char *purposes[] = {"investigation"};
  custodia_seal_options no_recipient = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA, purposes, 1, &no_recipient));
  EXPECT_STATUS(custodia_seal(c, anna, msg, len, no_recipient, &env), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("recipient");
  EXPECT_OK(custodia_seal_options_free(no_recipient));
  EXPECT_STATUS(custodia_seal(c, anna, msg, len, no_recipient, &env), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_TRUE(env.data == NULL);

  /* Empty data seals and opens. */
  EXPECT_OK(custodia_seal(c, anna, NULL, 0, opts, &env));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, &signer, &pt, NULL));
  EXPECT_TRUE(pt.len == 0);
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&env));

  EXPECT_OK(custodia_seal(c, anna, msg, len, opts, &env));
  custodia_envelope_info info;
  EXPECT_OK(custodia_envelope_inspect(c, env.data, env.len, &info));
  EXPECT_TRUE(info.category == CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA && info.has_signer);
  EXPECT_TRUE(info.classification == CUSTODIA_CLASSIFICATION_CONFIDENTIAL && info.recipient_count == 1);
  EXPECT_TRUE(memcmp(&info.signer, &signer, sizeof signer) == 0 && strlen(info.object_id) == 32);

  /* Arguments. */
  EXPECT_STATUS(custodia_open(c, anna, NULL, NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_open(c, anna, "Investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_INVALID_PURPOSE);
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, NULL, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, NULL, NULL, NULL),
                CUSTODIA_ERR_NULL_POINTER);
  custodia_exception_ground freed = {0};
  EXPECT_OK(custodia_exception_ground_new(CUSTODIA_EXCEPTION_KIND_IMMINENT_THREAT, NULL,
                                   "A kidnapped child must be located within hours, the data may show where.", &freed));
  EXPECT_OK(custodia_exception_ground_free(freed));
  EXPECT_STATUS(custodia_open(c, anna, "witness_protection", freed, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_INVALID_HANDLE);

  /* Refusals. */
  EXPECT_STATUS(custodia_open(c, anna, "witness_protection", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(custodia_status_is_refusal(custodia_last_error_code()));
  EXPECT_STATUS(custodia_open(c, intern, "investigation", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  custodia_key_id not_the_signer;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_ED25519, "other signer", &not_the_signer));
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len, &not_the_signer, &pt, NULL),
                CUSTODIA_ERR_SIGNER_MISMATCH);

  /* Expiry. The C ABI has no way to set the custodian's clock (a frozen clock would let expired data open), so an
   * envelope cannot be made to expire within this test: seal refuses a not-after already in the past, and one ahead
   * opens. Opening after the deadline (CUSTODIA_ERR_EXPIRED) is tested in Rust with an injected clock
   * (tests/custodian.rs); here only its status. */
  custodia_buffer current = {0};
  custodia_seal_options short_lived = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &short_lived));
  EXPECT_OK(custodia_seal_options_add_recipient(short_lived, &kek));
  EXPECT_OK(custodia_seal_options_set_not_after(short_lived, UINT64_C(1767225600))); /* 2026-01-01 */
  EXPECT_STATUS(custodia_seal(c, anna, msg, len, short_lived, &current), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("not_after");
  EXPECT_TRUE(current.data == NULL);
  EXPECT_OK(custodia_seal_options_set_not_after(short_lived, UINT64_C(4102444800))); /* 2100-01-01 */
  EXPECT_OK(custodia_seal(c, anna, msg, len, short_lived, &current));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, current.data, current.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == len && memcmp(pt.data, msg, len) == 0);
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&current));
  EXPECT_OK(custodia_seal_options_free(short_lived));
  EXPECT_TRUE(strcmp(custodia_status_name(CUSTODIA_ERR_EXPIRED), "expired") == 0);
  EXPECT_TRUE(custodia_status_is_refusal(CUSTODIA_ERR_EXPIRED));

  /* Damage: a flipped payload byte, a truncation, garbage. Each is a 3xx status, never a crash. */
  uint8_t *copy = malloc(env.len);
  memcpy(copy, env.data, env.len);
  copy[env.len - 20] ^= 0x01;
  custodia_status s = custodia_open(c, anna, "investigation", NO_EXCEPTION, copy, env.len, NULL, &pt, NULL);
  EXPECT_TRUE(s == CUSTODIA_ERR_OPEN_FAILED || s == CUSTODIA_ERR_SIGNATURE_INVALID);
  s = custodia_open(c, anna, "investigation", NO_EXCEPTION, env.data, env.len / 2, NULL, &pt, NULL);
  EXPECT_TRUE(s >= 300 && s < 400);
  memset(copy, 'A', env.len);
  EXPECT_STATUS(custodia_open(c, anna, "investigation", NO_EXCEPTION, copy, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_MALFORMED);
  EXPECT_STATUS(custodia_envelope_inspect(c, copy, env.len, &info), CUSTODIA_ERR_MALFORMED);
  free(copy);
  EXPECT_TRUE(pt.data == NULL && pt.len == 0);

  /* Armor, and re-wrap errors. */
  EXPECT_OK(custodia_seal_options_set_armor(opts, true));
  custodia_buffer armored = {0};
  EXPECT_OK(custodia_seal(c, anna, msg, len, opts, &armored));
  EXPECT_TRUE(strncmp((const char *)armored.data, "-----BEGIN", 10) == 0);
  EXPECT_OK(custodia_seal_options_set_armor(opts, false));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, armored.data, armored.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == len && memcmp(pt.data, MESSAGE, len) == 0);
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&armored));

  custodia_buffer rewrapped = {0};
  const char *inv = "investigation";
  EXPECT_STATUS(custodia_rewrap(c, anna, inv, env.data, env.len, NULL, 1, NULL, 0, &rewrapped),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_rewrap(c, anna, inv, env.data, env.len, &kek, SIZE_MAX, NULL, 0, &rewrapped),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_rewrap(c, anna, inv, env.data, env.len, NULL, 0, &kek, 1, &rewrapped),
                CUSTODIA_ERR_CONFLICT); /* kek already has a stanza */
  EXPECT_STATUS(custodia_rewrap(c, anna, NULL, env.data, env.len, NULL, 0, NULL, 0, &rewrapped),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_rewrap(c, anna, "Investigation", env.data, env.len, NULL, 0, NULL, 0, &rewrapped),
                CUSTODIA_ERR_INVALID_PURPOSE);
  custodia_key_id kek2;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "second kek", &kek2));
  EXPECT_STATUS(custodia_rewrap(c, anna, "extradition", env.data, env.len, &kek, 1, &kek2, 1, &rewrapped),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(rewrapped.data == NULL);
  EXPECT_OK(custodia_rewrap(c, anna, inv, env.data, env.len, &kek, 1, &kek2, 1, &rewrapped));
  EXPECT_OK(custodia_open(c, anna, "investigation", NO_EXCEPTION, rewrapped.data, rewrapped.len, &signer, &pt, NULL));
  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&rewrapped));

  custodia_buffer text = {0};
  EXPECT_OK(custodia_envelope_describe(c, env.data, env.len, &text));
  EXPECT_TRUE(strstr((const char *)text.data, "purposes: investigation\n") != NULL);
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_OK(custodia_buffer_free(&env));
}

static void streams(void) {
  /* Callbacks. */
  struct memory src = memory_of(MESSAGE, sizeof MESSAGE - 1);
  struct memory sealed = empty_memory();
  EXPECT_OK(custodia_seal_stream(c, anna, opts, mem_read, &src, mem_write, &sealed));
  EXPECT_TRUE(src.wrong_thread == 0 && sealed.wrong_thread == 0);
  struct memory opened = empty_memory();
  custodia_envelope_info info;
  sealed.at = 0;
  EXPECT_OK(custodia_open_stream(c, anna, "investigation", NO_EXCEPTION, &signer, mem_read, &sealed, mem_write, &opened,
                                 &info));
  EXPECT_TRUE(opened.len == sizeof MESSAGE - 1 && memcmp(opened.data, MESSAGE, opened.len) == 0);
  EXPECT_TRUE(sealed.wrong_thread == 0 && opened.wrong_thread == 0 && info.has_signer);

  /* Failing and missing callbacks. */
  struct memory failing = empty_memory();
  failing.fail_after = 0;
  src.at = 0;
  EXPECT_STATUS(custodia_seal_stream(c, anna, opts, mem_read, &src, mem_write, &failing), CUSTODIA_ERR_IO);
  EXPECT_MESSAGE("write callback failed");
  struct memory failing_src = memory_of(MESSAGE, sizeof MESSAGE - 1);
  failing_src.fail_after = 2;
  EXPECT_STATUS(custodia_seal_stream(c, anna, opts, mem_read, &failing_src, mem_write, &opened), CUSTODIA_ERR_IO);
  EXPECT_MESSAGE("read callback failed");
  free(failing_src.data);
  EXPECT_STATUS(custodia_seal_stream(c, anna, opts, NULL, &src, mem_write, &opened), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_seal_stream(c, anna, opts, mem_read, &src, NULL, &opened), CUSTODIA_ERR_NULL_POINTER);
  sealed.at = 0;
  EXPECT_STATUS(custodia_open_stream(c, anna, "extradition", NO_EXCEPTION, NULL, mem_read, &sealed, mem_write, &opened,
                                     NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);

  /* Paths. Outputs are private (0600) even under umask 0: the plaintext an open writes most of all. */
  FILE *f = fopen(path("plain.txt"), "wb");
  fwrite(MESSAGE, 1, sizeof MESSAGE - 1, f);
  fclose(f);
  mode_t mask = umask(0);
  EXPECT_OK(custodia_seal_file(c, anna, opts, path("plain.txt"), path("sealed.cust")));
  EXPECT_OK(custodia_open_file(c, anna, "investigation", NO_EXCEPTION, &signer, path("sealed.cust"),
                               path("opened.txt"), &info));
  umask(mask);
  struct stat st;
  EXPECT_TRUE(stat(path("sealed.cust"), &st) == 0 && (st.st_mode & 07777) == 0600);
  EXPECT_TRUE(stat(path("opened.txt"), &st) == 0 && (st.st_mode & 07777) == 0600);
  EXPECT_TRUE(info.category == CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA);
  char back[128] = {0};
  f = fopen(path("opened.txt"), "rb");
  size_t got = f ? fread(back, 1, sizeof back, f) : 0;
  if (f) fclose(f);
  EXPECT_TRUE(got == sizeof MESSAGE - 1 && memcmp(back, MESSAGE, got) == 0);
  EXPECT_STATUS(custodia_seal_file(c, anna, opts, path("missing.txt"), path("x.cust")), CUSTODIA_ERR_IO);
  EXPECT_STATUS(custodia_open_file(c, anna, "extradition", NO_EXCEPTION, NULL, path("sealed.cust"),
                                   path("refused.txt"), NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(access(path("refused.txt"), F_OK) != 0); /* no partial plaintext left behind */
  /* A refused open leaves an existing destination as it was. */
  f = fopen(path("keep.txt"), "wb");
  fputs("keep me", f);
  fclose(f);
  EXPECT_STATUS(custodia_open_file(c, anna, "extradition", NO_EXCEPTION, NULL, path("sealed.cust"), path("keep.txt"),
                                   NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  memset(back, 0, sizeof back);
  f = fopen(path("keep.txt"), "rb");
  got = f ? fread(back, 1, sizeof back, f) : 0;
  if (f) fclose(f);
  EXPECT_TRUE(got == 7 && memcmp(back, "keep me", 7) == 0);
  /* Sealing in place, and opening in place. */
  EXPECT_OK(custodia_seal_file(c, anna, opts, path("keep.txt"), path("keep.txt")));
  EXPECT_OK(custodia_open_file(c, anna, "investigation", NO_EXCEPTION, &signer, path("keep.txt"), path("keep.txt"),
                               NULL));
  memset(back, 0, sizeof back);
  f = fopen(path("keep.txt"), "rb");
  got = f ? fread(back, 1, sizeof back, f) : 0;
  if (f) fclose(f);
  EXPECT_TRUE(got == 7 && memcmp(back, "keep me", 7) == 0);
  EXPECT_STATUS(custodia_seal_file(c, anna, opts, NULL, path("x.cust")), CUSTODIA_ERR_NULL_POINTER);

  /* File descriptors (left open: they stay the caller's). */
  int in = open(path("plain.txt"), O_RDONLY);
  int out = open(path("fd.cust"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_OK(custodia_seal_fd(c, anna, opts, in, out));
  EXPECT_TRUE(close(in) == 0 && close(out) == 0);
  in = open(path("fd.cust"), O_RDONLY);
  out = open(path("fd.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_OK(custodia_open_fd(c, anna, "investigation", NO_EXCEPTION, &signer, in, out, NULL));
  EXPECT_TRUE(close(in) == 0 && close(out) == 0);
  EXPECT_STATUS(custodia_seal_fd(c, anna, opts, -1, 1), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_open_fd(c, anna, "investigation", NO_EXCEPTION, NULL, 0, -7, NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);

  free(src.data);
  free(sealed.data);
  free(opened.data);
  free(failing.data);
}

/* ---- re-wrap and sharing pass the policy gate (issue 12, section 1) ---------------------------------------------- */

/* The last audit entry is `actor`'s refused `operation`, refused as `kind`. */
static void expect_refusal_recorded(const char *dir, const char *actor, const char *operation, const char *kind) {
  char line[8192], want[128];
  last_audit_line(dir, line, sizeof line);
  EXPECT_TRUE(strstr(line, "\"kind\":\"refused\"") != NULL);
  snprintf(want, sizeof want, "\"operation\":\"%s\"", operation);
  EXPECT_TRUE(strstr(line, want) != NULL);
  snprintf(want, sizeof want, "\"kind\":\"%s\"", kind);
  EXPECT_TRUE(strstr(line, want) != NULL);
  snprintf(want, sizeof want, "\"actor\":{\"id\":\"%s\"", actor);
  EXPECT_TRUE(strstr(line, want) != NULL);
}

/* A protected witness's identity (secret; for witness protection; sealed in DE for NL) is refused to Mallory, acting
 * from FR with clearance public, as an open and as every kind of re-wrap, including to a key she imported and holds:
 * no key is touched, and each refusal is in the audit log. (The Rust tests add the expiry of the scene; the
 * format refuses to seal already-expired data, and this program keeps to the system clock.) Then what a share
 * needs. */
static void rewrap_gate(void) {
  const char *dir = path("custodian");
  custodia_actor mallory = {0}, jan = {0}, partner = {0};
  EXPECT_OK(custodia_actor_new("mallory", "clerk", "FR", CUSTODIA_CLASSIFICATION_PUBLIC, &mallory));
  EXPECT_OK(custodia_actor_new("jan", "central_authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &jan));
  EXPECT_OK(custodia_actor_new("nl.partner", "investigator", "NL", CUSTODIA_CLASSIFICATION_SECRET, &partner));

  /* Mallory's own key, held in a custodian outside, imported here (as a "partner authority" in NL). */
  const uint8_t other_key[32] = {4, 5, 6};
  custodia_custodian outside = {0};
  custodia_key_id held, imported, wkek, fr_key;
  custodia_buffer text = {0};
  custodia_custodian_options fresh = {0};
  EXPECT_OK(custodia_custodian_options_new(&fresh));
  EXPECT_OK(custodia_custodian_options_set_create(fresh, true));
  EXPECT_OK(custodia_custodian_open_master_key(path("outside"), other_key, 32, fresh, &outside));
  EXPECT_OK(custodia_custodian_options_free(fresh));
  EXPECT_OK(custodia_key_generate(outside, mallory, CUSTODIA_KEY_KIND_X25519, "mallory's own", &held));
  EXPECT_OK(custodia_key_export_public(outside, &held, &text));
  EXPECT_STATUS(custodia_key_import_public(c, mallory, (const char *)text.data, "partner", NULL, &imported),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_key_import_public(c, mallory, (const char *)text.data, "partner", "XX", &imported),
                CUSTODIA_ERR_INVALID_JURISDICTION);
  EXPECT_OK(custodia_key_import_public(c, mallory, (const char *)text.data, "partner", "NL", &imported));
  EXPECT_TRUE(memcmp(&imported, &held, sizeof held) == 0);
  EXPECT_OK(custodia_buffer_free(&text));
  custodia_key_list list = {0};
  size_t n = 0;
  int listed = 0;
  EXPECT_OK(custodia_key_list_new(c, &list));
  EXPECT_OK(custodia_key_list_len(list, &n));
  for (size_t i = 0; i < n; i++) {
    custodia_key_info k;
    EXPECT_OK(custodia_key_list_get(list, i, &k));
    if (memcmp(&k.key_id, &imported, sizeof imported) == 0) {
      listed = 1;
      EXPECT_TRUE(!k.has_secret && k.jurisdiction != NULL && strcmp(k.jurisdiction, "NL") == 0);
    }
  }
  EXPECT_TRUE(listed);
  EXPECT_OK(custodia_key_list_free(list));
  EXPECT_OK(custodia_key_generate(c, jan, CUSTODIA_KEY_KIND_KEK, "NL witness protection", &wkek));

  const char *purposes[] = {"witness_protection"};
  const char *destinations[] = {"NL"};
  custodia_seal_options w = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_WITNESS_IDENTITY, purposes, 1, &w));
  EXPECT_OK(custodia_seal_options_set_case_ref(w, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(w, "DE", destinations, 1));
  EXPECT_OK(custodia_seal_options_add_recipient(w, &wkek));
  static const char address[] = "witness W-17: safe house at Keizersgracht 000, Amsterdam";
  custodia_buffer env = {0}, out = {0}, pt = {0};
  EXPECT_OK(custodia_seal(c, jan, (const uint8_t *)address, sizeof address - 1, w, &env));

  EXPECT_STATUS(custodia_open(c, mallory, "witness_protection", NO_EXCEPTION, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  uint64_t before = unwraps(c);
  /* Adding her key. */
  EXPECT_STATUS(custodia_rewrap(c, mallory, "witness_protection", env.data, env.len, NULL, 0, &imported, 1, &out),
                CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  EXPECT_TRUE(custodia_status_is_refusal(custodia_last_error_code()));
  expect_refusal_recorded(dir, "mallory", "share", "clearance_insufficient");
  EXPECT_STATUS(custodia_rewrap(c, mallory, "mla.execution", env.data, env.len, NULL, 0, &imported, 1, &out),
                CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  /* Removing a stanza. */
  EXPECT_STATUS(custodia_rewrap(c, mallory, "witness_protection", env.data, env.len, &wkek, 1, NULL, 0, &out),
                CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  expect_refusal_recorded(dir, "mallory", "rewrap", "clearance_insufficient");
  /* Moving off a rotated key. */
  custodia_key_id successor;
  EXPECT_OK(custodia_key_rotate(c, jan, &wkek, &successor));
  EXPECT_STATUS(custodia_rewrap_rotated(c, mallory, env.data, env.len, &out), CUSTODIA_ERR_CLEARANCE_INSUFFICIENT);
  expect_refusal_recorded(dir, "mallory", "rewrap_rotated", "clearance_insufficient");
  EXPECT_TRUE(unwraps(c) == before);
  EXPECT_TRUE(out.data == NULL && out.len == 0);
  /* A cleared officer of NL is refused too, for a purpose the data was not given for (no exception applies to a
   * re-wrap). A rotation needs only clearance: an officer acting from FR may move it. */
  EXPECT_STATUS(custodia_rewrap(c, jan, "investigation", env.data, env.len, &wkek, 1, &successor, 1, &out),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(unwraps(c) == before);
  custodia_actor pierre = {0};
  EXPECT_OK(custodia_actor_new("pierre", "operator", "FR", CUSTODIA_CLASSIFICATION_SECRET, &pierre));
  EXPECT_OK(custodia_rewrap_rotated(c, pierre, env.data, env.len, &out));
  EXPECT_OK(custodia_actor_free(pierre));
  EXPECT_TRUE(unwraps(c) == before + 1);
  EXPECT_OK(custodia_buffer_free(&out));
  EXPECT_OK(custodia_buffer_free(&env));

  /* Sharing a live envelope that grants mla.execution: only under that purpose, only to a permitted jurisdiction. */
  const char *both[] = {"witness_protection", "mla.execution"};
  custodia_seal_options live = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_WITNESS_IDENTITY, both, 2, &live));
  EXPECT_OK(custodia_seal_options_set_case_ref(live, "MLA-2026-0042"));
  EXPECT_OK(custodia_seal_options_set_jurisdictions(live, "DE", destinations, 1));
  EXPECT_OK(custodia_seal_options_add_recipient(live, &successor));
  /* Signed by this custodian's key: it is the originator, which shares without a grant (tests/c/grants.c). */
  EXPECT_OK(custodia_seal_options_set_signer(live, &signer));
  EXPECT_OK(custodia_seal(c, jan, (const uint8_t *)address, sizeof address - 1, live, &env));
  before = unwraps(c);
  EXPECT_STATUS(custodia_rewrap(c, jan, "witness_protection", env.data, env.len, NULL, 0, &imported, 1, &out),
                CUSTODIA_ERR_TRANSFER_NOT_PERMITTED);
  EXPECT_MESSAGE("mla.execution");
  expect_refusal_recorded(dir, "jan", "share", "transfer_not_permitted");
  custodia_key_id fr_held;
  EXPECT_OK(custodia_key_generate(outside, mallory, CUSTODIA_KEY_KIND_X25519, "FR authority", &fr_held));
  EXPECT_OK(custodia_key_export_public(outside, &fr_held, &text));
  EXPECT_OK(custodia_key_import_public(c, jan, (const char *)text.data, "FR authority", "FR", &fr_key));
  EXPECT_OK(custodia_buffer_free(&text));
  EXPECT_STATUS(custodia_rewrap(c, jan, "mla.execution", env.data, env.len, NULL, 0, &fr_key, 1, &out),
                CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED);
  EXPECT_MESSAGE("FR");
  expect_refusal_recorded(dir, "jan", "share", "recipient_not_permitted");
  EXPECT_TRUE(unwraps(c) == before);
  EXPECT_OK(custodia_rewrap(c, jan, "mla.execution", env.data, env.len, NULL, 0, &imported, 1, &out));
  EXPECT_OK(custodia_open(outside, partner, "mla.execution", NO_EXCEPTION, out.data, out.len, NULL, &pt, NULL));
  EXPECT_TRUE(pt.len == sizeof address - 1 && memcmp(pt.data, address, pt.len) == 0);
  char line[8192];
  last_audit_line(dir, line, sizeof line);
  EXPECT_TRUE(strstr(line, "\"kind\":\"shared\"") != NULL && strstr(line, "\"purpose\":\"mla.execution\"") != NULL);
  EXPECT_STATUS(custodia_custodian_unwrap_attempts(c, NULL), CUSTODIA_ERR_NULL_POINTER);

  EXPECT_OK(custodia_buffer_free(&pt));
  EXPECT_OK(custodia_buffer_free(&out));
  EXPECT_OK(custodia_buffer_free(&env));
  EXPECT_OK(custodia_seal_options_free(w));
  EXPECT_OK(custodia_seal_options_free(live));
  EXPECT_OK(custodia_custodian_free(outside));
  EXPECT_OK(custodia_actor_free(mallory));
  EXPECT_OK(custodia_actor_free(jan));
  EXPECT_OK(custodia_actor_free(partner));
}

static void audit(void) {
  custodia_audit_report report;
  EXPECT_STATUS(custodia_audit_verify(c, NULL, 0, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_audit_verify(c, NULL, 1, &report), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_audit_verify(c, NULL, 0, &report));
  EXPECT_TRUE(report.entries > 10 && strlen(report.head) == 64);
  custodia_buffer key = {0};
  EXPECT_OK(custodia_audit_public_key(c, &key));
  EXPECT_TRUE(key.len > 32 && strlen((const char *)key.data) == key.len);
  EXPECT_OK(custodia_buffer_free(&key));

  /* Alter one character of an entry in the middle of the log: verification names it. */
  FILE *f = fopen(path("custodian/audit.log"), "r+b");
  EXPECT_TRUE(f != NULL);
  if (f == NULL) return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, size / 2, SEEK_SET);
  int ch = fgetc(f);
  while (ch != EOF && ch != '"') ch = fgetc(f); /* find a quoted value */
  ch = fgetc(f);
  fseek(f, -1, SEEK_CUR);
  fputc(ch == 'a' ? 'b' : 'a', f);
  fclose(f);
  custodia_status s = custodia_audit_verify(c, NULL, 0, &report);
  EXPECT_TRUE(s == CUSTODIA_ERR_AUDIT_TAMPERED || s == CUSTODIA_ERR_AUDIT_MALFORMED);
  EXPECT_MESSAGE("entry");
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: custodian WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);
  open_errors();

  const uint8_t key[32] = {1, 2, 3};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path("custodian"), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  EXPECT_OK(custodia_actor_new("ida", "intern", "DE", CUSTODIA_CLASSIFICATION_RESTRICTED, &intern));
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "test kek", &kek));
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_ED25519, "test signer", &signer));
  const char *purposes[] = {"investigation"};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA, purposes, 1, &opts));
  EXPECT_OK(custodia_seal_options_set_classification(opts, CUSTODIA_CLASSIFICATION_CONFIDENTIAL));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &kek));
  EXPECT_OK(custodia_seal_options_set_signer(opts, &signer));
  EXPECT_STATUS(custodia_seal_options_set_chunk_size(opts, 10), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_seal_options_set_chunk_size(opts, 64)); /* many chunks, even for short messages */
  EXPECT_STATUS(custodia_seal_options_set_instrument(opts, 0, NULL, NULL), CUSTODIA_ERR_UNKNOWN_CODE);
  EXPECT_STATUS(custodia_seal_options_set_instrument(opts, CUSTODIA_INSTRUMENT_KIND_LETTER_ROGATORY, "", NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);

  key_errors();
  seal_open_errors();
  streams();
  rewrap_gate();
  audit();

  EXPECT_OK(custodia_seal_options_free(opts));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(intern));
  EXPECT_OK(custodia_custodian_close(c, NULL));
  EXPECT_OK(custodia_custodian_free(c));
  custodia_key_list list = {0};
  EXPECT_STATUS(custodia_key_list_new(c, &list), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_custodian_free(c), CUSTODIA_ERR_INVALID_HANDLE);

  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "custodian: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("custodian: all checks passed\n");
  return 0;
}
