/* Structure changes with hysteresis: a persistent new link is reported once, a flickering one
 * never, a vanished one once, and nothing during the first K refreshes. */
#include "test_util.h"

#include "link_tracker.h"

static void set_link(struct svar_graph *g, int i, int j, int tau, int on)
{
    g->type[svar_graph_at(g, i, j, tau)] = on ? LINK_FWD : LINK_NONE;
    if (tau == 0) g->type[svar_graph_at(g, j, i, 0)] = on ? LINK_BWD : LINK_NONE;
}

static void test_persistent_changes_fire_once_and_flicker_never(void **state)
{
    (void)state;
    struct link_tracker_params p;
    link_tracker_params_default(&p);
    struct link_tracker *t = link_tracker_new(&p, 3, 1);
    assert_non_null(t);
    struct svar_graph *g = svar_graph_new(3, 1);
    const int map[3] = {0, 1, 2};
    struct link_event ev[8];
    int appeared = 0, disappeared = 0, flicker_events = 0;
    for (int r = 0; r < 40; r++) {
        set_link(g, 0, 1, 1, r < 20);     /* present, then gone from refresh 20 */
        set_link(g, 1, 2, 0, r >= 10);    /* contemporaneous link appears at refresh 10 */
        set_link(g, 2, 0, 1, r % 2 == 0); /* flickers: frequency 0.4-0.6 */
        int n = link_tracker_update(t, g, map, ev, 8);
        if (r < p.history) assert_int_equal(n, 0);
        for (int k = 0; k < n; k++) {
            if (ev[k].from == 1 && ev[k].to == 2 && ev[k].lag == 0 && ev[k].appeared) {
                appeared++;
                assert_int_equal(r, 13); /* 4 of the last 5 refreshes: f = 0.8 */
            } else if (ev[k].from == 0 && ev[k].to == 1 && ev[k].lag == 1 && !ev[k].appeared) {
                disappeared++;
                assert_int_equal(r, 23); /* 1 of the last 5: f = 0.2 */
            } else {
                flicker_events++;
            }
        }
    }
    assert_int_equal(appeared, 1);
    assert_int_equal(disappeared, 1);
    assert_int_equal(flicker_events, 0);
    svar_graph_free(g);
    link_tracker_free(t);
}

static void test_variables_map_into_the_tracker(void **state)
{
    (void)state;
    struct link_tracker_params p;
    link_tracker_params_default(&p);
    p.history = 2;
    struct link_tracker *t = link_tracker_new(&p, 4, 1);
    struct svar_graph *g = svar_graph_new(2, 1); /* a refresh that kept columns 1 and 3 */
    const int map[2] = {1, 3};
    struct link_event ev[4];
    link_tracker_update(t, g, map, ev, 4);
    link_tracker_update(t, g, map, ev, 4); /* established: absent */
    set_link(g, 0, 1, 1, 1);
    assert_int_equal(link_tracker_update(t, g, map, ev, 4), 0); /* f = 0.5 */
    assert_int_equal(link_tracker_update(t, g, map, ev, 4), 1);
    assert_int_equal(ev[0].from, 1);
    assert_int_equal(ev[0].to, 3);
    assert_int_equal(ev[0].lag, 1);
    assert_true(ev[0].appeared);
    assert_null(link_tracker_new(&p, 0, 1));
    p.f_on = 0.1;
    assert_null(link_tracker_new(&p, 4, 1));
    svar_graph_free(g);
    link_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persistent_changes_fire_once_and_flicker_never),
        cmocka_unit_test(test_variables_map_into_the_tracker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
