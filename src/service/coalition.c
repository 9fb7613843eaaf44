/* coalition.c - settlement items of coalitions and their settlement (coalition.h). */
#include "service/coalition.h"
#include "service/internal.h"

#include "base/clock.h"
#include "engine/currency.h"

#include <stdio.h>
#include <string.h>

/* Adds the points taken from lot lot_id to its issuer's tally, unless the
 * issuer is the redeemer (or none). */
static int tally(struct fdl_store *st, const struct fdl_program_def *def,
                 const struct member_state *s, const struct fdl_partner_def *redeemer,
                 int64_t lot_id, int64_t taken, int64_t points[FDL_MAX_PARTNERS],
                 struct fdl_error *err)
{
    if (taken <= 0 || lot_id == 0)
        return 0;
    char code[FDL_MAX_ID_LEN + 1];
    int rc = FDL_STORE_CALL(st, lot_issuer_store, s->member.program_id, s->member.id,
                            lot_id, code, err);
    if (rc)
        return rc;
    const struct fdl_partner_def *issuer = fdl_partner_of_store(def, code);
    if (issuer && issuer != redeemer)
        points[issuer - def->partners] += taken;
    return 0;
}

/* One item per issuer with points in the tally. */
static int items_of_tally(const struct fdl_program_def *def,
                          const struct fdl_program *prog, const struct fdl_tz *tz,
                          const struct member_state *s,
                          const struct fdl_partner_def *redeemer, int64_t purchase_id,
                          int sign, int64_t now_s, const int64_t points[FDL_MAX_PARTNERS],
                          struct fdl_settlement_item *out, int *count,
                          struct fdl_error *err)
{
    *count = 0;
    for (size_t k = 0; k < def->n_partners; k++) {
        if (points[k] == 0)
            continue;
        int64_t amount =
            fdl_currency_convert(points[k], 1, prog->minor_per_unit,
                                 def->partners[k].settlement_rate, prog->rounding);
        if (amount < 0)
            return fdl_error_set(err, FDL_EINTERNAL, NULL, "settlement amount overflows");
        struct fdl_settlement_item *it = &out[(*count)++];
        memset(it, 0, sizeof(*it));
        it->program_id = s->member.program_id;
        it->purchase_id = purchase_id;
        it->day = svc_local_day(tz, now_s);
        snprintf(it->issuer, sizeof(it->issuer), "%s", def->partners[k].id);
        snprintf(it->redeemer, sizeof(it->redeemer), "%s", redeemer->id);
        it->points = sign * points[k];
        it->amount_minor = sign * amount;
        it->created_at_s = now_s;
    }
    return 0;
}

int svc_coalition_plan(struct fdl_store *st, const struct fdl_program_def *def,
                       const struct fdl_program *prog, const struct fdl_tz *tz,
                       const struct member_state *s, const char *redeem_store,
                       int64_t purchase_id, int sign, int64_t now_s,
                       struct fdl_settlement_item *out, int *count, struct fdl_error *err)
{
    *count = 0;
    const struct fdl_partner_def *redeemer = fdl_partner_of_store(def, redeem_store);
    if (!redeemer)
        return 0;
    int64_t points[FDL_MAX_PARTNERS];
    memset(points, 0, sizeof(points));
    for (size_t i = 0; i < s->moves.count; i++) {
        const struct fdl_move *mv = &s->moves.items[i];
        int rc = tally(st, def, s, redeemer, s->lots.items[mv->lot_index].id,
                       sign > 0 ? -mv->delta : mv->delta, points, err);
        if (rc)
            return rc;
    }
    return items_of_tally(def, prog, tz, s, redeemer, purchase_id, sign, now_s, points,
                          out, count, err);
}

int svc_coalition_refund_items(struct fdl_store *st, const struct fdl_program_def *def,
                               const struct fdl_program *prog, const struct fdl_tz *tz,
                               const struct member_state *s,
                               const struct fdl_stored_move *spent, size_t n,
                               int64_t already, int64_t amount, const char *redeem_store,
                               int64_t purchase_id, int64_t now_s, struct fdl_error *err)
{
    const struct fdl_partner_def *redeemer = fdl_partner_of_store(def, redeem_store);
    if (!redeemer)
        return 0;
    int64_t points[FDL_MAX_PARTNERS];
    memset(points, 0, sizeof(points));
    /* As fdl_lots_restore_after walks: last spent first, past what earlier
     * give-backs returned. */
    for (size_t k = n; k-- > 0 && amount > 0;) {
        int64_t room = spent[k].delta < 0 ? -spent[k].delta : 0;
        int64_t skip = already < room ? already : room;
        already -= skip;
        room -= skip;
        int64_t give = amount < room ? amount : room;
        amount -= give;
        int rc = tally(st, def, s, redeemer, spent[k].lot_id, give, points, err);
        if (rc)
            return rc;
    }
    struct fdl_settlement_item items[FDL_MAX_PARTNERS];
    int count = 0;
    int rc = items_of_tally(def, prog, tz, s, redeemer, purchase_id, -1, now_s, points,
                            items, &count, err);
    for (int i = 0; i < count && rc == 0; i++)
        rc = FDL_STORE_CALL(st, settlement_item_insert, &items[i], err);
    return rc;
}

int svc_coalition_items(struct fdl_store *st, const struct fdl_program_def *def,
                        const struct fdl_program *prog, const struct fdl_tz *tz,
                        const struct member_state *s, const char *redeem_store,
                        int64_t purchase_id, int sign, int64_t now_s,
                        struct fdl_error *err)
{
    struct fdl_settlement_item items[FDL_MAX_PARTNERS];
    int n = 0;
    int rc = svc_coalition_plan(st, def, prog, tz, s, redeem_store, purchase_id, sign,
                                now_s, items, &n, err);
    for (int i = 0; i < n && rc == 0; i++)
        rc = FDL_STORE_CALL(st, settlement_item_insert, &items[i], err);
    return rc;
}

/* -- partner isolation -- keeps the pairs a's partner is part of (all for
 * the operator); returns how many. */
static int own_pairs(const struct fdl_actor *a, struct fdl_settlement_pair *pairs, int n)
{
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!a->partner[0] || strcmp(pairs[i].issuer, a->partner) == 0 ||
            strcmp(pairs[i].redeemer, a->partner) == 0)
            pairs[kept++] = pairs[i];
    return kept;
}

/* The program admin settles; the admin and the auditor read (a store
 * manager, who holds the admin scope for their store, does neither). */
static int admin_program(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int write, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    int admin = (a->scopes & FDL_SCOPE_ADMIN) && a->role != FDL_ROLE_MANAGER;
    if (!admin && (write || a->role != FDL_ROLE_AUDITOR))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL,
                             "settlements are for the program admin%s",
                             write ? "" : " and the auditor");
    return 0;
}

int fdl_svc_settlement_report(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t from_day, int64_t to_day,
                              int open_only, struct fdl_settlement_pair *out, int max,
                              int *count, struct fdl_error *err)
{
    int rc = admin_program(svc, st, a, 0, err);
    if (rc)
        return rc;
    if (from_day > to_day)
        return fdl_error_set(err, FDL_EINVALID, "to", "must not be before from");
    rc = FDL_STORE_CALL(st, settlement_pairs, a->program_id, from_day, to_day, open_only,
                        out, max, count, err);
    if (rc == 0)
        *count = own_pairs(a, out, *count);
    return rc;
}

int fdl_svc_settle(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, int64_t until_day, int64_t now_s,
                   struct fdl_settlement *out, struct fdl_settlement_pair *lines, int max,
                   int *count, struct fdl_error *err)
{
    int rc = admin_program(svc, st, a, 1, err);
    if (rc)
        return rc;
    *count = 0;
    rc = FDL_STORE_CALL(st, settlement_close, a->program_id, until_day, now_s, out, err);
    if (rc == 0 && out->id != 0)
        rc = FDL_STORE_CALL(st, settlement_get, a->program_id, out->id, out, lines, max,
                            count, err);
    return rc;
}

int fdl_svc_settlement_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t id,
                           struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                           int max, int *count, struct fdl_error *err)
{
    int rc = admin_program(svc, st, a, 0, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, settlement_get, a->program_id, id, out, lines, max, count,
                        err);
    if (rc == 0 && a->partner[0]) {
        /* A partner sees its own lines, and totals of those; a settlement
         * without any is not its to know of. */
        *count = own_pairs(a, lines, *count);
        out->points = out->amount_minor = out->items = 0;
        for (int i = 0; i < *count; i++) {
            out->points += lines[i].points;
            out->amount_minor += lines[i].amount_minor;
            out->items += lines[i].items;
        }
        if (*count == 0)
            rc = FDL_ENOT_FOUND;
    }
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "id", "no settlement with this id");
    return rc;
}

/* ---- partner isolation ---- */

int svc_partner_sees(const struct fdl_actor *a, const char *owner)
{
    return !a->partner[0] || strcmp(a->partner, owner ? owner : "") == 0;
}

int svc_def_now(struct fdl_service *svc, struct fdl_store *st, const struct fdl_actor *a,
                int64_t now_s, const struct fdl_program_def **def, struct fdl_error *err)
{
    *def = NULL;
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    *def = ver ? ver->def : NULL;
    return 0;
}

const char *svc_store_partner(const struct fdl_program_def *def, const char *store_code)
{
    const struct fdl_partner_def *p =
        def && store_code && *store_code ? fdl_partner_of_store(def, store_code) : NULL;
    return p ? p->id : "";
}

int fdl_svc_partner_for_new(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_actor *a, const char *requested,
                            const char *field, char out[FDL_PARTNER_ID_MAX + 1],
                            struct fdl_error *err)
{
    snprintf(out, FDL_PARTNER_ID_MAX + 1, "%s", a->partner);
    if (!requested)
        return 0;
    if (a->partner[0] && strcmp(requested, a->partner) != 0)
        return fdl_error_set(err, FDL_EFORBIDDEN, field,
                             "a partner's keys and staff belong to that partner only");
    const struct fdl_program_def *def;
    int rc = svc_def_now(svc, st, a, fdl_clock_now_s(), &def, err);
    if (rc)
        return rc;
    for (size_t i = 0; def && i < def->n_partners; i++)
        if (strcmp(def->partners[i].id, requested) == 0) {
            snprintf(out, FDL_PARTNER_ID_MAX + 1, "%s", requested);
            return 0;
        }
    return fdl_error_set(err, FDL_EINVALID, field,
                         "no partner \"%.*s\" in the program's partners: section",
                         FDL_PARTNER_ID_MAX, requested);
}
