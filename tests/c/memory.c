/*
 * custodia_memory_status and custodia_disable_core_dumps (docs/MEMORY.md): the status says the secrets of an open
 * custodian are locked (or counts the refusal: never silent), NULL is refused, and the opt-out of core dumps shows
 * in the status. The opt-out runs in a forked child, so that the sanitizers' own tracing of this process is not
 * affected by it.
 *
 * Usage: memory WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custodia.h"
#include "test_util.h"

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc < 2) return 2;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/custodian", argv[1]);

  EXPECT_STATUS(custodia_memory_status(NULL), CUSTODIA_ERR_NULL_POINTER);
  custodia_memory_protection before = {0};
  EXPECT_OK(custodia_memory_status(&before));

  uint8_t key[32] = {0};
  memset(key, 0x5c, sizeof key);
  custodia_custodian_options options = {0};
  EXPECT_OK(custodia_custodian_options_new(&options));
  EXPECT_OK(custodia_custodian_options_set_create(options, true));
  custodia_custodian c = {0};
  EXPECT_OK(custodia_custodian_open_master_key(dir, key, sizeof key, options, &c));
  custodia_actor anna = {0};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &anna));
  custodia_key_id kek;
  EXPECT_OK(custodia_key_generate(c, anna, CUSTODIA_KEY_KIND_KEK, "kek", &kek));

  custodia_memory_protection open = {0};
  EXPECT_OK(custodia_memory_status(&open));
  /* The keyring's file key and secrets and the audit signing key are in the pool now. */
  EXPECT_TRUE(open.live_secrets > before.live_secrets);
  EXPECT_TRUE(open.locked_bytes > 0 || (open.lock_failures > 0 && open.unlocked_bytes > 0));
  EXPECT_TRUE(open.dumpable == 1 || open.dumpable == -1);

  EXPECT_OK(custodia_actor_free(anna));
  EXPECT_OK(custodia_custodian_free(c));
  EXPECT_OK(custodia_custodian_options_free(options));
  custodia_memory_protection closed = {0};
  EXPECT_OK(custodia_memory_status(&closed));
  EXPECT_TRUE(closed.live_secrets == before.live_secrets); /* every secret released */

  fflush(NULL);
  pid_t child = fork();
  if (child == 0) {
    custodia_memory_protection s = {0};
    int bad = custodia_disable_core_dumps() != CUSTODIA_OK;
    bad |= custodia_memory_status(&s) != CUSTODIA_OK;
    bad |= s.dumpable != 0;
    _exit(bad);
  }
  int wstatus = 0;
  EXPECT_TRUE(child > 0 && waitpid(child, &wstatus, 0) == child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  return test_failures == 0 ? 0 : 1;
}
