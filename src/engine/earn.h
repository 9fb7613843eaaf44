/*
 * earn.h - what a basket is worth in points, and how refunds undo it.
 *
 * Pure arithmetic in integers: amounts in minor currency units, whole points.
 * A purchase's points are allocated to its lines (largest remainder), so a
 * refund of some lines claws back exactly the points those lines earned, and
 * refunding everything claws back everything, whatever the rounding.
 */
#ifndef FDL_EARN_H
#define FDL_EARN_H

#include "engine/program.h"

#include <stddef.h>
#include <stdint.h>

/* Points that amount_minor (>= 0) earns under p's rate and rounding. */
int64_t fdl_earn_points(const struct fdl_program *p, int64_t amount_minor);

/*
 * Splits total (>= 0) across n parts in proportion to weights[0..n) (each
 * >= 0), writing out[0..n): each part is the floor of its share, and the
 * leftover units go to the parts with the largest remainders (ties: lower
 * index). The parts sum to total exactly. If all weights are 0, everything
 * goes to out[0] (n must be >= 1).
 */
void fdl_allocate(int64_t total, const int64_t *weights, size_t n, int64_t *out);

/*
 * The share of `amount` that `part` of `whole` units carries, rounded down:
 * floor(amount * part / whole), computed without overflow for the ranges in
 * limits.h. whole must be > 0 and 0 <= part <= whole.
 */
int64_t fdl_share(int64_t amount, int64_t part, int64_t whole);

/*
 * Points to redeem for a discount: at most `requested`, and no more than
 * the basket (total_minor) can absorb at point_value_minor each, so a
 * discount never takes a purchase below zero.
 */
int64_t fdl_redeemable_points(const struct fdl_program *p, int64_t requested,
                              int64_t total_minor);

#endif
