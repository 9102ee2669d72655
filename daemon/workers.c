#include "workers.h"

#include "logmsg.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct job {
    job_fn fn;
    void *arg;
    struct job *next;
};

struct workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    int stopping, n, alive, nice;
    pthread_t *th;
};

/* This thread's nice value raised by inc (setpriority on a thread id is per thread on Linux). */
static void lower_priority(int inc)
{
    if (inc <= 0) return;
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int cur = getpriority(PRIO_PROCESS, tid);
    if (cur == -1 && errno) return;
    int want = cur + inc > 19 ? 19 : cur + inc;
    if (setpriority(PRIO_PROCESS, tid, want) != 0)
        logmsg(LOG_WARNING, "worker_nice: could not lower a worker's priority to nice %d (%s)",
               want, strerror(errno));
}

static void *run(void *arg)
{
    struct workers *w = arg;
    lower_priority(w->nice);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head) break; /* stopping and drained */
        struct job *j = w->head;
        w->head = j->next;
        if (!w->head) w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&w->mu);
    }
    w->alive--;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct workers *workers_start(int n, int nice)
{
    struct workers *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->nice = nice;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->th = calloc((size_t)n, sizeof *w->th);
    for (int a = 0; a < n; a++) {
        if (pthread_create(&w->th[a], NULL, run, w)) break;
        w->n++;
        w->alive++;
    }
    if (w->n == 0) {
        free(w->th);
        free(w);
        return NULL;
    }
    return w;
}

void workers_submit(struct workers *w, job_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int workers_alive(struct workers *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->alive;
    pthread_mutex_unlock(&w->mu);
    return n;
}

static volatile int cancel_flag;

const volatile int *workers_cancel_flag(void)
{
    return &cancel_flag;
}

void workers_cancel_all(void)
{
    cancel_flag = 1;
}

void workers_stop(struct workers *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (int a = 0; a < w->n; a++) pthread_join(w->th[a], NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->th);
    free(w);
}

void workers_wait_idle(pthread_mutex_t *mu, const int *busy)
{
    for (;;) {
        pthread_mutex_lock(mu);
        int b = *busy;
        pthread_mutex_unlock(mu);
        if (!b) return;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}
