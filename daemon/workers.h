/*
 * workers.h - a fixed pool of threads for model refreshes, so the event loop never waits for
 * linear algebra (docs/architecture.md §1). Jobs are queued FIFO; the queue is bounded by the
 * caller (one job in flight per scope). OpenBLAS is single-threaded in the process (main.c).
 */
#ifndef CAUSALMON_WORKERS_H
#define CAUSALMON_WORKERS_H

#include <pthread.h>

typedef void (*job_fn)(void *arg);

struct workers;

/* Starts n threads, each at `nice` (0 to 19) above the caller's nice value: a refresh takes
 * the cores the event loop leaves, so ingest keeps up while refreshes run (Linux keeps a nice
 * value per thread; SCHED_IDLE would starve a refresh on a busy machine, SCHED_BATCH alone
 * does not yield to the loop). A nice value that cannot be set is left as it is. Returns NULL
 * on failure. */
struct workers *workers_start(int n, int nice);
/* Queues fn(arg); the job owns arg. Thread: the loop. */
void workers_submit(struct workers *w, job_fn fn, void *arg);
/* Number of threads alive (for the watchdog). */
int workers_alive(struct workers *w);
/* Waits until *busy (guarded by mu) is 0: the owner of a job in flight waits for it before
 * freeing what the job points at. Any thread but a worker. */
void workers_wait_idle(pthread_mutex_t *mu, const int *busy);
/* Runs the queued jobs to the end, then joins every thread and frees the pool. */
void workers_stop(struct workers *w);

/* Process-wide cancellation of long jobs: refreshes and rankings pass the flag to PCMCI+
 * (pcmci_params.cancel), which polls it before every test. workers_cancel_all() is called at
 * shutdown (any thread, async-signal-safe), so the workers end within moments. */
const volatile int *workers_cancel_flag(void);
void workers_cancel_all(void);

#endif
