/*
 * Eight threads use the same handles at once: describing one actor, updating one set of seal options, checking
 * that the last error is per thread, and one thread frees a handle the others then find invalid (never a crash).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "custodia.h"
#include "test_util.h"

enum { THREADS = 8, ROUNDS = 200 };

static custodia_actor shared_actor;
static custodia_seal_options shared_options;
static pthread_barrier_t barrier;

static const char *EXPECTED = "anna (prosecutor, DE, clearance secret)";

struct job {
  int index;
  int failures;
};

static void *run(void *arg) {
  struct job *job = arg;
  for (int i = 0; i < ROUNDS; i++) {
    custodia_buffer text = {NULL, 0};
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

  /* One thread frees the shared actor; after the next barrier every thread sees an invalid handle. */
  pthread_barrier_wait(&barrier);
  if (job->index == THREADS - 1 && custodia_actor_free(shared_actor) != CUSTODIA_OK) job->failures++;
  pthread_barrier_wait(&barrier);
  custodia_buffer text = {NULL, 0};
  if (custodia_actor_describe(shared_actor, &text) != CUSTODIA_ERR_INVALID_HANDLE) job->failures++;
  if (custodia_actor_free(shared_actor) != CUSTODIA_ERR_INVALID_HANDLE) job->failures++;
  return NULL;
}

int main(void) {
  CHECK_ABI();
  const char *purposes[] = {"investigation"};
  EXPECT_OK(custodia_actor_new("anna", "prosecutor", "DE", CUSTODIA_CLASSIFICATION_SECRET, &shared_actor));
  EXPECT_OK(custodia_seal_options_new(CUSTODIA_CATEGORY_EVIDENCE, purposes, 1, &shared_options));
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

  /* Everything this program made has been freed. */
  size_t live_handles = 1, live_buffers = 1;
  EXPECT_OK(custodia_live_counts(&live_handles, &live_buffers));
  EXPECT_TRUE(live_handles == 0 && live_buffers == 0);
  if (test_failures != 0) {
    fprintf(stderr, "threads: %d check(s) failed\n", test_failures);
    return 1;
  }
  printf("threads: %d threads x %d rounds on shared handles passed\n", THREADS, ROUNDS);
  return 0;
}
