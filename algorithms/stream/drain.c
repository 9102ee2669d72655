#include "drain.h"

#include "utf8.h"

#include "xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char WILD[] = "<*>";
static const char MASK[] = "<#>";

struct node {
    char *key;
    struct node **child;
    int nchild, capchild;
    int *clusters; /* leaf: cluster ids */
    int nclusters, capclusters;
};

struct cluster {
    int ntok, plen;
    char **tok;  /* template */
    char **path; /* routing keys from the root */
    long count;
};

struct drain {
    struct drain_params p;
    struct node root;
    struct cluster *cl; /* cl[id - 1] */
    int ncl;
    long overflow;
    char *scratch;
    size_t scratch_cap;
    char (*tok)[DRAIN_MAX_TOKEN]; /* DRAIN_MAX_TOKENS token buffers for drain_add */
};

void drain_params_default(struct drain_params *p)
{
    p->depth = 4;
    p->sim_threshold = 0.4;
    p->max_children = 100;
    p->max_clusters = 10000;
    p->mask = 1;
}

struct drain *drain_new(const struct drain_params *p, char *err, size_t errlen)
{
    if (p->depth < 3 || p->depth > 16 || !(p->sim_threshold > 0 && p->sim_threshold <= 1) ||
        p->max_children < 2 || p->max_clusters < 1 || p->max_clusters > 10000000 ||
        (p->mask != 0 && p->mask != 1)) {
        snprintf(err, errlen,
                 "drain: depth, similarity, max_children, max_clusters or mask out of range");
        return NULL;
    }
    struct drain *d = xcalloc(1, sizeof *d);
    d->p = *p;
    d->cl = xmallocarray((size_t)p->max_clusters, sizeof *d->cl);
    d->tok = xmallocarray(DRAIN_MAX_TOKENS, sizeof *d->tok);
    return d;
}

static void node_free(struct node *n)
{
    for (int a = 0; a < n->nchild; a++) {
        node_free(n->child[a]);
        free(n->child[a]);
    }
    free(n->child);
    free(n->clusters);
    free(n->key);
}

static void free_tokens(char **t, int n)
{
    for (int a = 0; a < n; a++) free(t[a]);
    free(t);
}

void drain_free(struct drain *d)
{
    if (!d) return;
    node_free(&d->root);
    for (int a = 0; a < d->ncl; a++) {
        free_tokens(d->cl[a].tok, d->cl[a].ntok);
        free_tokens(d->cl[a].path, d->cl[a].plen);
    }
    free(d->cl);
    free(d->scratch);
    free(d->tok);
    free(d);
}

/* A token separator: whitespace, and NUL (a NUL inside a token would cut it short as a C
 * string and make the saved state unreadable; found by fuzzing). */
static int is_sep(char c)
{
    return c == '\0' || isspace((unsigned char)c);
}

/* Splits line into at most DRAIN_MAX_TOKENS separated tokens (cut to at most DRAIN_MAX_TOKEN - 1
 * bytes, never inside a character), written NUL-terminated into buf. Returns the count. */
static int tokenize(const char *line, size_t len, char buf[][DRAIN_MAX_TOKEN])
{
    int n = 0;
    size_t at = 0;
    while (at < len && n < DRAIN_MAX_TOKENS) {
        while (at < len && is_sep(line[at])) at++;
        if (at == len) break;
        size_t start = at;
        while (at < len && !is_sep(line[at])) at++;
        size_t m = utf8_cut(line + start, at - start, DRAIN_MAX_TOKEN - 1); /* whole chars */
        memcpy(buf[n], line + start, m);
        buf[n][m] = '\0';
        n++;
    }
    return n;
}

static int has_digit(const char *s)
{
    for (; *s; s++)
        if (isdigit((unsigned char)*s)) return 1;
    return 0;
}

/* A value-like core: a number, time, date, address or id (digits with . : - + / , x), a 0x hex
 * number, a hex string of 8+ characters with a digit, or a number with a unit of up to three
 * letters. */
static int value_like(const char *s, size_t n)
{
    if (n == 0) return 0;
    int digits = 0, hex = 1;
    for (size_t a = 0; a < n; a++) {
        unsigned char c = (unsigned char)s[a];
        if (isdigit(c)) digits++;
        if (!isxdigit(c)) hex = 0;
    }
    if (!digits) return 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return 1;
    if (hex && n >= 8) return 1;
    /* a quantity with a unit: "12ms", "1.5s", "10KB" (at most 3 trailing letters) */
    size_t letters = 0;
    while (letters < n && isalpha((unsigned char)s[n - 1 - letters])) letters++;
    if (letters > 0 && letters <= 3 && letters < n && isdigit((unsigned char)s[n - 1 - letters]))
        n -= letters;
    for (size_t a = 0; a < n; a++) {
        unsigned char c = (unsigned char)s[a];
        if (!isdigit(c) && !strchr(".:-+/,_#%", c)) return 0;
    }
    return 1;
}

/* A host name or address with a port: two or more dots, lower-case letters, digits, '-' and an
 * optional ":port". */
static int host_like(const char *s, size_t n)
{
    int dots = 0;
    for (size_t a = 0; a < n; a++) {
        unsigned char c = (unsigned char)s[a];
        if (c == '.') {
            if (a == 0 || a + 1 == n || s[a - 1] == '.') return 0;
            dots++;
        } else if (c == ':') {
            return dots >= 2 && value_like(s + a + 1, n - a - 1);
        } else if ((!isalnum(c) && c != '-') || isupper(c)) {
            return 0; /* upper case: a qualified name (java.lang.Foo), not a host */
        }
    }
    return dots >= 2;
}

/* Masks a variable token in place (drain_params.mask): the value-like core of the token, with
 * any brackets, quotes and trailing punctuation kept, becomes "<#>"; "key=value" keeps the key. */
static void mask_token(char *t)
{
    size_t n = strlen(t), s = 0, e = n;
    const char *eq = strchr(t, '=');
    if (eq) s = (size_t)(eq - t) + 1;
    while (s < e && strchr("([{<\"'", t[s])) s++;
    while (e > s && strchr(")]}>\"',;.:", t[e - 1])) e--;
    if (e == s || !(value_like(t + s, e - s) || host_like(t + s, e - s))) return;
    size_t tail = n - e;
    if (s + 3 + tail >= DRAIN_MAX_TOKEN) return;
    memmove(t + s + 3, t + e, tail + 1);
    memcpy(t + s, MASK, 3);
}

static struct node *find_child(const struct node *n, const char *key)
{
    for (int a = 0; a < n->nchild; a++)
        if (strcmp(n->child[a]->key, key) == 0) return n->child[a];
    return NULL;
}

static struct node *add_child(struct node *n, const char *key)
{
    if (n->nchild == n->capchild) {
        n->capchild = n->capchild ? 2 * n->capchild : 4;
        n->child = xrealloc(n->child, (size_t)n->capchild * sizeof *n->child);
    }
    struct node *c = xcalloc(1, sizeof *c);
    c->key = xstrdup(key);
    n->child[n->nchild++] = c;
    return c;
}

static int path_length(const struct drain *d, int ntok)
{
    int inner = d->p.depth - 2;
    return 1 + (ntok < inner ? ntok : inner);
}

/* Follows the tree for a search; returns the leaf or NULL. */
static struct node *search(struct drain *d, char tok[][DRAIN_MAX_TOKEN], int ntok)
{
    char lenkey[16];
    snprintf(lenkey, sizeof lenkey, "%d", ntok);
    struct node *n = find_child(&d->root, lenkey);
    for (int a = 0; n && a < path_length(d, ntok) - 1; a++) {
        struct node *c = find_child(n, tok[a]);
        n = c ? c : find_child(n, WILD);
    }
    return n;
}

/* Similarity of tok to cluster c and its number of wildcards. */
static double similarity(const struct cluster *c, char tok[][DRAIN_MAX_TOKEN], int ntok,
                         int *params)
{
    int same = 0;
    *params = 0;
    for (int a = 0; a < ntok; a++) {
        if (strcmp(c->tok[a], WILD) == 0)
            (*params)++;
        else if (strcmp(c->tok[a], tok[a]) == 0)
            same++;
    }
    return ntok ? (double)same / ntok : 1.0;
}

static void leaf_add(struct node *leaf, int id)
{
    if (leaf->nclusters == leaf->capclusters) {
        leaf->capclusters = leaf->capclusters ? 2 * leaf->capclusters : 4;
        leaf->clusters = xrealloc(leaf->clusters, (size_t)leaf->capclusters * sizeof(int));
    }
    leaf->clusters[leaf->nclusters++] = id;
}

/* Walks (creating) the nodes of path[0..plen) and returns the leaf. */
static struct node *insert_path(struct node *root, char **path, int plen)
{
    struct node *n = root;
    for (int a = 0; a < plen; a++) {
        struct node *c = find_child(n, path[a]);
        n = c ? c : add_child(n, path[a]);
    }
    return n;
}

static int new_cluster(struct drain *d, char tok[][DRAIN_MAX_TOKEN], int ntok)
{
    if (d->ncl == d->p.max_clusters) {
        d->overflow++;
        return 0;
    }
    struct cluster *c = &d->cl[d->ncl];
    c->ntok = ntok;
    c->count = 1;
    c->tok = xmallocarray((size_t)(ntok ? ntok : 1), sizeof(char *));
    for (int a = 0; a < ntok; a++) c->tok[a] = xstrdup(tok[a]);
    /* the routing keys: token count, then the first tokens (digits or a full node: wildcard) */
    c->plen = path_length(d, ntok);
    c->path = xmallocarray((size_t)c->plen, sizeof(char *));
    char lenkey[16];
    snprintf(lenkey, sizeof lenkey, "%d", ntok);
    c->path[0] = xstrdup(lenkey);
    struct node *n = find_child(&d->root, lenkey);
    if (!n) n = add_child(&d->root, lenkey);
    for (int a = 1; a < c->plen; a++) {
        const char *t = tok[a - 1];
        const char *key = has_digit(t) || strstr(t, MASK) ? WILD : t;
        struct node *ch = find_child(n, key);
        if (!ch && strcmp(key, WILD) != 0 && n->nchild >= d->p.max_children) key = WILD;
        ch = find_child(n, key);
        if (!ch) ch = add_child(n, key);
        c->path[a] = xstrdup(key);
        n = ch;
    }
    leaf_add(n, d->ncl + 1);
    return ++d->ncl;
}

int drain_add(struct drain *d, const char *line, size_t len)
{
    char(*tok)[DRAIN_MAX_TOKEN] = d->tok;
    int ntok = tokenize(line, len, tok);
    if (d->p.mask)
        for (int a = 0; a < ntok; a++) mask_token(tok[a]);
    struct node *leaf = search(d, tok, ntok);
    int best = 0, best_params = -1;
    double best_sim = -1;
    for (int a = 0; leaf && a < leaf->nclusters; a++) {
        int id = leaf->clusters[a], params;
        double sim = similarity(&d->cl[id - 1], tok, ntok, &params);
        if (sim > best_sim || (sim == best_sim && params > best_params)) {
            best_sim = sim;
            best_params = params;
            best = id;
        }
    }
    if (best && best_sim >= d->p.sim_threshold) {
        struct cluster *c = &d->cl[best - 1];
        for (int a = 0; a < ntok; a++)
            if (strcmp(c->tok[a], tok[a]) != 0 && strcmp(c->tok[a], WILD) != 0) {
                free(c->tok[a]);
                c->tok[a] = xstrdup(WILD);
            }
        c->count++;
        return best;
    }
    return new_cluster(d, tok, ntok);
}

static const char *join(struct drain *d, char **t, int n)
{
    size_t need = 1;
    for (int a = 0; a < n; a++) need += strlen(t[a]) + 1;
    if (need > d->scratch_cap) {
        d->scratch_cap = need;
        d->scratch = xrealloc(d->scratch, need);
    }
    size_t at = 0;
    for (int a = 0; a < n; a++) {
        size_t m = strlen(t[a]);
        if (a) d->scratch[at++] = ' ';
        memcpy(d->scratch + at, t[a], m);
        at += m;
    }
    d->scratch[at] = '\0';
    return d->scratch;
}

const char *drain_template(struct drain *d, int id)
{
    if (id < 1 || id > d->ncl) return NULL;
    return join(d, d->cl[id - 1].tok, d->cl[id - 1].ntok);
}

int drain_nclusters(const struct drain *d)
{
    return d->ncl;
}

long drain_overflow(const struct drain *d)
{
    return d->overflow;
}

/* Appends printf output to a growing buffer. */
static void buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap = 2 * *cap + (size_t)(n > 0 ? n : 64);
        *buf = xrealloc(*buf, *cap);
    }
}

char *drain_save(const struct drain *d, size_t *len)
{
    size_t cap = 256, n = 0;
    char *buf = xmalloc(cap);
    buf_printf(&buf, &n, &cap, "drain2 %d %.17g %d %d %d %d %ld\n", d->p.depth, d->p.sim_threshold,
               d->p.max_children, d->p.max_clusters, d->p.mask, d->ncl, d->overflow);
    for (int a = 0; a < d->ncl; a++) {
        const struct cluster *c = &d->cl[a];
        buf_printf(&buf, &n, &cap, "%d %ld %d %d\t", a + 1, c->count, c->plen, c->ntok);
        for (int b = 0; b < c->plen; b++)
            buf_printf(&buf, &n, &cap, "%s%s", b ? " " : "", c->path[b]);
        buf_printf(&buf, &n, &cap, "\t");
        for (int b = 0; b < c->ntok; b++)
            buf_printf(&buf, &n, &cap, "%s%s", b ? " " : "", c->tok[b]);
        buf_printf(&buf, &n, &cap, "\n");
    }
    *len = n;
    return buf;
}

/* Splits s[0..len) on single spaces into exactly `want` new strings, or returns NULL. Every
 * token must be one the tokenizer can produce: non-empty, without separator bytes (NUL,
 * whitespace) - a NUL would silently shorten it and corrupt the next save. */
static char **split_exact(const char *s, size_t len, int want)
{
    char **out = xcalloc((size_t)(want ? want : 1), sizeof(char *));
    int n = 0;
    size_t at = 0;
    while (at < len && n < want) {
        size_t start = at;
        while (at < len && s[at] != ' ') {
            if (is_sep(s[at])) break;
            at++;
        }
        if (at == start || (at < len && s[at] != ' ')) break;
        out[n] = xmalloc(at - start + 1);
        memcpy(out[n], s + start, at - start);
        out[n][at - start] = '\0';
        n++;
        if (at < len) at++;
    }
    if (n != want || at < len) {
        free_tokens(out, n);
        return NULL;
    }
    return out;
}

struct drain *drain_load(const char *text, size_t len, char *err, size_t errlen)
{
    struct drain_params p;
    int ncl;
    long overflow;
    int used = 0;
    char head[160];
    size_t hl = 0;
    while (hl < len && hl < sizeof head - 1 && text[hl] != '\n') hl++;
    memcpy(head, text, hl);
    head[hl] = '\0';
    if (hl == len ||
        sscanf(head, "drain2 %d %lf %d %d %d %d %ld%n", &p.depth, &p.sim_threshold, &p.max_children,
               &p.max_clusters, &p.mask, &ncl, &overflow, &used) != 7 ||
        used != (int)hl) {
        snprintf(err, errlen, "drain state: line 1: bad header");
        return NULL;
    }
    struct drain *d = drain_new(&p, err, errlen);
    if (!d) return NULL;
    if (ncl < 0 || ncl > p.max_clusters) {
        snprintf(err, errlen, "drain state: line 1: %d clusters out of range", ncl);
        goto fail;
    }
    d->overflow = overflow;
    size_t at = hl + 1;
    for (int a = 0; a < ncl; a++) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        const char *t1 = memchr(text + at, '\t', end - at);
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(text + end - t1 - 1)) : NULL;
        int id, plen, ntok;
        long count;
        char nums[64];
        size_t nl = t1 ? (size_t)(t1 - (text + at)) : 0;
        if (!t2 || nl >= sizeof nums) goto bad_line;
        memcpy(nums, text + at, nl);
        nums[nl] = '\0';
        if (sscanf(nums, "%d %ld %d %d", &id, &count, &plen, &ntok) != 4 || id != a + 1 ||
            plen < 1 || plen != path_length(d, ntok) || ntok < 0 || ntok > DRAIN_MAX_TOKENS)
            goto bad_line;
        char **path = split_exact(t1 + 1, (size_t)(t2 - t1 - 1), plen);
        char **tok = split_exact(t2 + 1, (size_t)(text + end - t2 - 1), ntok);
        if (!path || !tok) {
            if (path) free_tokens(path, plen);
            if (tok) free_tokens(tok, ntok);
            goto bad_line;
        }
        struct cluster *c = &d->cl[d->ncl++];
        c->ntok = ntok;
        c->plen = plen;
        c->tok = tok;
        c->path = path;
        c->count = count;
        leaf_add(insert_path(&d->root, path, plen), id);
        at = end + 1;
        continue;
    bad_line:
        snprintf(err, errlen, "drain state: line %d: malformed cluster", a + 2);
        goto fail;
    }
    return d;
fail:
    drain_free(d);
    return NULL;
}
