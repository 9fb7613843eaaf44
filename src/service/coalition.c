/* coalition.c - settlement items of coalitions and their settlement (coalition.h). */
#include "service/coalition.h"
#include "service/internal.h"

#include "engine/currency.h"

#include <stdio.h>
#include <string.h>

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
        int64_t taken = sign > 0 ? -mv->delta : mv->delta;
        int64_t lot_id = s->lots.items[mv->lot_index].id;
        if (taken <= 0 || lot_id == 0)
            continue;
        char code[FDL_MAX_ID_LEN + 1];
        int rc = FDL_STORE_CALL(st, lot_issuer_store, s->member.program_id, s->member.id,
                                lot_id, code, err);
        if (rc)
            return rc;
        const struct fdl_partner_def *issuer = fdl_partner_of_store(def, code);
        if (issuer && issuer != redeemer)
            points[issuer - def->partners] += taken;
    }
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
    return FDL_STORE_CALL(st, settlement_pairs, a->program_id, from_day, to_day,
                          open_only, out, max, count, err);
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
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "id", "no settlement with this id");
    return rc;
}
