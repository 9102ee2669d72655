/* graph_dot.c - graph JSON to Graphviz DOT (graph_dot.h). */
#include "graph_dot.h"

#include "prom_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void graph_link_marks(const char *type, char *tail, char *head)
{
    *tail = '-';
    *head = '>';
    if (!type || strlen(type) != 3) return;
    char t = type[0], h = type[2];
    *tail = t == '<' ? '>' : (t == 'o' || t == 'x') ? t : '-';
    *head = (h == '>' || h == 'o' || h == 'x') ? h : '-';
}

/* Appends s as a DOT double-quoted ID. */
static void dot_id(struct prom_text *t, const char *s)
{
    prom_add(t, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            prom_add(t, "\\%c", *s);
        else if (*s == '\n')
            prom_add(t, "\\n");
        else
            prom_add(t, "%c", *s);
    }
    prom_add(t, "\"");
}

static const char *arrow(char mark)
{
    return mark == '>' ? "normal" : mark == 'o' ? "odot" : mark == 'x' ? "tee" : "none";
}

char *graph_dot(const json_t *graph, const char *name, char *err, size_t errlen)
{
    const json_t *links = json_object_get(graph, "links");
    if (!json_is_array(links)) {
        snprintf(err, errlen, "graph: no \"links\" array%s%s",
                 json_object_get(graph, "error") ? ": " : "",
                 json_string_value(json_object_get(graph, "error"))
                     ? json_string_value(json_object_get(graph, "error"))
                     : "");
        return NULL;
    }
    if (!name) name = json_string_value(json_object_get(graph, "scope"));
    struct prom_text t = {0};
    prom_add(&t, "digraph ");
    dot_id(&t, name ? name : "causalmon");
    prom_add(&t, " {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=10];\n");
    size_t i;
    const json_t *v, *l;
    json_array_foreach(json_object_get(graph, "variables"), i, v)
    {
        if (!json_is_string(v)) continue;
        prom_add(&t, "  ");
        dot_id(&t, json_string_value(v));
        prom_add(&t, ";\n");
    }
    json_array_foreach(links, i, l)
    {
        const char *from = json_string_value(json_object_get(l, "from"));
        const char *to = json_string_value(json_object_get(l, "to"));
        if (!from || !to) continue;
        int lag = (int)json_integer_value(json_object_get(l, "lag"));
        double st = fabs(json_number_value(json_object_get(l, "strength")));
        char tail, head;
        graph_link_marks(json_string_value(json_object_get(l, "type")), &tail, &head);
        prom_add(&t, "  ");
        dot_id(&t, from);
        prom_add(&t, " -> ");
        dot_id(&t, to);
        prom_add(&t,
                 " [label=\"lag %d\", dir=both, arrowtail=%s, arrowhead=%s, penwidth=%.2f, "
                 "style=%s%s];\n",
                 lag, arrow(tail), arrow(head), 0.5 + 4.0 * (st > 1 ? 1 : st),
                 lag == 0 ? "dashed" : "solid",
                 tail == '>' && head == '>' ? ", color=\"#7a3e9d\"" /* hidden common cause */
                 : tail == 'x'              ? ", color=\"#c0392b\""
                                            : "");
    }
    prom_add(&t, "}\n");
    return t.s;
}
