/*
 * config_emit.c - the option table as text: the commented reference (`causalmon run
 * --config-reference`, also the option part of causalmon.yaml(5)), a configuration written
 * back as YAML, and the shipped default configuration (conf/causalmon.yaml).
 */
#include "config.h"
#include "config_table.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "(type, default D, LO to HI: choices, required, reloadable)" of o. */
static void describe(FILE *f, const struct opt *o)
{
    fprintf(f, "(%s", config_type_name(o));
    if (o->dflt) fprintf(f, ", default %s", o->dflt[0] ? o->dflt : "empty");
    if (o->type == T_INT || o->type == T_REAL) fprintf(f, ", %g to %g", o->lo, o->hi);
    if (o->type == T_DUR) fprintf(f, ", %gs to %gs", o->lo, o->hi);
    if (o->type == T_ENUM) {
        fprintf(f, ":");
        for (int a = 0; config_choices(o)[a]; a++) fprintf(f, " %s", config_choices(o)[a]);
    }
    if (o->required) fprintf(f, ", required");
    fprintf(f, "%s)", o->reload == RELOAD_APPLY ? ", reloadable" : "");
}

/* The heading of the options that items of list o with choice c take besides the common ones
 * (inputs[] of a type). */
static const char *variant_heading(const struct opt *o, const char *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s of %s %s also take:", o->key, o->variant_key, c);
    return buf;
}

/* The variant tables of list o, one per choice of its variant key, in the choices' order:
 * calls fn with each choice's name and table. */
static void each_variant(const struct opt *o,
                         void (*fn)(const struct opt *o, const char *choice, const struct opt *vt,
                                    void *ctx),
                         void *ctx)
{
    if (!o->variant) return;
    const char *const *ch = config_choices(config_row(o->sub, o->variant_key));
    for (int c = 0; ch[c]; c++) {
        size_t off;
        const struct opt *vt = o->variant(c, &off);
        if (vt && vt->key) fn(o, ch[c], vt, ctx);
    }
}

struct ref_at {
    FILE *f;
    int indent;
    const char *prefix;
};

static void reference(FILE *f, const struct opt *table, int indent, const char *prefix);

static void reference_variant(const struct opt *o, const char *choice, const struct opt *vt,
                              void *ctx)
{
    struct ref_at *r = ctx;
    char head[160];
    fprintf(r->f, "%*s# %s\n", r->indent, "", variant_heading(o, choice, head, sizeof head));
    reference(r->f, vt, r->indent + 2, r->prefix);
}

static void reference(FILE *f, const struct opt *table, int indent, const char *prefix)
{
    if (strlen(prefix) > 128) return; /* the table nests two levels deep */
    for (const struct opt *o = table; o->key; o++) {
        fprintf(f, "%*s# %s%s ", indent, "", prefix, o->key);
        describe(f, o);
        fprintf(f, ": %s\n", o->help);
        if (o->type == T_MAP || o->type == T_LIST) {
            char pre[256];
            snprintf(pre, sizeof pre, "%s%s%s", prefix, o->key, o->type == T_LIST ? "[]." : ".");
            reference(f, o->sub, indent + 2, pre);
            struct ref_at r = {f, indent + 2, pre};
            each_variant(o, reference_variant, &r);
        }
    }
}

void config_reference(FILE *f)
{
    fprintf(f,
            "# causalmon configuration reference (generated from the option table)\n"
            "# Options marked reloadable take effect on SIGHUP; a reload that changes any other\n"
            "# option is refused as a whole and the running configuration stays.\n");
    reference(f, CONFIG_OPTS, 0, "");
}

/* s as a YAML double-quoted scalar. */
static void quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The value of scalar or string-list option o at base, as YAML. */
static void value(FILE *f, const struct opt *o, const char *base)
{
    const char *at = base + o->off;
    switch (o->type) {
    case T_DUR:
        fprintf(f, "%" PRId64 "ns", *(const int64_t *)at);
        break;
    case T_INT:
        fprintf(f, "%d", *(const int *)at);
        break;
    case T_REAL:
        fprintf(f, "%.17g", *(const double *)at);
        break;
    case T_STR:
        quoted(f, at);
        break;
    case T_ENUM:
        fputs(o->size ? at : config_choices(o)[*(const int *)at], f);
        break;
    case T_BOOL:
        fputs(*(const int *)at ? "true" : "false", f);
        break;
    case T_STRS: {
        int n = *(const int *)(base + o->count_off);
        fputc('[', f);
        for (int i = 0; i < n; i++) {
            if (i) fputs(", ", f);
            quoted(f, at + (size_t)i * o->size);
        }
        fputc(']', f);
        break;
    }
    case T_PROPS: {
        int n = *(const int *)(base + o->count_off);
        fputc('{', f);
        for (int i = 0; i < n; i++) {
            const char *slot = at + (size_t)i * 2 * o->size;
            if (i) fputs(", ", f);
            quoted(f, slot);
            fputs(": ", f);
            quoted(f, slot + o->size);
        }
        fputc('}', f);
        break;
    }
    default:
        break;
    }
}

static void write_map(FILE *f, const struct opt *table, const char *base, int indent,
                      const char *first)
{
    for (const struct opt *o = table; o->key; o++) {
        /* a list item's first key follows its "- " */
        int pad = first && o == table ? 0 : indent;
        if (o == table && first) fputs(first, f);
        if (o->type == T_MAP) {
            fprintf(f, "%*s%s:\n", pad, "", o->key);
            write_map(f, o->sub, base, indent + 2, NULL);
        } else if (o->type == T_LIST) {
            int n = *(const int *)(base + o->count_off);
            fprintf(f, "%*s%s:%s\n", pad, "", o->key, n ? "" : " []");
            for (int i = 0; i < n; i++) {
                char dash[64];
                snprintf(dash, sizeof dash, "%*s- ", indent + 2, "");
                const char *item = base + o->off + (size_t)i * o->size;
                write_map(f, o->sub, item, indent + 4, dash);
                size_t off;
                const struct opt *vt = config_item_variant(o, item, &off);
                if (vt) write_map(f, vt, item + off, indent + 4, NULL);
            }
        } else {
            fprintf(f, "%*s%s: ", pad, "", o->key);
            value(f, o, base);
            fputc('\n', f);
        }
    }
}

int config_write(FILE *f, const struct config *c)
{
    write_map(f, CONFIG_OPTS, (const char *)c, 0, NULL);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* text as comment lines at indent, wrapped at 100 columns; later lines indented by 2 more. */
static void comment(FILE *f, int indent, const char *text)
{
    int col = 0, first = 1;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (!w) break;
        if (col && col + 1 + (int)w > 100) {
            fputc('\n', f);
            col = 0;
            first = 0;
        }
        if (!col) col = fprintf(f, "%*s#%s", indent, "", first ? "" : "  ");
        col += fprintf(f, " %.*s", (int)w, p);
        p += w;
    }
    if (col) fputc('\n', f);
}

/* "key (type, ...): help" of o as a comment at indent. */
static void option_comment(FILE *f, const struct opt *o, int indent, const char *prefix)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    fprintf(m, "%s%s ", prefix, o->key);
    describe(m, o);
    fprintf(m, ": %s", o->help);
    fclose(m);
    comment(f, indent, text);
    free(text);
}

/* The default value of scalar option o, as YAML. */
static void default_value(FILE *f, const struct opt *o)
{
    if (o->type == T_STR)
        quoted(f, o->dflt);
    else
        fputs(o->dflt, f);
}

struct default_at {
    FILE *f;
    int indent;
    const char *prefix;
};

static void default_variant(const struct opt *o, const char *choice, const struct opt *vt,
                            void *ctx)
{
    struct default_at *d = ctx;
    char head[160];
    comment(d->f, d->indent, variant_heading(o, choice, head, sizeof head));
    for (const struct opt *s = vt; s->key; s++) option_comment(d->f, s, d->indent + 2, d->prefix);
}

static void default_map(FILE *f, const struct opt *table, int indent)
{
    for (const struct opt *o = table; o->key; o++) {
        if (o->type == T_MAP) {
            fputc('\n', f);
            fprintf(f, "%*s%s:  # %s\n", indent, "", o->key, o->help);
            default_map(f, o->sub, indent + 2);
        } else if (o->type == T_LIST) {
            fputc('\n', f);
            comment(f, indent, o->help);
            char pre[96];
            snprintf(pre, sizeof pre, "%s[].", o->key);
            for (const struct opt *s = o->sub; s->key; s++) option_comment(f, s, indent, pre);
            struct default_at d = {f, indent, pre};
            each_variant(o, default_variant, &d);
            /* the example's items, or the list commented out when it has none */
            const char *ex = o->example ? o->example : "";
            int items = 0;
            for (const char *l = ex; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
                items |= *l != '#';
            fprintf(f, "%*s%s%s:\n", indent, "", items ? "" : "# ", o->key);
            for (const char *l = ex; *l;) {
                size_t n = strcspn(l, "\n");
                fprintf(f, "%*s%.*s\n", indent + 2, "", (int)n, l);
                l += n + (l[n] != 0);
            }
        } else {
            option_comment(f, o, indent, "");
            fprintf(f, "%*s%s: ", indent, "", o->key);
            default_value(f, o);
            fputc('\n', f);
        }
    }
}

void config_write_default(FILE *f)
{
    fprintf(f, "# causalmon configuration: every option at its default, with its type, range and\n"
               "# meaning, and an example input and scope. Generated from the daemon's option\n"
               "# table by `causalmon run --config-default`; edit a copy. Check a file with\n"
               "# `causalmon run --check-config FILE`. Durations: 500ms, 1s, 5m, 1h.\n"
               "# Options marked reloadable take effect on SIGHUP (systemctl reload causalmon); a\n"
               "# reload that changes any other option is refused as a whole and the running\n"
               "# configuration stays.\n\n");
    default_map(f, CONFIG_OPTS, 0);
}
