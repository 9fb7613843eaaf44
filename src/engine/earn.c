/* earn.c - points for amounts, proportional allocation, shares. */
#include "engine/earn.h"

#include <assert.h>

int64_t fdl_earn_points(const struct fdl_program *p, int64_t amount_minor)
{
    assert(amount_minor >= 0 && p->minor_per_unit > 0);
    __int128 num = (__int128)amount_minor * p->points_per_unit;
    __int128 den = p->minor_per_unit;
    switch (p->rounding) {
    case FDL_ROUND_HALF_UP:
        return (int64_t)((num * 2 + den) / (den * 2));
    case FDL_ROUND_UP:
        return (int64_t)((num + den - 1) / den);
    case FDL_ROUND_DOWN:
        break;
    }
    return (int64_t)(num / den);
}

int64_t fdl_share(int64_t amount, int64_t part, int64_t whole)
{
    assert(whole > 0 && part >= 0 && part <= whole);
    return (int64_t)((__int128)amount * part / whole);
}

void fdl_allocate(int64_t total, const int64_t *weights, size_t n, int64_t *out)
{
    assert(n >= 1 && total >= 0);
    int64_t weight_sum = 0;
    for (size_t i = 0; i < n; i++)
        weight_sum += weights[i];
    if (weight_sum == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0;
        out[0] = total;
        return;
    }
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = fdl_share(total, weights[i], weight_sum);
        given += out[i];
    }
    /* Hand out the leftover (< n units) by largest remainder, lowest index first. */
    while (given < total) {
        size_t best = 0;
        __int128 best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            __int128 rem = (__int128)total * weights[i] - (__int128)out[i] * weight_sum;
            if (rem > best_rem) {
                best_rem = rem;
                best = i;
            }
        }
        out[best]++;
        given++;
    }
}

int64_t fdl_redeemable_points(const struct fdl_program *p, int64_t requested,
                              int64_t total_minor)
{
    assert(p->point_value_minor > 0 && requested >= 0 && total_minor >= 0);
    int64_t max = total_minor / p->point_value_minor;
    return requested < max ? requested : max;
}
