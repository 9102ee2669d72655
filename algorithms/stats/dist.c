#include "dist.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

double dist_t_two_sided(double t, double df)
{
    double p = 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
    return p > 1.0 ? 1.0 : p;
}

double dist_f_upper(double f, double d1, double d2)
{
    if (f <= 0) return 1.0;
    return gsl_cdf_fdist_Q(f, d1, d2);
}

double dist_chisq_upper(double x, double k)
{
    if (x <= 0) return 1.0;
    return gsl_cdf_chisq_Q(x, k);
}

double dist_gamma_upper(double x, double a, double b)
{
    if (x <= 0) return 1.0;
    return gsl_cdf_gamma_Q(x, a, b);
}

double dist_normal_upper_quantile(double p)
{
    if (!(p > 0)) return INFINITY;
    if (p >= 1) return -INFINITY;
    return gsl_cdf_ugaussian_Qinv(p);
}
