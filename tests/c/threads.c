/*
 * Eight threads use the same handles at once: sealing and opening through one custodian, describing one actor,
 * updating one set of seal options, checking that the last error is per thread; then one thread frees handles the
 * others find invalid right after (never a crash).
 *
 * Usage: threads WORK_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

enum { THREADS = 8, ROUNDS = 200, SEAL_ROUNDS = 12 };

static custodia_custodian shared_custodian;
static custodia_actor shared_actor;
static custodia_seal_options shared_options;
static custodia_seal_options seal_options;
static pthread_barrier_t barrier;

static const char *EXPECTED = "anna (prosecutor, DE, clearance secret)";

struct job {
  int index;
  int failures;
};

/* Seal a message naming this thread and round, open it, compare. */
static void seal_and_open(struct job *job, int round) {
  char message[64];
  int len = snprintf(message, sizeof message, "thread %d, round %d: statement of account", job->index, round);
  custodia_buffer envelope = {0}, plaintext = {0};
  custodia_exception_ground none = {0};
  if (custodia_seal(shared_custodian, shared_actor, (const uint8_t *)message, (size_t)len, seal_options, &envelope) !=
      CUSTODIA_OK) {
    fprintf(stderr, "thread %d: seal: %s\n", job->index, custodia_last_error_message());
    job->failures++;
    return;
  }
  if (custodia_open(shared_custodian, shared_actor, "investigation.financial", none, envelope.data, envelope.len, NULL,
                    &plaintext, NULL) != CUSTODIA_OK) {
    fprintf(stderr, "thread %d: open: %s\n", job->index, custodia_last_error_message());
    job->failures++;
  } else if (plaintext.len != (size_t)len || memcmp(plaintext.data, message, plaintext.len) != 0) {
    job->failures++;
  }
  if (custodia_open(shared_custodian, shared_actor, "extradition", none, envelope.data, envelope.len, NULL, &plaintext,
                    NULL) != CUSTODIA_ERR_PURPOSE_NOT_PERMITTED) {
    job->failures++;
  }
  if (custodia_buffer_free(&plaintext) != CUSTODIA_OK || custodia_buffer_free(&envelope) != CUSTODIA_OK) {
    job->failures++;
  }
}

static void *run(void *arg) {
  struct job *job = arg;
  for (int i = 0; i < SEAL_ROUNDS; i++) seal_and_open(job, i);
  for (int i = 0; i < ROUNDS; i++) {
    custodia_buffer text = {0};
    if (custodia_actor_describe(shared_actor, &text) != CUSTODIA_OK || text.len != strlen(EXPECTED) ||
        memcmp(text.data, EXPECTED, text.len) != 0) {
      job->failures++;
    }
    if (custodia_buffer_free(&text) != CUSTODIA_OK) job->failures++;
    if (custodia_seal_options_set_not_after(shared_options, (uint64_t)(1900000000 + job->index)) != CUSTODIA_OK) {
      job->failures++;
    }
  }

  /* The last error is per thread: each thread fails differently, waits for all others to fail, then checks its own. */
  char expected[64];
  snprintf(expected, sizeof expected, "unknown category code %d", 100 + job->index);
  const char *name = NULL;
  if (custodia_category_name((uint32_t)(100 + job->index), &name) != CUSTODIA_ERR_UNKNOWN_CODE) job->failures++;
  pthread_barrier_wait(&barrier);
  if (strstr(custodia_last_error_message(), expected) == NULL) {
    fprintf(stderr, "thread %d: last error \"%s\" lacks \"%s\"\n", job->index, custodia_last_error_message(), expected);
    job->failures++;
  }

  /* One thread frees the shared actor and the custodian; after the next barrier every thread sees invalid
   * handles. */
  pthread_barrier_wait(&barrier);
  if (job->index == THREADS - 1) {
    if (custodia_actor_free(shared_actor) != CUSTODIA_OK) job->failures++;
    if (custodia_custodian_free(shared_custodian) != CUSTODIA_OK) job->failures++;
  }
  pthread_barrier_wait(&barrier);
  custodia_buffer text = {0};
  if (custodia_actor_describe(shared_actor, &text) != CUSTODIA_ERR_INVALID_HANDLE) job->failures++;
  if (custodia_actor_free(shared_actor) != CUSTODIA_ERR_INVALID_HANDLE) job->failures++;
  custodia_key_list keys = {0};
  if (custodia_key_list_new(shared_custodian, &keys) != CUSTODIA_ERR_INVALID_HANDLE) job->failures++;
  return NULL;
}

int main(int argc, char **argv) {
  CHECK_ABI();
  if (argc != 2) {
    fprintf(stderr, "usage: threads WORK_DIR\n");
    return 2;
  }
  const char *purposes[] = {"investigation"};
  const uint8_t master_key[32] = {42};
  custodia_custodian_options options = {0};
  custodia_key_id kek;
  EXPECT_OK(custodia_custodian_options_new(&options));
  EXPECT_OK(custodia_custodian_options_set_durability(options, CUSTODIA_DURABILITY_GROUP_COMMIT, THREADS, 500));
  EXPECT_OK(custodia_custodian_options_set_create(options, true));
  EXPECT_OK(custodia_custodian_open_master_key(argv[1], master_key, sizeof master_key, options, &shared_custodian));
  EXPECT_OK(custodia_custodian_options_free(options));
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &shared_actor));
  EXPECT_OK(custodia_key_generate(shared_custodian, shared_actor, CUSTODIA_KEY_KIND_KEK, "threads", &kek));
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &shared_options));
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_FINANCIAL_RECORDS, purposes, 1, &seal_options));
  EXPECT_OK(custodia_seal_options_add_recipient(seal_options, &kek));
  if (pthread_barrier_init(&barrier, NULL, THREADS) != 0) return 2;

  pthread_t threads[THREADS];
  struct job jobs[THREADS];
  for (int i = 0; i < THREADS; i++) {
    jobs[i].index = i;
    jobs[i].failures = 0;
    if (pthread_create(&threads[i], NULL, run, &jobs[i]) != 0) return 2;
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    test_failures += jobs[i].failures;
  }
  pthread_barrier_destroy(&barrier);
  EXPECT_OK(custodia_seal_options_free(shared_options));
  EXPECT_OK(custodia_seal_options_free(seal_options));

  /* Everything this program made has been freed. */
  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "threads: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("threads: %d threads x (%d seal+open, %d describe) on shared handles passed\n", THREADS, SEAL_ROUNDS, ROUNDS);
  return 0;
}
