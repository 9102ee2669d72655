/* libFuzzer target: log lines (raw when the first byte is even, JSON otherwise) through the
 * parser and the template miners into count series. Texts, levels and series names must be
 * readable and bounded; the miners' state must round-trip. The zero-copy JSON path must give
 * the records and counters of the jansson path (differential). */
#include "log_lines.h"
#include "log_series.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int check_series(void *ctx, const struct metric_record *r)
{
    (void)ctx;
    if (r->name_len == 0 || r->name_len > 200 || r->value != 1.0) __builtin_trap();
    volatile char sink = r->name[r->name_len - 1];
    (void)sink;
    return 0;
}

static int check(void *ctx, const struct log_record *r)
{
    if (r->text_len > LOG_MAX_LINE || (r->level && r->level_len == 0)) __builtin_trap();
    if (r->text_len) {
        volatile char sink = r->text[r->text_len - 1];
        (void)sink;
    }
    if (log_series_add(ctx, r, check_series, NULL) < -1) __builtin_trap();
    return 0;
}

/* FNV-1a over a record's text, time and level, chained: a digest of the record sequence. */
static int digest(void *ctx, const struct log_record *r)
{
    uint64_t *h = ctx;
    const unsigned char *parts[2] = {(const unsigned char *)r->text,
                                     (const unsigned char *)r->level};
    size_t lens[2] = {r->text_len, r->level ? r->level_len : 0};
    for (int p = 0; p < 2; p++)
        for (size_t a = 0; a < lens[p]; a++) *h = (*h ^ parts[p][a]) * 1099511628211ULL;
    *h = (*h ^ (uint64_t)r->ts_ns) * 1099511628211ULL;
    *h = (*h ^ (uint64_t)(r->level != NULL)) * 1099511628211ULL;
    return 0;
}

static void differential(const uint8_t *data, size_t size, const struct log_format *f)
{
    uint64_t ha = 14695981039346656037ULL, hb = ha;
    struct reject_stats sa = {0}, sb = {0};
    log_lines_parse((const char *)data, size, f, "fz", 2, 0, digest, &ha, &sa);
    log_lines_parse_jansson((const char *)data, size, f, "fz", 2, 0, digest, &hb, &sb);
    if (ha != hb || sa.lines != sb.lines || sa.records != sb.records) __builtin_trap();
    for (int a = 0; a < REJECT_REASONS; a++)
        if (sa.rejected[a] != sb.rejected[a]) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    struct log_format f;
    log_format_default(&f, data[0] & 1);
    struct drain_params dp;
    drain_params_default(&dp);
    dp.max_clusters = 50;
    char err[256];
    struct log_series *ls = log_series_new(&dp, 4, err, sizeof err);
    struct reject_stats st = {0};
    log_lines_parse((const char *)data + 1, size - 1, &f, "fz", 2, 0, check, ls, &st);
    if (f.json) differential(data + 1, size - 1, &f);
    size_t len, len2;
    char *saved = log_series_save(ls, &len);
    struct log_series *back = log_series_load(saved, len, &dp, 4, err, sizeof err);
    if (!back) __builtin_trap();
    char *again = log_series_save(back, &len2);
    if (len != len2 || memcmp(saved, again, len) != 0) __builtin_trap();
    free(saved);
    free(again);
    log_series_free(back);
    log_series_free(ls);
    return 0;
}
