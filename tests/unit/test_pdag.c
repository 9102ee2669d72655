/* Orientation rules R1-R3 on hand-built partially directed graphs (pdag.h). */
#include "test_util.h"

#include "pdag.h"
#include "svar_graph.h"

#include <string.h>

enum { A, B, C, D, E, NN };

static unsigned char m[NN * NN];

static void undirected(struct pdag *g, int a, int b)
{
    *pdag_at(g, a, b) = *pdag_at(g, b, a) = LINK_UNORIENTED;
}

static void directed(struct pdag *g, int a, int b)
{
    *pdag_at(g, a, b) = LINK_FWD;
    *pdag_at(g, b, a) = LINK_BWD;
}

/* a --> b o-o c o-o d, d --> e --> c, e --> b. One pass of R1 orients b --> c (e is adjacent
 * to b, c and d, so it starts no R1 triple). Then:
 *  - tigramite's order runs R2 next: d --> e --> c with d o-o c orients d --> c;
 *  - running R1 to a fixed point first would instead orient c --> d (b --> c o-o d, b and d not
 *    adjacent), closing the cycle c --> d --> e --> c.
 * The rules must follow tigramite's order. */
static void test_rules_run_one_pass_each_per_round_as_tigramite(void **state)
{
    (void)state;
    memset(m, LINK_NONE, sizeof m);
    struct pdag g = {NN, 1, m};
    directed(&g, A, B);
    undirected(&g, B, C);
    undirected(&g, C, D);
    directed(&g, D, E);
    directed(&g, E, C);
    directed(&g, E, B);
    struct pdag_hooks h = {NULL, NULL, NULL};
    pdag_apply_rules(&g, &h);
    assert_int_equal(*pdag_at(&g, B, C), LINK_FWD);
    assert_int_equal(*pdag_at(&g, D, C), LINK_FWD);
    assert_int_equal(*pdag_at(&g, C, D), LINK_BWD);
    assert_int_equal(*pdag_at(&g, A, B), LINK_FWD);
    assert_int_equal(*pdag_at(&g, D, E), LINK_FWD);
    assert_int_equal(*pdag_at(&g, E, C), LINK_FWD);
}

/* Two R1 proposals in one pass that disagree on a pair make it x-x, whatever the node order:
 * a --> b o-o c <-- d with a, c and b, d not adjacent: R1 from a orients b --> c, R1 from d
 * orients c --> b. */
static void test_opposite_proposals_in_one_pass_give_x_x(void **state)
{
    (void)state;
    memset(m, LINK_NONE, sizeof m);
    struct pdag g = {NN, 1, m};
    directed(&g, A, B);
    undirected(&g, B, C);
    directed(&g, D, C);
    struct pdag_hooks h = {NULL, NULL, NULL};
    pdag_apply_rules(&g, &h);
    assert_int_equal(*pdag_at(&g, B, C), LINK_CONFLICT);
    assert_int_equal(*pdag_at(&g, C, B), LINK_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_run_one_pass_each_per_round_as_tigramite),
        cmocka_unit_test(test_opposite_proposals_in_one_pass_give_x_x),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
