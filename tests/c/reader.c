/*
 * Random-access reading through the C API (ABI 4): custodia_reader_open_file / _open_fd, custodia_reader_len,
 * custodia_reader_read_at, custodia_reader_free.
 *
 * Attacks: a chunk changed after sealing must fail at read time with no plaintext left in the caller's buffer, also
 * when the read starts in an intact chunk (its bytes are taken back), while intact chunks still read; a refused open
 * must touch no key and yield no handle; a freed reader is an invalid handle.
 *
 * Usage: reader WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "parity_fixture.h"

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: reader WORK_DIR\n");
    return 2;
  }
  struct fixture f;
  fixture_open(&f, argv[1]);
  custodia_buffer env = fixture_seal(&f);
  const uint8_t *plain = f.plain;

  /* ---- chunk boundaries, past the end ---- */
  write_file(fixture_path(&f, "env.cust"), env.data, env.len);
  custodia_reader r = {0};
  custodia_envelope_info info = {0};
  EXPECT_OK(custodia_reader_open_file(f.c, f.anna, "prosecution", (custodia_exception_ground){0}, NULL,
                                      fixture_path(&f, "env.cust"), &r, &info));
  EXPECT_TRUE(strcmp(info.case_ref, "MLA-2026-0042") == 0 && info.recipient_count == 2);
  uint64_t len = 0;
  EXPECT_OK(custodia_reader_len(r, &len));
  EXPECT_TRUE(len == PLAIN_LEN);
  const uint64_t offsets[] = {0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 15 * CHUNK, PLAIN_LEN - 1, 500};
  for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
    uint8_t got[200] = {0};
    size_t n = 0;
    EXPECT_OK(custodia_reader_read_at(r, offsets[k], got, sizeof got, &n));
    size_t want = PLAIN_LEN - offsets[k] < sizeof got ? (size_t)(PLAIN_LEN - offsets[k]) : sizeof got;
    EXPECT_TRUE(n == want && memcmp(got, plain + offsets[k], want) == 0);
  }
  uint8_t one[8] = {0};
  size_t n = 99;
  EXPECT_OK(custodia_reader_read_at(r, PLAIN_LEN, one, sizeof one, &n));
  EXPECT_TRUE(n == 0);
  n = 99;
  EXPECT_OK(custodia_reader_read_at(r, (uint64_t)PLAIN_LEN + 4096, one, sizeof one, &n));
  EXPECT_TRUE(n == 0);
  n = 99;
  EXPECT_OK(custodia_reader_read_at(r, 0, NULL, 0, &n));
  EXPECT_TRUE(n == 0);
  EXPECT_STATUS(custodia_reader_read_at(r, 0, NULL, 4, &n), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_reader_read_at(r, 0, one, sizeof one, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_STATUS(custodia_reader_len(r, NULL), CUSTODIA_ERR_NULL_POINTER);
  EXPECT_OK(custodia_reader_free(r));
  EXPECT_STATUS(custodia_reader_read_at(r, 0, one, sizeof one, &n), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_STATUS(custodia_reader_free(r), CUSTODIA_ERR_INVALID_HANDLE);
  EXPECT_OK(custodia_reader_free((custodia_reader){0}));

  /* ---- a caller-provided descriptor, the envelope starting at its current offset ---- */
  uint8_t *shifted = malloc(env.len + 4);
  EXPECT_TRUE(shifted != NULL);
  if (shifted == NULL) return 1;
  memcpy(shifted, "JUNK", 4);
  memcpy(shifted + 4, env.data, env.len);
  write_file(fixture_path(&f, "shifted.cust"), shifted, env.len + 4);
  free(shifted);
  int fd = open(fixture_path(&f, "shifted.cust"), O_RDONLY);
  EXPECT_TRUE(fd >= 0 && lseek(fd, 4, SEEK_SET) == 4);
  r = (custodia_reader){0};
  EXPECT_OK(custodia_reader_open_fd(f.c, f.anna, "investigation", (custodia_exception_ground){0}, NULL, fd, &r, NULL));
  close(fd); /* the reader keeps its own duplicate */
  n = 0;
  EXPECT_OK(custodia_reader_read_at(r, 130, one, sizeof one, &n));
  EXPECT_TRUE(n == sizeof one && memcmp(one, plain + 130, sizeof one) == 0);
  EXPECT_OK(custodia_reader_free(r));
  r = (custodia_reader){0};
  EXPECT_STATUS(custodia_reader_open_fd(f.c, f.anna, "investigation", (custodia_exception_ground){0}, NULL, -1, &r,
                                        NULL),
                CUSTODIA_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(r.id == 0);

  /* ---- refusal before any key: no handle, no unwrap ---- */
  uint64_t before = unwraps(f.c);
  EXPECT_STATUS(custodia_reader_open_file(f.c, f.anna, "tax.audit", (custodia_exception_ground){0}, NULL,
                                          fixture_path(&f, "env.cust"), &r, NULL),
                CUSTODIA_ERR_PURPOSE_NOT_PERMITTED);
  EXPECT_TRUE(r.id == 0 && unwraps(f.c) == before);
  EXPECT_STATUS(custodia_reader_open_file(f.c, f.anna, "investigation", (custodia_exception_ground){0}, NULL,
                                          fixture_path(&f, "missing.cust"), &r, NULL),
                CUSTODIA_ERR_IO);
  EXPECT_TRUE(r.id == 0);

  /* ---- a chunk changed after sealing: refused at read time, nothing released ---- */
  size_t header_len = env.len - (PLAIN_LEN + 16 * (PLAIN_LEN / CHUNK + 1));
  uint8_t *bad = malloc(env.len);
  EXPECT_TRUE(bad != NULL);
  if (bad == NULL) return 1;
  memcpy(bad, env.data, env.len);
  bad[header_len + 3 * (CHUNK + 16) + 5] ^= 1;
  write_file(fixture_path(&f, "tampered.cust"), bad, env.len);
  free(bad);
  EXPECT_OK(custodia_reader_open_file(f.c, f.anna, "investigation", (custodia_exception_ground){0}, NULL,
                                      fixture_path(&f, "tampered.cust"), &r, NULL));
  uint8_t got[300];
  memset(got, 0, sizeof got);
  n = 77;
  EXPECT_OK(custodia_reader_read_at(r, 0, got, 2 * CHUNK, &n)); /* chunks 0 and 1 are intact */
  EXPECT_TRUE(n == 2 * CHUNK && memcmp(got, plain, n) == 0);
  memset(got, 0, sizeof got);
  n = 77;
  EXPECT_STATUS(custodia_reader_read_at(r, 3 * CHUNK, got, 10, &n), CUSTODIA_ERR_OPEN_FAILED);
  EXPECT_TRUE(n == 77 && all_zero(got, sizeof got));
  /* A range that starts in intact chunk 2 and runs into chunk 3: chunk 2's bytes are taken back. */
  EXPECT_STATUS(custodia_reader_read_at(r, 2 * CHUNK, got, 2 * CHUNK, &n), CUSTODIA_ERR_OPEN_FAILED);
  EXPECT_TRUE(n == 77 && all_zero(got, sizeof got));
  n = 0;
  EXPECT_OK(custodia_reader_read_at(r, 4 * CHUNK, got, CHUNK, &n)); /* later chunks still read */
  EXPECT_TRUE(n == CHUNK && memcmp(got, plain + 4 * CHUNK, CHUNK) == 0);
  EXPECT_OK(custodia_reader_free(r));

  EXPECT_OK(custodia_buffer_free(&env));
  fixture_close(&f);
  FIXTURE_MAIN_END("reader");
}
