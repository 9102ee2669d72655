/* Helpers shared by the cmocka unit tests. */
#ifndef CAUSALMON_TEST_UTIL_H
#define CAUSALMON_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Fails the test unless |a - b| <= tol; prints both values. */
#define assert_close(a, b, tol)                                                                    \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fail_msg("%s = %.17g, %s = %.17g, differ by %.3g > %.3g", #a, a_, #b, b_,              \
                     fabs(a_ - b_), (double)(tol));                                                \
    } while (0)

#endif
