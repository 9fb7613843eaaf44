/*
 * stamps.c - punch card arithmetic (see stamps.h).
 */
#include "engine/stamps.h"

#include "engine/earn.h"

#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_DAY 86400

static int compare_key(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static int set_has(const struct fdl_string_set *set, const char *s)
{
    return s && set->n &&
           bsearch(s, set->items, set->n, sizeof(*set->items), compare_key) != NULL;
}

int fdl_stamp_line_qualifies(const struct fdl_stamp_card_def *c,
                             const struct fdl_rules_line *l)
{
    if (c->skus.n && !set_has(&c->skus, l->sku))
        return 0;
    if (c->categories.n && !set_has(&c->categories, l->category))
        return 0;
    if (!c->labels.n)
        return 1;
    for (size_t k = 0; k < l->n_labels; k++)
        if (set_has(&c->labels, l->labels[k]))
            return 1;
    return 0;
}

int64_t fdl_stamps_for_purchase(const struct fdl_stamp_card_def *c,
                                const struct fdl_rules_line *lines, size_t n,
                                int64_t total_minor, const int64_t *free_units,
                                int64_t *line_stamps, unsigned char *qualifying)
{
    int64_t total = 0,
            cap = c->max_per_purchase ? c->max_per_purchase : FDL_MAX_STAMPS_PER_PURCHASE;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t units = lines[i].quantity - (free_units ? free_units[i] : 0);
        qualifying[i] = (unsigned char)fdl_stamp_line_qualifies(c, &lines[i]);
        line_stamps[i] = 0;
        if (!qualifying[i] || units <= 0)
            continue;
        any = 1;
        if (c->per != FDL_STAMP_PER_ITEM)
            continue;
        if (cap && total + units > cap)
            units = cap - total;
        line_stamps[i] = units;
        total += units;
    }
    if (c->min_spend_minor && total_minor < c->min_spend_minor) {
        for (size_t i = 0; i < n; i++)
            line_stamps[i] = 0;
        return 0;
    }
    if (c->per == FDL_STAMP_PER_VISIT)
        return any ? 1 : 0;
    return total;
}

void fdl_stamps_add(int64_t goal, int64_t current, int64_t n, int64_t *after,
                    int64_t *rewards)
{
    int64_t total = current + n;
    *rewards = total >= goal ? total / goal : 0;
    *after = total >= goal ? total % goal : total;
}

void fdl_stamps_reverse(int64_t goal, int64_t current, int64_t n, int64_t revocable,
                        int64_t *after, int64_t *revoked)
{
    int64_t total = current - n, undone = 0;
    while (total < 0 && undone < revocable) {
        total += goal;
        undone++;
    }
    *after = total;
    *revoked = undone;
}

int64_t fdl_stamps_line_reversal(int64_t stamps, int64_t quantity, int64_t refunded,
                                 int64_t reversed)
{
    if (quantity <= 0 || stamps <= 0)
        return 0;
    if (refunded > quantity)
        refunded = quantity;
    int64_t due = fdl_share(stamps, refunded, quantity) - reversed;
    return due > 0 ? due : 0;
}

int64_t fdl_stamps_expiry(const struct fdl_stamp_card_def *c, int64_t before,
                          int64_t after, int64_t rewards, int64_t old_expires_at_s,
                          int64_t now_s)
{
    if (after <= 0 || c->expiry_days <= 0)
        return 0;
    if (before <= 0 || rewards > 0 || old_expires_at_s == 0)
        return now_s + c->expiry_days * SECONDS_PER_DAY;
    return old_expires_at_s;
}

int fdl_stamps_lapsed(int64_t stamps, int64_t expires_at_s, int64_t now_s)
{
    return stamps > 0 && expires_at_s > 0 && now_s >= expires_at_s;
}

const char *fdl_stamp_per_name(enum fdl_stamp_per per)
{
    return per == FDL_STAMP_PER_VISIT ? "visit" : "item";
}

int fdl_stamp_voucher_takes(const struct fdl_stamp_voucher *v, const char *sku)
{
    size_t n = strlen(sku);
    for (const char *p = v->skus; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, sku, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}
