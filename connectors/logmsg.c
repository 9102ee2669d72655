#include "logmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum log_level max_level = LOG_INFO;

void logmsg_set_level(enum log_level max)
{
    max_level = max;
}

static void vlog(enum log_level lv, const char *suffix, const char *fmt, va_list ap)
{
    char line[2048];
    size_t n = 0;
    if (getenv("JOURNAL_STREAM"))
        n = (size_t)snprintf(line, sizeof line, "<%d>", (int)lv);
    else
        n = (size_t)snprintf(line, sizeof line, "causalmon: ");
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    n = m < 0 ? n : n + (size_t)m < sizeof line - 2 ? n + (size_t)m : sizeof line - 2;
    if (suffix) {
        int k = snprintf(line + n, sizeof line - n - 1, "%s", suffix);
        n = k < 0 ? n : n + (size_t)k < sizeof line - 2 ? n + (size_t)k : sizeof line - 2;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void logmsg(enum log_level lv, const char *fmt, ...)
{
    if (lv > max_level) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(lv, NULL, fmt, ap);
    va_end(ap);
}

void logmsg_limited(struct log_limit *lim, enum log_level lv, const char *fmt, ...)
{
    if (lv > max_level) return;
    time_t now = time(NULL);
    if (lim->last == now) {
        lim->suppressed++;
        return;
    }
    lim->last = now;
    char suffix[64] = "";
    if (lim->suppressed)
        snprintf(suffix, sizeof suffix, " (%ld similar suppressed)", lim->suppressed);
    lim->suppressed = 0;
    va_list ap;
    va_start(ap, fmt);
    vlog(lv, suffix[0] ? suffix : NULL, fmt, ap);
    va_end(ap);
}
