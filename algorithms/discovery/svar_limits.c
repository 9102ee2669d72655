#include "svar_limits.h"

int svar_min_rows(int tau_max)
{
    return 2 * tau_max + 10;
}
