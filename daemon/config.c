/*
 * config.c - the YAML parser that fills a struct config from the option table
 * (config_table.c): defaults first, then each key of the file checked against its row (an
 * input's keys against the common rows and those of its type), then the cross-field checks a
 * row cannot express.
 */
#include "config.h"
#include "config_table.h"
#include "rca_prior.h"
#include "sources.h"

#include "duration.h"
#include "ingest.h"
#include "svar_limits.h"
#include "timestamp.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct pctx {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct pctx *p, yaml_mark_t m,
                                                      const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->path, m.line + 1, m.column + 1);
    if (n < 0 || (size_t)n >= p->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

const char *config_type_name(const struct opt *o)
{
    static const char *const names[] = {"duration", "integer", "number", "string", "choice",
                                        "boolean",  "list",    "map",    "map",    "list"};
    return names[o->type];
}

/* Parses scalar text for option o into base + o->off. Returns 0, or -1 with a reason in why. */
static int scalar_value(const struct opt *o, const char *s, char *base, char *why, size_t wl)
{
    char *end;
    switch (o->type) {
    case T_DUR: {
        int64_t ns;
        if (duration_parse_ns(s, &ns)) {
            snprintf(why, wl, "'%s' is not a duration like 500ms, 1s, 5m, 1h", s);
            return -1;
        }
        if (ns < o->lo * 1e9 || ns > o->hi * 1e9) {
            snprintf(why, wl, "%s is out of range [%gs, %gs]", s, o->lo, o->hi);
            return -1;
        }
        *(int64_t *)(base + o->off) = ns;
        return 0;
    }
    case T_INT: {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || *end || errno) {
            snprintf(why, wl, "'%s' is not an integer", s);
            return -1;
        }
        if (v < o->lo || v > o->hi) {
            snprintf(why, wl, "%ld is out of range [%g, %g]", v, o->lo, o->hi);
            return -1;
        }
        *(int *)(base + o->off) = (int)v;
        return 0;
    }
    case T_REAL: {
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || errno || !isfinite(v)) {
            snprintf(why, wl, "'%s' is not a number", s);
            return -1;
        }
        if (v < o->lo || v > o->hi) {
            snprintf(why, wl, "%g is out of range [%g, %g]", v, o->lo, o->hi);
            return -1;
        }
        *(double *)(base + o->off) = v;
        return 0;
    }
    case T_STR:
        if (strlen(s) >= o->size) {
            snprintf(why, wl, "longer than %zu characters", o->size - 1);
            return -1;
        }
        strcpy(base + o->off, s);
        return 0;
    case T_ENUM:
        for (int a = 0; config_choices(o)[a]; a++)
            if (strcmp(config_choices(o)[a], s) == 0) {
                if (o->size) /* stored as text */
                    snprintf(base + o->off, o->size, "%s", s);
                else
                    *(int *)(base + o->off) = a;
                return 0;
            }
        {
            size_t n = (size_t)snprintf(why, wl, "'%s' is not one of", s);
            for (int a = 0; config_choices(o)[a] && n < wl; a++)
                n += (size_t)snprintf(why + n, wl - n, " %s", config_choices(o)[a]);
        }
        return -1;
    case T_BOOL:
        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
            *(int *)(base + o->off) = 1;
            return 0;
        }
        if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
            *(int *)(base + o->off) = 0;
            return 0;
        }
        snprintf(why, wl, "'%s' is not true or false", s);
        return -1;
    default:
        snprintf(why, wl, "internal: not a scalar option");
        return -1;
    }
}

void config_defaults(const struct opt *table, char *base)
{
    char why[256];
    for (const struct opt *o = table; o->key; o++) {
        if (o->type == T_MAP)
            config_defaults(o->sub, base);
        else if (o->dflt)
            scalar_value(o, o->dflt, base, why, sizeof why); /* the table's defaults are valid */
    }
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The options a map is checked against: table, and for a list item with a variant (an input of
 * a type) also vt, whose fields are at base + voff; list and choice name them in messages. */
struct keys {
    const struct opt *table, *vt;
    size_t voff;
    const char *list, *choice;
};

static int parse_map(struct pctx *p, yaml_node_t *node, const struct keys *ks, char *base,
                     const char *where);
static int parse_item(struct pctx *p, yaml_node_t *node, const struct opt *list, char *ib,
                      const char *where);

static int parse_opt(struct pctx *p, const struct opt *o, yaml_node_t *v, char *base,
                     const char *key)
{
    char why[300];
    switch (o->type) {
    case T_MAP: {
        struct keys ks = {o->sub, NULL, 0, NULL, NULL};
        return parse_map(p, v, &ks, base, key);
    }
    case T_STRS: {
        if (v->type != YAML_SEQUENCE_NODE)
            return fail(p, v->start_mark, "'%s' must be a list of strings", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(p->doc, *it);
            const char *s = scalar(item);
            if (!s) return fail(p, item->start_mark, "'%s': items must be strings", key);
            if (*count == o->max)
                return fail(p, item->start_mark, "'%s': more than %d items", key, o->max);
            if (strlen(s) >= o->size)
                return fail(p, item->start_mark, "'%s': item longer than %zu characters", key,
                            o->size - 1);
            strcpy(base + o->off + (size_t)*count * o->size, s);
            (*count)++;
        }
        return 0;
    }
    case T_PROPS: {
        if (v->type != YAML_MAPPING_NODE)
            return fail(p, v->start_mark, "'%s' must be a map of names to values", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key),
                        *vn = yaml_document_get_node(p->doc, pr->value);
            const char *k = scalar(kn), *s = scalar(vn);
            if (!k || !s)
                return fail(p, kn->start_mark, "'%s': names and values must be scalars", key);
            if (*count == o->max)
                return fail(p, kn->start_mark, "'%s': more than %d entries", key, o->max);
            if (strlen(k) >= o->size || strlen(s) >= o->size)
                return fail(p, kn->start_mark, "'%s.%s': longer than %zu characters", key, k,
                            o->size - 1);
            char *slot = base + o->off + (size_t)*count * 2 * o->size;
            strcpy(slot, k);
            strcpy(slot + o->size, s);
            (*count)++;
        }
        return 0;
    }
    case T_LIST: {
        if (v->type != YAML_SEQUENCE_NODE)
            return fail(p, v->start_mark, "'%s' must be a list", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(p->doc, *it);
            if (*count == o->max)
                return fail(p, item->start_mark, "'%s': more than %d items", key, o->max);
            char *ib = base + o->off + (size_t)*count * o->size;
            memset(ib, 0, o->size);
            config_defaults(o->sub, ib);
            char where[96];
            snprintf(where, sizeof where, "%s[%d]", key, *count);
            if (parse_item(p, item, o, ib, where)) return -1;
            (*count)++;
        }
        return 0;
    }
    default: {
        const char *s = scalar(v);
        if (!s) return fail(p, v->start_mark, "'%s' must be a %s", key, config_type_name(o));
        if (scalar_value(o, s, base, why, sizeof why))
            return fail(p, v->start_mark, "'%s': %s", key, why);
        return 0;
    }
    }
}

/* The row of key k in ks (its index among ks's rows in *idx; *var: 1 when it is one of the
 * variant's), or NULL. */
static const struct opt *lookup(const struct keys *ks, const char *k, int *idx, int *var)
{
    *idx = 0;
    for (*var = 0; *var < 2; (*var)++)
        for (const struct opt *o = *var ? ks->vt : ks->table; o && o->key; o++, (*idx)++)
            if (strcmp(o->key, k) == 0) return o;
    return NULL;
}

/* The error for key k that ks does not know, listing the keys it does. */
static int unknown_key(struct pctx *p, yaml_node_t *kn, const struct keys *ks, const char *k,
                       const char *where)
{
    char known[768];
    size_t n = 0;
    for (int t = 0; t < 2; t++)
        for (const struct opt *q = t ? ks->vt : ks->table; q && q->key && n < sizeof known; q++)
            n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", q->key);
    if (ks->choice)
        return fail(p, kn->start_mark, "%s: option '%s' is not known to %s of type %s (known: %s)",
                    where, k, ks->list, ks->choice, known);
    return fail(p, kn->start_mark, "unknown key '%s' in %s (known: %s)", k, where, known);
}

static int parse_map(struct pctx *p, yaml_node_t *node, const struct keys *ks, char *base,
                     const char *where)
{
    if (node->type != YAML_MAPPING_NODE)
        return fail(p, node->start_mark, "%s must be a map of keys to values", where);
    unsigned long long seen = 0;
    for (yaml_node_pair_t *pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key),
                    *vn = yaml_document_get_node(p->doc, pr->value);
        const char *k = scalar(kn);
        if (!k) return fail(p, kn->start_mark, "keys must be plain names");
        int idx, var;
        const struct opt *o = lookup(ks, k, &idx, &var);
        if (!o) return unknown_key(p, kn, ks, k, where);
        if (seen & (1ULL << idx)) return fail(p, kn->start_mark, "duplicate key '%s'", k);
        seen |= 1ULL << idx;
        if (parse_opt(p, o, vn, var ? base + ks->voff : base, k)) return -1;
    }
    int idx = 0;
    for (int t = 0; t < 2; t++)
        for (const struct opt *o = t ? ks->vt : ks->table; o && o->key; o++, idx++)
            if (o->required && !(seen & (1ULL << idx)))
                return fail(p, node->start_mark, "%s: missing required key '%s'", where, o->key);
    return 0;
}

/* Parses list item node of list into ib (its defaults are set). A list with variants reads the
 * choice key first, which selects the further options the item may take. */
static int parse_item(struct pctx *p, yaml_node_t *node, const struct opt *list, char *ib,
                      const char *where)
{
    struct keys ks = {list->sub, NULL, 0, list->key, NULL};
    if (!list->variant || node->type != YAML_MAPPING_NODE)
        return parse_map(p, node, &ks, ib, where);
    const struct opt *key = config_row(list->sub, list->variant_key);
    yaml_node_t *choice = NULL;
    for (yaml_node_pair_t *pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top;
         pr++) {
        const char *k = scalar(yaml_document_get_node(p->doc, pr->key));
        if (k && strcmp(k, key->key) == 0) choice = yaml_document_get_node(p->doc, pr->value);
    }
    if (!choice) return fail(p, node->start_mark, "%s: missing required key '%s'", where, key->key);
    if (parse_opt(p, key, choice, ib, key->key)) return -1;
    ks.vt = config_item_variant(list, ib, &ks.voff);
    ks.choice = config_choices(key)[*(const int *)(ib + key->off)];
    if (ks.vt) config_defaults(ks.vt, ib + ks.voff);
    return parse_map(p, node, &ks, ib, where);
}

/* Cross-field checks that one option's table entry cannot express. */
static int check(struct pctx *p, yaml_node_t *root, struct config *c)
{
    yaml_mark_t m = root->start_mark;
    if (c->curve_enabled && (!c->curve_secret_file[0] || !c->curve_allowed_dir[0]))
        return fail(p, m,
                    "curve.enabled needs curve.secret_key_file and curve.allowed_clients_dir");
    for (int a = 0; a < c->ninputs; a++) {
        struct input_conf *in = &c->inputs[a];
        for (int b = 0; b < a; b++)
            if (!strcmp(c->inputs[b].name, in->name))
                return fail(p, m, "inputs[%d]: duplicate input name '%s'", a, in->name);
        const struct source_ops *ops = sources_ops(in->type);
        enum input_format f;
        if (input_format_parse(in->format, strlen(in->format), &f) ||
            (f == FMT_CSV && strcmp(ops->type, "file") != 0))
            return fail(p, m, "inputs[%d] (%s): unknown format '%s'", a, in->name, in->format);
        char why[256];
        if (ops->check && ops->check(in, why, sizeof why))
            return fail(p, m, "inputs[%d] (%s): %s", a, in->name, why);
        if (!in->stream[0]) memcpy(in->stream, in->name, strlen(in->name) + 1); /* 64 < 128 */
        for (int b = 0; b < a && in->handover_dir[0]; b++)
            if (c->inputs[b].handover_dir[0])
                return fail(p, m,
                            "inputs[%d] (%s): handover_dir: only one input may split the scopes "
                            "(inputs[%d] does)",
                            a, in->name, b);
    }
    for (int a = 0; a < c->nsinks; a++)
        for (int b = 0; b < a; b++)
            if (!strcmp(c->sinks[b].name, c->sinks[a].name))
                return fail(p, m, "sinks[%d]: duplicate sink name '%s'", a, c->sinks[a].name);
    for (int a = 0; a < c->nscopes; a++) {
        struct scope_conf *s = &c->scopes[a];
        for (int b = 0; b < a; b++)
            if (!strcmp(c->scopes[b].name, s->name))
                return fail(p, m, "scopes[%d]: duplicate scope name '%s'", a, s->name);
        if (s->window < svar_min_rows(s->tau_max))
            return fail(p, m,
                        "scopes[%d] (%s): window %d is too short for tau_max %d (needs "
                        ">= " SVAR_MIN_ROWS_RULE " = %d)",
                        a, s->name, s->window, s->tau_max, svar_min_rows(s->tau_max));
        char why[256];
        if (rca_prior_check(s, why, sizeof why))
            return fail(p, m, "scopes[%d] (%s): %s", a, s->name, why);
        for (int k = 0; k < s->nrank_at; k++) {
            double t;
            if (timestamp_parse(s->rank_at[k], strlen(s->rank_at[k]), &t, why, sizeof why))
                return fail(p, m, "scopes[%d] (%s): rank_at[%d] '%s': %s", a, s->name, k,
                            s->rank_at[k], why);
        }
        if (s->nrank_at > 0 && s->rank_after + 10 > s->window)
            return fail(p, m,
                        "scopes[%d] (%s): window %d must hold 10 reference rows + rank_after "
                        "%d",
                        a, s->name, s->window, s->rank_after);
        if (s->nkpis > 0 && s->reference + s->settle + 10 > s->window)
            return fail(p, m,
                        "scopes[%d] (%s): window %d must hold reference + settle + 10 = %d "
                        "buckets",
                        a, s->name, s->window, s->reference + s->settle + 10);
    }
    return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    config_defaults(CONFIG_OPTS, (char *)c);
    snprintf(c->path, sizeof c->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    struct pctx p = {path, &doc, err, errlen};
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        fail(&p, parser.problem_mark, "YAML: %s%s%s", parser.problem ? parser.problem : "error",
             parser.context ? " " : "", parser.context ? parser.context : "");
        goto out_parser;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        snprintf(err, errlen, "%s: empty configuration", path);
    } else {
        struct keys ks = {CONFIG_OPTS, NULL, 0, NULL, NULL};
        if (parse_map(&p, root, &ks, (char *)c, "the configuration") == 0 &&
            check(&p, root, c) == 0)
            rc = 0;
    }
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

size_t config_opt_size(const struct opt *o)
{
    switch (o->type) {
    case T_DUR:
        return sizeof(int64_t);
    case T_REAL:
        return sizeof(double);
    case T_STR:
        return o->size;
    case T_STRS:
    case T_LIST:
        return o->size * (size_t)o->max;
    case T_PROPS:
        return o->size * 2 * (size_t)o->max;
    case T_ENUM:
        return o->size ? o->size : sizeof(int);
    case T_MAP:
        return 0;
    default:
        return sizeof(int);
    }
}
