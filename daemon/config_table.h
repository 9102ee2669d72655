/*
 * config_table.h - the daemon's option table (config_table.c): one row per option, written with
 * the typed macros below, each giving the key, the field of the struct it fills, its default,
 * its range or choices, its reload class and its help. Each input type declares its own
 * options the same way in its source_ops (daemon/inputs/source.h), reached from inputs[]
 * through OPT_LIST_VARIANT. The parser (config.c), the reload classifier (config_reload.c), the
 * commented reference and the generated default configuration (config_emit.c) all walk these
 * tables; nothing else lists the options.
 *
 * Reload classes: RELOAD_APPLY options take effect when a SIGHUP reload is accepted: the new
 * configuration is copied over the running one, which the loop reads live (idle_flush,
 * checkpoint_every, alerts.heartbeat; log_level is set again), and scope_apply copies a scope's
 * reloadable options (refresh_every, structure_alerts) into the running scope. RELOAD_RESTART
 * options need a restart; a reload that changes one is refused as a whole (the running
 * configuration stays), and so is one that adds, removes or reorders list items. An option
 * marked RELOAD_APPLY must have such a consumer; tests/unit/test_config.c checks each class.
 */
#ifndef CAUSALMON_CONFIG_TABLE_H
#define CAUSALMON_CONFIG_TABLE_H

#include "config.h"

#include <stddef.h>

enum otype { T_DUR, T_INT, T_REAL, T_STR, T_ENUM, T_BOOL, T_STRS, T_PROPS, T_MAP, T_LIST };

struct opt {
    const char *key;
    enum otype type;
    size_t off;  /* in the containing struct */
    size_t size; /* strings and text-stored choices: capacity; lists: item size */
    const char *dflt;
    double lo, hi; /* ints, reals; durations in seconds */
    enum reload_class reload;
    const char *const *choices;
    const struct opt *sub; /* T_MAP, T_LIST: fields (T_MAP fields are in the same struct) */
    size_t count_off;      /* T_STRS, T_PROPS, T_LIST */
    int max;               /* items */
    int required;
    const char *help;
    const char *example; /* T_LIST: YAML items shown in the generated configuration */
    /* T_LIST whose items take further options by the choice of their T_ENUM key variant_key
     * (inputs[]: by type): variant(choice, &off) gives that choice's option table (NULL: none)
     * and the offset in the item of the struct its fields are in. */
    const char *variant_key;
    const struct opt *(*variant)(int choice, size_t *off);
};

/* The top-level table; a row with key NULL ends each table. */
extern const struct opt CONFIG_OPTS[];

/* The choices of T_ENUM option o (inputs[].type: the registered source types, sources.h). */
const char *const *config_choices(const struct opt *o);

/* The option table of the variant of list item `item` of list option `list` (inputs[]: the
 * options of the item's type), and in *off where the table's struct is in the item; NULL when
 * the list has no variants or the choice has no options of its own. Any thread. */
const struct opt *config_item_variant(const struct opt *list, const char *item, size_t *off);

/* Sets the defaults of every option of table (and of its nested maps) in the struct at base.
 * Any thread. */
void config_defaults(const struct opt *table, char *base);

/* The row of key in table (NULL: none). */
const struct opt *config_row(const struct opt *table, const char *key);

/* "duration", "integer", ... for messages and the reference. */
const char *config_type_name(const struct opt *o);

/* Bytes of the value of scalar or list option o at base + o->off (the count excluded). */
size_t config_opt_size(const struct opt *o);

/*
 * The typed row macros. Before a table, define OPT_STRUCT as the struct its fields live in
 * (e.g. `#define OPT_STRUCT scope_conf`). Defaults are written as the YAML value would be:
 * numbers and booleans bare (OPT_INT(..., 600, ...), OPT_BOOL(..., true, ...)), durations,
 * strings and choices quoted ("5s", "influx", "pcmci+"). Durations' ranges are in seconds.
 */
#define OPT_OFF(f) offsetof(struct OPT_STRUCT, f)
#define OPT_CAP(f) sizeof(((struct OPT_STRUCT *)0)->f)

#define OPT_INT(k, f, d, l, h, rl, hp)                                                             \
    {                                                                                              \
        .key = k, .type = T_INT, .off = OPT_OFF(f), .dflt = #d, .lo = l, .hi = h, .reload = rl,    \
        .help = hp                                                                                 \
    }
#define OPT_REAL(k, f, d, l, h, rl, hp)                                                            \
    {                                                                                              \
        .key = k, .type = T_REAL, .off = OPT_OFF(f), .dflt = #d, .lo = l, .hi = h, .reload = rl,   \
        .help = hp                                                                                 \
    }
#define OPT_DUR(k, f, d, l, h, rl, hp)                                                             \
    {                                                                                              \
        .key = k, .type = T_DUR, .off = OPT_OFF(f), .dflt = d, .lo = l, .hi = h, .reload = rl,     \
        .help = hp                                                                                 \
    }
#define OPT_BOOL(k, f, d, rl, hp)                                                                  \
    {                                                                                              \
        .key = k, .type = T_BOOL, .off = OPT_OFF(f), .dflt = #d, .reload = rl, .help = hp          \
    }
/* A string of at most sizeof(field) - 1 bytes. */
#define OPT_STR(k, f, d, rl, hp)                                                                   \
    {                                                                                              \
        .key = k, .type = T_STR, .off = OPT_OFF(f), .size = OPT_CAP(f), .dflt = d, .reload = rl,   \
        .help = hp                                                                                 \
    }
#define OPT_STR_REQUIRED(k, f, rl, hp)                                                             \
    {                                                                                              \
        .key = k, .type = T_STR, .off = OPT_OFF(f), .size = OPT_CAP(f), .reload = rl,              \
        .required = 1, .help = hp                                                                  \
    }
/* One of choices (a NULL-terminated array), stored as its index in an int field. */
#define OPT_ENUM(k, f, d, ch, rl, hp)                                                              \
    {                                                                                              \
        .key = k, .type = T_ENUM, .off = OPT_OFF(f), .dflt = d, .choices = ch, .reload = rl,       \
        .help = hp                                                                                 \
    }
#define OPT_ENUM_REQUIRED(k, f, ch, rl, hp)                                                        \
    {                                                                                              \
        .key = k, .type = T_ENUM, .off = OPT_OFF(f), .choices = ch, .reload = rl, .required = 1,   \
        .help = hp                                                                                 \
    }
/* One of choices, stored as its text in a char array field. */
#define OPT_ENUM_TEXT(k, f, d, ch, rl, hp)                                                         \
    {                                                                                              \
        .key = k, .type = T_ENUM, .off = OPT_OFF(f), .size = OPT_CAP(f), .dflt = d, .choices = ch, \
        .reload = rl, .help = hp                                                                   \
    }
/* A list of strings into char f[max][cap], its length in int n. */
#define OPT_STRS(k, f, n, rl, hp)                                                                  \
    {                                                                                              \
        .key = k, .type = T_STRS, .off = OPT_OFF(f), .size = OPT_CAP(f[0]),                        \
        .count_off = OPT_OFF(n),                                                                   \
        .max = (int)(sizeof(((struct OPT_STRUCT *)0)->f) / OPT_CAP(f[0])), .reload = rl,           \
        .help = hp                                                                                 \
    }
#define OPT_STRS_REQUIRED(k, f, n, rl, hp)                                                         \
    {                                                                                              \
        .key = k, .type = T_STRS, .off = OPT_OFF(f), .size = OPT_CAP(f[0]),                        \
        .count_off = OPT_OFF(n),                                                                   \
        .max = (int)(sizeof(((struct OPT_STRUCT *)0)->f) / OPT_CAP(f[0])), .reload = rl,           \
        .required = 1, .help = hp                                                                  \
    }
/* A map of names to values into char f[max][2][cap], its length in int n. */
#define OPT_PROPS(k, f, n, rl, hp)                                                                 \
    {                                                                                              \
        .key = k, .type = T_PROPS, .off = OPT_OFF(f), .size = OPT_CAP(f[0][0]),                    \
        .count_off = OPT_OFF(n),                                                                   \
        .max = (int)(sizeof(((struct OPT_STRUCT *)0)->f) / OPT_CAP(f[0])), .reload = rl,           \
        .help = hp                                                                                 \
    }
/* A nested map whose fields (table sub) are in the same struct. */
#define OPT_MAP(k, sub_table, hp)                                                                  \
    {                                                                                              \
        .key = k, .type = T_MAP, .sub = sub_table, .help = hp                                      \
    }
/* A list of maps into struct item f[max] (fields: table sub), its length in int n; ex: YAML
 * items for the generated configuration, or NULL. */
#define OPT_LIST(k, f, n, sub_table, rl, hp, ex)                                                   \
    {                                                                                              \
        .key = k, .type = T_LIST, .off = OPT_OFF(f), .size = OPT_CAP(f[0]),                        \
        .count_off = OPT_OFF(n),                                                                   \
        .max = (int)(sizeof(((struct OPT_STRUCT *)0)->f) / OPT_CAP(f[0])), .sub = sub_table,       \
        .reload = rl, .help = hp, .example = ex                                                    \
    }
/* A list whose items also take the options of their choice of key vk (vfn: see .variant). */
#define OPT_LIST_VARIANT(k, f, n, sub_table, vk, vfn, rl, hp, ex)                                  \
    {                                                                                              \
        .key = k, .type = T_LIST, .off = OPT_OFF(f), .size = OPT_CAP(f[0]),                        \
        .count_off = OPT_OFF(n),                                                                   \
        .max = (int)(sizeof(((struct OPT_STRUCT *)0)->f) / OPT_CAP(f[0])), .sub = sub_table,       \
        .reload = rl, .help = hp, .example = ex, .variant_key = vk, .variant = vfn                 \
    }
#define OPT_END                                                                                    \
    {                                                                                              \
        .key = NULL                                                                                \
    }

#endif
