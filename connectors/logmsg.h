/*
 * logmsg.h - the daemon's diagnostic log: one line per message on stderr, with the syslog
 * priority prefix ("<3>") that journald understands when stderr is the journal (JOURNAL_STREAM
 * set), plain text otherwise. Thread-safe (one write(2) per line).
 */
#ifndef CAUSALMON_LOGMSG_H
#define CAUSALMON_LOGMSG_H

#include <time.h>

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Messages above this level are dropped (default LOG_INFO). */
void logmsg_set_level(enum log_level max);

void logmsg(enum log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A rate limit: at most one message per `interval_s`; counts what it suppressed. */
struct log_limit {
    time_t last;
    long suppressed;
};

/* Like logmsg, but at most once per second for this limit; the next message that passes says
 * how many were suppressed. Thread: the limit's owner. */
void logmsg_limited(struct log_limit *lim, enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
