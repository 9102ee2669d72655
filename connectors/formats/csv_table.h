/*
 * csv_table.h - reading a CSV file of aligned series (the `discover`/`cdnod`/`rca` input).
 *
 * Format: a header row; an optional first column named `time` or `timestamp` (epoch seconds,
 * epoch ms or RFC 3339, strictly increasing); every other column numeric. Empty cells and the
 * literals NaN, nan and NA (as pandas and R write them) are missing values (stored as NaN).
 * Fields may be double-quoted (RFC 4180, no newlines inside quotes); spaces around fields are
 * ignored. Lines end in LF, CRLF or a lone CR; a UTF-8 byte order mark before the header is
 * skipped. Blank lines are skipped.
 *
 * Limits: at most CSV_MAX_COLUMNS data columns, CSV_MAX_LINE bytes per line and CSV_MAX_CELLS
 * cells in all. Every error message starts with "FILE:LINE:COL:" (COL is the 1-based byte
 * column of the offending cell) or "FILE:" and says what was wrong.
 */
#ifndef CAUSALMON_CSV_TABLE_H
#define CAUSALMON_CSV_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_COLUMNS 1000
#define CSV_MAX_LINE    (1 << 20)
#define CSV_MAX_CELLS   50000000L

struct csv_table {
    int ncols; /* data columns, excluding the time column */
    int rows;
    char **names;    /* [ncols] */
    double *values;  /* [rows * ncols], row-major, NaN = missing */
    double *times;   /* [rows] epoch seconds, or NULL without a time column */
    char *time_name; /* header of the time column, or NULL */
};

/* Reads `path` ("-" = stdin). Returns a table the caller owns (csv_table_free), or NULL with the
 * message in err. Main thread (it does blocking file I/O). */
struct csv_table *csv_table_read(const char *path, char *err, size_t errlen);
/* Same, from an open stream; `label` names it in messages. The stream is not closed. */
struct csv_table *csv_table_read_stream(FILE *f, const char *label, char *err, size_t errlen);
void csv_table_free(struct csv_table *t);

/* Writes s as one CSV field to f: as is, or double-quoted with quotes doubled (RFC 4180) when
 * it holds a comma, a double quote, a CR or LF, or leading/trailing blanks (which the reader
 * trims). Returns 0, or -1 on a write error. Any thread. */
int csv_write_field(FILE *f, const char *s);

#endif
