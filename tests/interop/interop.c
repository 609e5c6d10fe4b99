/*
 * The C side of the cross-language interoperability test (tests/interop/run.sh): the same small command line as
 * examples/interop.rs, tests/interop/interop.py and tests/interop/Interop.java, over the C ABI alone.
 *
 *   interop generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
 *   interop generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
 *   interop import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids (one a line)
 *   interop seal <dir> <out> <plain> <key-id>...         seal a buffer
 *   interop seal-stream <dir> <out> <plain> <key-id>...  seal a file in constant memory (custodia_seal_file)
 *   interop open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
 *   interop open-stream <dir> <envelope> <purpose> <out> open a file in constant memory (custodia_open_file)
 *   interop seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
 *   interop grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant (armored) for it
 *   interop extend <dir> <envelope> <grant> <out>        apply a purpose extension grant (re-issue the envelope)
 *   interop receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt for it
 *   interop receipt-import <dir> <receipt>     import a receipt, print its item kinds (one line, space separated)
 *   interop receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
 *
 * A custodia error prints "custodia error <code> <name>: <message>" and exits with the status code (255 if it does
 * not fit an exit status), so a purpose refusal exits with 200 in every language. The fixed master key (bytes 0..31)
 * is a test harness's, never a way to handle real keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custodia.h"

#define MAX_RECIPIENTS 16

static int fail(custodia_status status) {
  fprintf(stderr, "custodia error %u %s: %s\n", (unsigned)status, custodia_status_name(status),
          custodia_last_error_message());
  return status <= 254 ? (int)status : 255;
}

static int fail_io(const char *what, const char *path) {
  fprintf(stderr, "interop: cannot %s %s\n", what, path);
  return 1;
}

/* Read a whole file into a malloc'd buffer (*out_len bytes, plus a NUL for text). NULL on failure. */
static uint8_t *read_file(const char *path, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  size_t cap = 65536, len = 0;
  uint8_t *data = malloc(cap + 1);
  while (data != NULL) {
    len += fread(data + len, 1, cap - len, f);
    if (len < cap) {
      break;
    }
    cap *= 2;
    uint8_t *grown = realloc(data, cap + 1);
    if (grown == NULL) {
      free(data);
    }
    data = grown;
  }
  int bad = ferror(f);
  fclose(f);
  if (data == NULL || bad) {
    free(data);
    return NULL;
  }
  data[len] = 0;
  *out_len = len;
  return data;
}

static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return -1;
  }
  size_t written = len ? fwrite(data, 1, len, f) : 0;
  return (fclose(f) != 0 || written != len) ? -1 : 0;
}

static int generate(custodia_custodian c, custodia_actor a, const char *kind) {
  struct custodia_key_id id;
  custodia_status s;
  if (strcmp(kind, "kek") == 0) {
    if ((s = custodia_key_generate(c, a, CUSTODIA_KEY_KIND_KEK, "interop kek", &id)) != CUSTODIA_OK) {
      return fail(s);
    }
    char text[CUSTODIA_KEY_ID_TEXT_SIZE];
    if ((s = custodia_key_id_format(&id, text, sizeof text)) != CUSTODIA_OK) {
      return fail(s);
    }
    printf("%s\n", text);
    return 0;
  }
  if (strcmp(kind, "x25519") == 0) {
    if ((s = custodia_key_generate(c, a, CUSTODIA_KEY_KIND_X25519, "interop x25519", &id)) != CUSTODIA_OK) {
      return fail(s);
    }
    custodia_buffer text = {0};
    if ((s = custodia_key_export_public(c, &id, &text)) != CUSTODIA_OK) {
      return fail(s);
    }
    printf("%s\n", (const char *)text.data);
    custodia_buffer_free(&text);
    return 0;
  }
  if (strcmp(kind, "ed25519") == 0) {
    if ((s = custodia_key_generate(c, a, CUSTODIA_KEY_KIND_ED25519, "interop ed25519", &id)) != CUSTODIA_OK) {
      return fail(s);
    }
    char idtext[CUSTODIA_KEY_ID_TEXT_SIZE];
    custodia_buffer text = {0};
    if ((s = custodia_key_id_format(&id, idtext, sizeof idtext)) != CUSTODIA_OK ||
        (s = custodia_key_export_public(c, &id, &text)) != CUSTODIA_OK) {
      return fail(s);
    }
    printf("%s\n%s\n", idtext, (const char *)text.data);
    custodia_buffer_free(&text);
    return 0;
  }
  fprintf(stderr, "interop: generate kek|x25519|ed25519\n");
  return 1;
}

/* Print a receipt's item kinds on one line, space separated, and release it. */
static int print_kinds(custodia_receipt r) {
  static const char *const names[] = {"?", "received", "opened", "exception_used", "shared",
                                      "rewrapped", "destroyed", "refused"};
  size_t n = 0;
  custodia_status s = custodia_receipt_item_count(r, &n);
  for (size_t i = 0; i < n && s == CUSTODIA_OK; i++) {
    uint32_t kind = 0;
    uint64_t at = 0;
    s = custodia_receipt_item_get(r, i, &kind, &at);
    if (s == CUSTODIA_OK) {
      printf("%s%s", i ? " " : "", kind < 8 ? names[kind] : "?");
    }
  }
  printf("\n");
  custodia_receipt_free(r);
  return s == CUSTODIA_OK ? 0 : fail(s);
}

/* Verify a receipt file with a public key text file alone (no custodian). */
static int receipt_verify(const char *receipt, const char *key) {
  size_t len = 0, key_len = 0;
  char *text = (char *)read_file(receipt, &len);
  char *pub = (char *)read_file(key, &key_len);
  if (text == NULL || pub == NULL) {
    free(text);
    free(pub);
    return fail_io("read", text == NULL ? receipt : key);
  }
  while (key_len > 0 && (pub[key_len - 1] == '\n' || pub[key_len - 1] == '\r' || pub[key_len - 1] == ' ')) {
    pub[--key_len] = 0;
  }
  custodia_receipt r = {0};
  custodia_status s = custodia_receipt_parse(text, &r);
  if (s == CUSTODIA_OK) {
    s = custodia_receipt_verify(r, pub);
  }
  int rc = s == CUSTODIA_OK ? 0 : fail(s); /* before the free below, which would clear the last error */
  free(text);
  free(pub);
  if (rc != 0) {
    custodia_receipt_free(r);
    return rc;
  }
  return print_kinds(r);
}

static int receipt_issue(custodia_custodian c, custodia_actor a, const char *envelope, const char *signer,
                         const char *out) {
  size_t len = 0;
  uint8_t *env = read_file(envelope, &len);
  if (env == NULL) {
    return fail_io("read", envelope);
  }
  struct custodia_envelope_info info;
  struct custodia_key_id id;
  custodia_receipt r = {0};
  custodia_buffer text = {0};
  custodia_status s = custodia_envelope_receive(c, a, env, len, &info);
  free(env);
  if (s == CUSTODIA_OK) {
    s = custodia_key_id_parse(signer, &id);
  }
  if (s == CUSTODIA_OK) {
    s = custodia_receipt_issue(c, a, info.object_id, &id, false, true, &r);
  }
  if (s == CUSTODIA_OK) {
    s = custodia_receipt_armor(r, &text);
    custodia_receipt_free(r);
  }
  if (s != CUSTODIA_OK) {
    return fail(s);
  }
  int rc = write_file(out, text.data, text.len) == 0 ? 0 : fail_io("write", out);
  custodia_buffer_free(&text);
  return rc;
}

static int receipt_import(custodia_custodian c, custodia_actor a, const char *receipt) {
  size_t len = 0;
  char *text = (char *)read_file(receipt, &len);
  if (text == NULL) {
    return fail_io("read", receipt);
  }
  custodia_receipt r = {0};
  custodia_status s = custodia_receipt_import(c, a, text, &r);
  free(text);
  return s == CUSTODIA_OK ? print_kinds(r) : fail(s);
}

static int import(custodia_custodian c, custodia_actor a, int n, char **files) {
  for (int i = 0; i < n; i++) {
    size_t len = 0;
    char *text = (char *)read_file(files[i], &len);
    if (text == NULL) {
      return fail_io("read", files[i]);
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) {
      text[--len] = 0;
    }
    struct custodia_key_id id;
    custodia_status s = custodia_key_import_public(c, a, text, files[i], "DE", &id);
    free(text);
    if (s != CUSTODIA_OK) {
      return fail(s);
    }
    char out[CUSTODIA_KEY_ID_TEXT_SIZE];
    custodia_key_id_format(&id, out, sizeof out);
    printf("%s\n", out);
  }
  return 0;
}

static int seal(custodia_custodian c, custodia_actor a, int stream, const char *out, const char *plain,
                const char *signer, int n, char **keys) {
  static const char *const purposes[] = {"investigation", "prosecution"};
  custodia_seal_options o = {0};
  custodia_status s = custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 2, &o);
  if (s == CUSTODIA_OK) {
    s = custodia_seal_options_set_case_ref(o, "MLA-2026-0007");
  }
  /* The other languages' keys are imported as authorities in DE: a seal for them must name DE as a destination. */
  const char *destinations[] = {"DE"};
  if (s == CUSTODIA_OK) {
    s = custodia_seal_options_set_jurisdictions(o, "DE", destinations, 1);
  }
  if (s == CUSTODIA_OK && signer != NULL) {
    struct custodia_key_id id;
    s = custodia_key_id_parse(signer, &id);
    if (s == CUSTODIA_OK) {
      s = custodia_seal_options_set_signer(o, &id);
    }
  }
  for (int i = 0; i < n && s == CUSTODIA_OK; i++) {
    struct custodia_key_id id;
    s = custodia_key_id_parse(keys[i], &id);
    if (s == CUSTODIA_OK) {
      s = custodia_seal_options_add_recipient(o, &id);
    }
  }
  int rc = 0;
  if (s != CUSTODIA_OK) {
    rc = fail(s);
  } else if (stream) {
    s = custodia_seal_file(c, a, o, plain, out);
    rc = s == CUSTODIA_OK ? 0 : fail(s);
  } else {
    size_t len = 0;
    uint8_t *data = read_file(plain, &len);
    if (data == NULL) {
      rc = fail_io("read", plain);
    } else {
      custodia_buffer env = {0};
      s = custodia_seal(c, a, data, len, o, &env);
      free(data);
      if (s != CUSTODIA_OK) {
        rc = fail(s);
      } else {
        rc = write_file(out, env.data, env.len) == 0 ? 0 : fail_io("write", out);
        custodia_buffer_free(&env);
      }
    }
  }
  custodia_seal_options_free(o);
  return rc;
}

static int open_envelope(custodia_custodian c, custodia_actor a, int stream, const char *envelope,
                         const char *purpose, const char *out) {
  custodia_exception_ground none = {0};
  struct custodia_envelope_info info;
  if (stream) {
    custodia_status s = custodia_open_file(c, a, purpose, none, NULL, envelope, out, &info);
    return s == CUSTODIA_OK ? 0 : fail(s);
  }
  size_t len = 0;
  uint8_t *env = read_file(envelope, &len);
  if (env == NULL) {
    return fail_io("read", envelope);
  }
  custodia_buffer plain = {0};
  custodia_status s = custodia_open(c, a, purpose, none, env, len, NULL, &plain, &info);
  free(env);
  if (s != CUSTODIA_OK) {
    return fail(s);
  }
  int rc = write_file(out, plain.data, plain.len) == 0 ? 0 : fail_io("write", out);
  custodia_buffer_free(&plain);
  return rc;
}

/* Issue a purpose extension grant for `purpose` on the envelope in `envelope`, signed by `signer`, to `out`. */
static int grant(custodia_custodian c, custodia_actor a, const char *envelope, const char *signer,
                 const char *purpose, const char *out) {
  size_t len = 0;
  uint8_t *env = read_file(envelope, &len);
  if (env == NULL) {
    return fail_io("read", envelope);
  }
  struct custodia_envelope_info info;
  struct custodia_key_id id;
  custodia_status s = custodia_envelope_inspect(c, env, len, &info);
  free(env);
  if (s == CUSTODIA_OK) {
    s = custodia_key_id_parse(signer, &id);
  }
  custodia_buffer text = {0};
  const char *purposes[] = {purpose};
  if (s == CUSTODIA_OK) {
    s = custodia_grant_issue_purpose_extension(c, a, &id, info.object_id, purposes, 1, (uint64_t)time(NULL) + 86400,
                                               "interop request letter", &text);
  }
  if (s != CUSTODIA_OK) {
    return fail(s);
  }
  int rc = write_file(out, text.data, text.len) == 0 ? 0 : fail_io("write", out);
  custodia_buffer_free(&text);
  return rc;
}

/* Apply the purpose extension grant in `grant_file` to the envelope in `envelope`, writing the result to `out`. */
static int extend(custodia_custodian c, custodia_actor a, const char *envelope, const char *grant_file,
                  const char *out) {
  size_t len = 0, glen = 0;
  uint8_t *env = read_file(envelope, &len);
  uint8_t *g = read_file(grant_file, &glen);
  if (env == NULL || g == NULL) {
    free(env);
    free(g);
    return fail_io("read", env == NULL ? envelope : grant_file);
  }
  custodia_buffer extended = {0};
  custodia_status s = custodia_extend_purposes(c, a, env, len, g, glen, &extended);
  free(env);
  free(g);
  if (s != CUSTODIA_OK) {
    return fail(s);
  }
  int rc = write_file(out, extended.data, extended.len) == 0 ? 0 : fail_io("write", out);
  custodia_buffer_free(&extended);
  return rc;
}

/* Seal the fixed record every language seals (four fields, one with purposes of its own, one secret) to `out`. */
static int seal_record(custodia_custodian c, custodia_actor a, const char *out, int n, char **keys) {
  static const char *const purposes[] = {"investigation", "prosecution"};
  static const char *const financial[] = {"investigation.financial"};
  const char *destinations[] = {"DE"};
  custodia_seal_options o = {0};
  custodia_record r = {0};
  custodia_status s = custodia_seal_options_new(CUSTODIA_CATEGORY_CASE_ADMINISTRATION, purposes, 2, &o);
  if (s == CUSTODIA_OK) s = custodia_seal_options_set_case_ref(o, "MLA-2026-0007");
  if (s == CUSTODIA_OK) s = custodia_seal_options_set_jurisdictions(o, "DE", destinations, 1);
  for (int i = 0; i < n && s == CUSTODIA_OK; i++) {
    struct custodia_key_id id;
    s = custodia_key_id_parse(keys[i], &id);
    if (s == CUSTODIA_OK) s = custodia_seal_options_add_recipient(o, &id);
  }
  const char *iban = "NL91ABNA0417164300", *witness = "A. Jansen";
  if (s == CUSTODIA_OK) s = custodia_record_new(&r);
  if (s == CUSTODIA_OK)
    s = custodia_record_add_text(r, "account_iban", (const uint8_t *)iban, strlen(iban),
                                 CUSTODIA_CATEGORY_FINANCIAL_RECORDS, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0);
  if (s == CUSTODIA_OK)
    s = custodia_record_add_date(r, "born", "1971-05-04", CUSTODIA_CATEGORY_PERSONAL_IDENTITY,
                                 CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0);
  if (s == CUSTODIA_OK)
    s = custodia_record_add_integer(r, "transfers", -42, CUSTODIA_CATEGORY_FINANCIAL_RECORDS,
                                    CUSTODIA_CLASSIFICATION_MINIMUM, financial, 1);
  if (s == CUSTODIA_OK)
    s = custodia_record_add_text(r, "witness_name", (const uint8_t *)witness, strlen(witness),
                                 CUSTODIA_CATEGORY_WITNESS_IDENTITY, CUSTODIA_CLASSIFICATION_MINIMUM, NULL, 0);
  custodia_buffer env = {0};
  if (s == CUSTODIA_OK) s = custodia_seal_record(c, a, r, o, &env);
  int rc = s != CUSTODIA_OK ? fail(s) : (write_file(out, env.data, env.len) == 0 ? 0 : fail_io("write", out));
  custodia_buffer_free(&env);
  custodia_record_free(r);
  custodia_seal_options_free(o);
  return rc;
}

/* Open a record as an actor of `clearance`; print each field in name order: name=<json> or name withheld <status>. */
static int open_record(custodia_custodian c, const char *envelope, const char *purpose, const char *clearance) {
  uint32_t level = 0;
  custodia_status s = custodia_classification_from_name(clearance, &level);
  if (s != CUSTODIA_OK) return fail(s);
  custodia_actor reader = {0};
  s = custodia_actor_new("interop.c.reader", "investigator", "DE", level, &reader);
  if (s != CUSTODIA_OK) return fail(s);
  size_t len = 0;
  uint8_t *env = read_file(envelope, &len);
  if (env == NULL) {
    custodia_actor_free(reader);
    return fail_io("read", envelope);
  }
  custodia_exception_ground none = {0};
  custodia_opened_record r = {0};
  s = custodia_open_record(c, reader, purpose, none, env, len, NULL, &r, NULL);
  free(env);
  custodia_actor_free(reader);
  if (s != CUSTODIA_OK) return fail(s);
  size_t n = 0;
  s = custodia_opened_record_len(r, &n);
  for (size_t i = 0; i < n && s == CUSTODIA_OK; i++) {
    custodia_record_field f;
    s = custodia_opened_record_field(r, i, &f);
    if (s != CUSTODIA_OK) break;
    if (f.withheld != CUSTODIA_OK) {
      printf("%s withheld %u\n", f.name, (unsigned)f.withheld);
      continue;
    }
    custodia_buffer json = {0};
    s = custodia_opened_record_json(r, i, &json);
    if (s == CUSTODIA_OK) printf("%s=%s\n", f.name, (const char *)json.data);
    custodia_buffer_free(&json);
  }
  custodia_opened_record_free(r);
  return s == CUSTODIA_OK ? 0 : fail(s);
}

int main(int argc, char **argv) {
  if (custodia_abi_version() != CUSTODIA_ABI_VERSION) {
    fprintf(stderr, "custodia ABI %u, expected %u\n", (unsigned)custodia_abi_version(),
            (unsigned)CUSTODIA_ABI_VERSION);
    return 2;
  }
  if (argc == 4 && strcmp(argv[1], "receipt-verify") == 0) {
    return receipt_verify(argv[2], argv[3]);
  }
  if (argc < 4) {
    fprintf(stderr, "usage: interop generate|import|seal|seal-stream|open|open-stream|receipt-issue|receipt-import "
                    "<dir> ... | receipt-verify <receipt> <key>\n");
    return 1;
  }
  const char *cmd = argv[1];
  uint8_t master[32];
  for (int i = 0; i < 32; i++) {
    master[i] = (uint8_t)i;
  }
  custodia_custodian c = {0};
  /* `generate` is the first command on a directory: only it may start a new custodian there. */
  custodia_custodian_options options = {0};
  custodia_status s = custodia_custodian_options_new(&options);
  if (s == CUSTODIA_OK) {
    s = custodia_custodian_options_set_create(options, strcmp(cmd, "generate") == 0);
  }
  if (s == CUSTODIA_OK) {
    s = custodia_custodian_open_master_key(argv[2], master, sizeof master, options, &c);
  }
  custodia_custodian_options_free(options);
  memset(master, 0, sizeof master);
  if (s != CUSTODIA_OK) {
    return fail(s);
  }
  custodia_actor a = {0};
  if ((s = custodia_actor_new("interop.c", "investigator", "DE", CUSTODIA_CLASSIFICATION_SECRET, &a)) !=
      CUSTODIA_OK) {
    custodia_custodian_free(c);
    return fail(s);
  }
  int rc;
  int stream = strcmp(cmd, "seal-stream") == 0 || strcmp(cmd, "open-stream") == 0;
  if (strcmp(cmd, "generate") == 0 && argc == 4) {
    rc = generate(c, a, argv[3]);
  } else if (strcmp(cmd, "import") == 0) {
    rc = import(c, a, argc - 3, argv + 3);
  } else if ((strcmp(cmd, "seal") == 0 || strcmp(cmd, "seal-stream") == 0) && argc >= 6 &&
             argc - 5 <= MAX_RECIPIENTS) {
    rc = seal(c, a, stream, argv[3], argv[4], NULL, argc - 5, argv + 5);
  } else if (strcmp(cmd, "seal-signed") == 0 && argc >= 7 && argc - 6 <= MAX_RECIPIENTS) {
    rc = seal(c, a, 0, argv[3], argv[4], argv[5], argc - 6, argv + 6);
  } else if (strcmp(cmd, "grant") == 0 && argc == 7) {
    rc = grant(c, a, argv[3], argv[4], argv[5], argv[6]);
  } else if (strcmp(cmd, "extend") == 0 && argc == 6) {
    rc = extend(c, a, argv[3], argv[4], argv[5]);
  } else if ((strcmp(cmd, "open") == 0 || strcmp(cmd, "open-stream") == 0) && argc == 6) {
    rc = open_envelope(c, a, stream, argv[3], argv[4], argv[5]);
  } else if (strcmp(cmd, "receipt-issue") == 0 && argc == 6) {
    rc = receipt_issue(c, a, argv[3], argv[4], argv[5]);
  } else if (strcmp(cmd, "receipt-import") == 0 && argc == 4) {
    rc = receipt_import(c, a, argv[3]);
  } else if (strcmp(cmd, "seal-record") == 0 && argc >= 5 && argc - 4 <= MAX_RECIPIENTS) {
    rc = seal_record(c, a, argv[3], argc - 4, argv + 4);
  } else if (strcmp(cmd, "open-record") == 0 && argc == 6) {
    rc = open_record(c, argv[3], argv[4], argv[5]);
  } else {
    fprintf(stderr, "interop: unknown command or wrong arguments: %s\n", cmd);
    rc = 1;
  }
  custodia_actor_free(a);
  custodia_status closed = custodia_custodian_close(c, NULL);
  custodia_custodian_free(c);
  if (rc == 0 && closed != CUSTODIA_OK) {
    rc = fail(closed);
  }
  return rc;
}
