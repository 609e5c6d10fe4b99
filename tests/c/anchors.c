/*
 * Anchors, counter-signing, close and erasure certificates through the C API. Authority A exports anchors of its
 * audit log; authority B checks one against A's audit key and counter-signs it with an Ed25519 key of its own
 * keyring; a forged anchor is refused. A closes (later calls fail, the handle must still be freed); its log, cut
 * back to an earlier checkpoint, no longer verifies against the anchor B holds. A destroyed key's certificate
 * verifies with A's audit key text alone; an altered one does not. Outputs are untouched on failure.
 *
 * Usage: anchors WORK_DIR
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

static custodia_custodian open_at(const char *name, uint8_t seed) {
  uint8_t key[32];
  memset(key, seed, sizeof key);
  custodia_custodian c = {0};
  custodia_custodian_options create = {0};
  EXPECT_OK(custodia_custodian_options_new(&create));
  EXPECT_OK(custodia_custodian_options_set_create(create, true));
  EXPECT_OK(custodia_custodian_open_master_key(path(name), key, sizeof key, create, &c));
  EXPECT_OK(custodia_custodian_options_free(create));
  return c;
}

static const char *text(const custodia_buffer *b) { return (const char *)b->data; }

/* The value of the integer member `"count":` of an anchor's JSON. */
static unsigned long long anchor_count(const char *json) {
  const char *p = strstr(json, "\"count\":");
  return p ? strtoull(p + 8, NULL, 10) : 0;
}

/* Keep the first `lines` lines of a file. */
static void keep_lines(const char *file, unsigned long long lines) {
  FILE *f = fopen(file, "rb");
  EXPECT_TRUE(f != NULL);
  if (f == NULL) return;
  static char content[1 << 20];
  size_t n = fread(content, 1, sizeof content, f);
  fclose(f);
  size_t at = 0;
  for (unsigned long long seen = 0; at < n && seen < lines; at++) {
    if (content[at] == '\n') seen++;
  }
  f = fopen(file, "wb");
  EXPECT_TRUE(f != NULL && fwrite(content, 1, at, f) == at);
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: anchors WORK_DIR\n");
    return 2;
  }
  snprintf(work, sizeof work, "%s", argv[1]);

  custodia_custodian a = open_at("a", 0xA1), b = open_at("b", 0xB1), m = open_at("mallory", 0x66);
  custodia_actor anna = {0}, ben = {0};
  EXPECT_OK(custodia_actor_new("anna", "central authority", "NL", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  EXPECT_OK(custodia_actor_new("ben", "central authority", "DE", CUSTODIA_CLASSIFICATION_SECRET, &ben));
  custodia_key_id kek, witness, b_kek;
  EXPECT_OK(custodia_key_generate(a, anna, CUSTODIA_KEY_KIND_KEK, "local", &kek));
  EXPECT_OK(custodia_key_generate(b, ben, CUSTODIA_KEY_KIND_ED25519, "witness key", &witness));
  EXPECT_OK(custodia_key_generate(b, ben, CUSTODIA_KEY_KIND_KEK, "not a witness", &b_kek));

  /* ---- A exports anchors ------------------------------------------------------------------------------------ */
  custodia_buffer early = {0}, anchor = {0}, a_key = {0}, b_key = {0}, m_key = {0};
  EXPECT_STATUS(custodia_audit_checkpoint(a, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_audit_checkpoint(a, &early));
  const char *purposes[] = {"investigation"};
  custodia_seal_options opts = {0};
  custodia_buffer env = {0};
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &opts));
  EXPECT_OK(custodia_seal_options_add_recipient(opts, &kek));
  EXPECT_OK(custodia_seal(a, anna, (const uint8_t *)"evidence", 8, opts, &env));
  EXPECT_OK(custodia_audit_checkpoint(a, &anchor));
  EXPECT_TRUE(strstr(text(&anchor), "\"type\":\"custodia.audit.anchor.v2\"") != NULL);
  EXPECT_TRUE(anchor_count(text(&anchor)) > anchor_count(text(&early)));
  EXPECT_OK(custodia_audit_public_key(a, &a_key));
  EXPECT_OK(custodia_audit_public_key(b, &b_key));
  EXPECT_OK(custodia_audit_public_key(m, &m_key));

  custodia_audit_report report;
  const char *one[] = {text(&anchor)};
  EXPECT_OK(custodia_audit_verify(a, one, 1, &report));
  EXPECT_TRUE(report.anchors == 1);
  const char *garbage[] = {"{\"type\":\"nope\"}"};
  report.entries = 4242;
  EXPECT_STATUS(custodia_audit_verify(a, garbage, 1, &report), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_MESSAGE("anchors[0]");
  EXPECT_TRUE(report.entries == 4242);

  /* ---- B counter-signs with a keyring key --------------------------------------------------------------------- */
  custodia_buffer witnessed = {0}, witness_text = {0};
  EXPECT_STATUS(custodia_anchor_countersign(b, ben, NULL, text(&a_key), &witness, &witnessed), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_anchor_countersign(b, ben, text(&anchor), text(&a_key), NULL, &witnessed),
                CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_anchor_countersign(b, ben, "not json", text(&a_key), &witness, &witnessed),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  /* The anchor's signature does not verify with the key given (Mallory's): refused, and recorded by B. */
  EXPECT_STATUS(custodia_anchor_countersign(b, ben, text(&anchor), text(&m_key), &witness, &witnessed),
                CUSTODIA_ERR_ANCHOR_INVALID);
  EXPECT_TRUE(witnessed.data == NULL && witnessed.len == 0);
  /* A symmetric key cannot witness. */
  EXPECT_STATUS(custodia_anchor_countersign(b, ben, text(&anchor), text(&a_key), &b_kek, &witnessed),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_OK(custodia_anchor_countersign(b, ben, text(&anchor), text(&a_key), &witness, &witnessed));
  EXPECT_OK(custodia_key_export_public(b, &witness, &witness_text));
  EXPECT_TRUE(strstr(text(&witnessed), "\"witnesses\":[{\"key\":") != NULL);

  /* Checking with public keys alone. */
  EXPECT_OK(custodia_anchor_verify(text(&witnessed), text(&a_key), NULL));
  EXPECT_OK(custodia_anchor_verify(text(&witnessed), text(&a_key), text(&witness_text)));
  EXPECT_STATUS(custodia_anchor_verify(text(&anchor), text(&a_key), text(&witness_text)), CUSTODIA_ERR_ANCHOR_INVALID);
  EXPECT_MESSAGE("not counter-signed");
  EXPECT_STATUS(custodia_anchor_verify(text(&witnessed), text(&a_key), text(&b_key)), CUSTODIA_ERR_ANCHOR_INVALID);
  EXPECT_STATUS(custodia_anchor_verify(text(&witnessed), text(&m_key), NULL), CUSTODIA_ERR_ANCHOR_INVALID);
  EXPECT_STATUS(custodia_anchor_verify(text(&witnessed), "custodia-ed25519-public:AAAA", NULL),
                CUSTODIA_ERR_INVALID_KEY_TEXT);
  EXPECT_STATUS(custodia_anchor_verify(NULL, text(&a_key), NULL), CUSTODIA_ERR_NULL_POINTER);
  /* Mallory's anchor, presented as A's. */
  custodia_buffer fake = {0};
  EXPECT_OK(custodia_audit_checkpoint(m, &fake));
  EXPECT_STATUS(custodia_anchor_verify(text(&fake), text(&a_key), NULL), CUSTODIA_ERR_ANCHOR_INVALID);
  const char *foreign[] = {text(&fake)};
  EXPECT_STATUS(custodia_audit_verify(a, foreign, 1, &report), CUSTODIA_ERR_ANCHOR_INVALID);

  /* ---- erasure certificates ---------------------------------------------------------------------------------- */
  custodia_key_id doomed, due1, due2;
  custodia_buffer cert = {0};
  EXPECT_OK(custodia_key_for_case(a, anna, "MLA-2026-0042", 0, &doomed));
  EXPECT_OK(custodia_key_destroy(a, anna, &doomed, "retention period ended", &cert));
  EXPECT_TRUE(strstr(text(&cert), "\"type\":\"custodia.erasure.v2\"") != NULL);
  EXPECT_TRUE(strstr(text(&cert), "MLA-2026-0042") != NULL);
  EXPECT_OK(custodia_erasure_certificate_verify(text(&cert), text(&a_key)));
  EXPECT_STATUS(custodia_erasure_certificate_verify(text(&cert), text(&b_key)), CUSTODIA_ERR_AUDIT_WRONG_KEY);
  char *forged = strdup(text(&cert));
  char *at = strstr(forged, "MLA-2026-0042");
  at[12] = '3'; /* the certificate now claims another case */
  EXPECT_STATUS(custodia_erasure_certificate_verify(forged, text(&a_key)), CUSTODIA_ERR_AUDIT_TAMPERED);
  free(forged);
  EXPECT_STATUS(custodia_erasure_certificate_verify("{}", text(&a_key)), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(custodia_erasure_certificate_verify(text(&cert), NULL), CUSTODIA_ERR_NULL_POINTER);
  custodia_buffer untouched = {0};
  EXPECT_STATUS(custodia_key_destroy(a, anna, &doomed, "again", &untouched), CUSTODIA_ERR_KEY_DESTROYED);
  EXPECT_TRUE(untouched.data == NULL);

  /* One entry of A's log proved to B, who checks it with A's audit key text alone (docs/AUDIT.md §12.3). */
  custodia_buffer bundle = {0}, entry = {0}, no_bundle = {0};
  EXPECT_OK(custodia_audit_merkle_prove(a, 2, &bundle));
  EXPECT_OK(custodia_audit_merkle_verify_inclusion(text(&bundle), text(&a_key), &entry));
  EXPECT_TRUE(entry.data != NULL && strstr(text(&entry), "{\"seq\":2,") == text(&entry));
  EXPECT_OK(custodia_audit_merkle_verify_inclusion(text(&bundle), text(&a_key), NULL));
  EXPECT_STATUS(custodia_audit_merkle_verify_inclusion(text(&bundle), text(&b_key), NULL),
                CUSTODIA_ERR_CHECKPOINT_INVALID);
  char *moved = strdup(text(&bundle));
  char *index_line = strstr(moved, "\nindex 2\n");
  EXPECT_TRUE(index_line != NULL);
  if (index_line != NULL) index_line[7] = '1'; /* the same entry, claimed at another index */
  EXPECT_STATUS(custodia_audit_merkle_verify_inclusion(moved, text(&a_key), NULL), CUSTODIA_ERR_MERKLE_PROOF_INVALID);
  free(moved);
  EXPECT_STATUS(custodia_audit_merkle_verify_inclusion("not a bundle", text(&a_key), NULL),
                CUSTODIA_ERR_CHECKPOINT_INVALID);
  EXPECT_STATUS(custodia_audit_merkle_verify_inclusion(NULL, text(&a_key), NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_audit_merkle_prove(a, 1000000, &no_bundle), CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(no_bundle.data == NULL);
  EXPECT_OK(custodia_buffer_free(&bundle));
  EXPECT_OK(custodia_buffer_free(&entry));

  EXPECT_OK(custodia_key_for_case(a, anna, "MLA-2026-0001", 1, &due1)); /* retention long past */
  EXPECT_OK(custodia_key_for_case(a, anna, "MLA-2026-0002", 1, &due2));
  size_t destroyed = 0;
  custodia_buffer certs = {0};
  EXPECT_OK(custodia_key_shred_expired(a, anna, &destroyed, NULL, &certs));
  EXPECT_TRUE(destroyed == 2);
  size_t lines = 0;
  for (char *line = (char *)certs.data, *end; line && (end = strchr(line, '\n')) != NULL; line = end + 1) {
    *end = '\0';
    EXPECT_OK(custodia_erasure_certificate_verify(line, text(&a_key)));
    lines++;
  }
  EXPECT_TRUE(lines == 2);
  EXPECT_OK(custodia_buffer_free(&certs));
  EXPECT_OK(custodia_key_shred_expired(a, anna, &destroyed, NULL, &certs));
  EXPECT_TRUE(destroyed == 0 && certs.len == 0);
  EXPECT_OK(custodia_buffer_free(&certs));

  /* ---- close: later calls fail, the handle must still be freed --------------------------------------------- */
  custodia_buffer closing = {0}, again = {0}, refused = {0};
  EXPECT_OK(custodia_custodian_close(a, &closing));
  EXPECT_TRUE(anchor_count(text(&closing)) > anchor_count(text(&anchor)));
  EXPECT_OK(custodia_custodian_close(a, &again));
  EXPECT_TRUE(strcmp(text(&closing), text(&again)) == 0);
  EXPECT_STATUS(custodia_seal(a, anna, (const uint8_t *)"late", 4, opts, &refused), CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_MESSAGE("closed");
  EXPECT_TRUE(refused.data == NULL);
  custodia_buffer pt = {0};
  EXPECT_STATUS(custodia_open(a, anna, "investigation", (custodia_exception_ground){0}, env.data, env.len, NULL, &pt, NULL),
                CUSTODIA_ERR_CUSTODIAN_CLOSED);
  custodia_key_id late;
  EXPECT_STATUS(custodia_key_generate(a, anna, CUSTODIA_KEY_KIND_KEK, "late", &late), CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_STATUS(custodia_audit_checkpoint(a, &refused), CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_STATUS(custodia_key_destroy(a, anna, &kek, "too late", &refused), CUSTODIA_ERR_CUSTODIAN_CLOSED);
  EXPECT_TRUE(refused.data == NULL);
  custodia_envelope_info info;
  EXPECT_OK(custodia_envelope_inspect(a, env.data, env.len, &info));
  custodia_buffer still = {0};
  EXPECT_OK(custodia_audit_public_key(a, &still));
  EXPECT_TRUE(strcmp(text(&still), text(&a_key)) == 0);
  EXPECT_OK(custodia_buffer_free(&still));
  const char *both[] = {text(&witnessed), text(&closing)};
  EXPECT_OK(custodia_audit_verify(a, both, 2, &report));
  EXPECT_TRUE(report.anchors == 2 && report.unsealed_tail == 0);

  /* ---- the anchor B holds pins A's log: cut back to the early checkpoint, it no longer verifies -------------- */
  keep_lines(path("a/audit.log"), anchor_count(text(&early)) + 1);
  EXPECT_STATUS(custodia_audit_verify(a, one, 1, &report), CUSTODIA_ERR_AUDIT_TAMPERED);
  EXPECT_MESSAGE("truncated");
  const char *held_by_b[] = {text(&witnessed)};
  EXPECT_STATUS(custodia_audit_verify(a, held_by_b, 1, &report), CUSTODIA_ERR_AUDIT_TAMPERED);

  EXPECT_OK(custodia_custodian_free(a));
  EXPECT_STATUS(custodia_custodian_close(a, NULL), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_custodian_close(b, NULL));
  EXPECT_OK(custodia_custodian_free(b));
  EXPECT_OK(custodia_custodian_free(m)); /* freed without close: still closes best-effort */

  custodia_buffer *buffers[] = {&early, &anchor, &a_key, &b_key, &m_key, &env, &witnessed, &witness_text, &fake,
                                &cert, &closing, &again};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++) EXPECT_OK(custodia_buffer_free(buffers[i]));
  EXPECT_OK(custodia_seal_options_free(opts));
  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_actor_free(ben));

  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "anchors: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("anchors: all checks passed\n");
  return 0;
}
