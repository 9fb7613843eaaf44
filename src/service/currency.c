/*
 * currency.c - the rate table's use cases and the currency feature's hooks
 * (see currency.h): conversion of a purchase in another currency before
 * every other feature, its record once the purchase is written, and the
 * till-currency amount of a refund.
 */
#include "service/currency.h"

#include "engine/currency.h"
#include "engine/earn.h"
#include "service/internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int valid_code(const char *code, const char *field, struct fdl_error *err)
{
    if (fdl_currency_decimals(code) < 0)
        return fdl_error_set(err, FDL_EINVALID, field,
                             "is not an ISO 4217 currency code like USD");
    return 0;
}

int fdl_svc_rate_put(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *code, int64_t rate,
                     int64_t effective_from_s, int64_t now_s,
                     struct fdl_currency_rate *out, int *created, struct fdl_error *err)
{
    assert(code && out && created && rate > 0);
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL, "rates need the admin scope");
    int rc = valid_code(code, "code", err);
    if (rc)
        return rc;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    if (strcmp(code, prog->currency) == 0)
        return fdl_error_set(err, FDL_EINVALID, "code",
                             "is the program's own currency; rates are for others");
    struct fdl_currency_rate r;
    memset(&r, 0, sizeof(r));
    memcpy(r.currency, code, 3);
    r.effective_from_s = effective_from_s;
    r.rate = rate;
    r.created_at_s = now_s;
    rc = FDL_STORE_CALL(st, currency_rate_insert, a->program_id, &r, err);
    if (rc == 0) {
        *out = r;
        *created = 1;
        return 0;
    }
    if (rc != FDL_EDUPLICATE)
        return rc;
    struct fdl_currency_rate old;
    rc = FDL_STORE_CALL(st, currency_rate_at, a->program_id, code, effective_from_s, &old,
                        err);
    if (rc)
        return rc;
    if (old.rate != rate) {
        char text[FDL_RATE_TEXT_MAX];
        fdl_rate_format(old.rate, text);
        return fdl_error_set(err, FDL_ECONFLICT, "effective_from",
                             "a rate of %s from this time exists; rates are history: "
                             "add the new one from a later time",
                             text);
    }
    *out = old;
    *created = 0;
    return 0;
}

int fdl_svc_currencies(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t now_s, char program_currency[4],
                       struct fdl_currency_summary *out, int max, int *count,
                       struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    memcpy(program_currency, prog->currency, 4);
    return FDL_STORE_CALL(st, currencies_list, a->program_id, now_s, out, max, count,
                          err);
}

int fdl_svc_rates_of(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *code, int64_t before_s,
                     int limit, struct fdl_currency_rate *out, int *count,
                     struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    int rc = valid_code(code, "code", err);
    if (rc)
        return rc;
    return FDL_STORE_CALL(st, currency_rates_of, a->program_id, code, before_s, limit,
                          out, count, err);
}

/* ---- the purchase hooks ---- */

/*
 * How the purchase in c converts: the rate in force at its time and the
 * basket's total in the till's currency and in the program's. 0 with
 * conv->currency "" when the purchase is in the program's currency.
 */
static int plan(const struct svc_purchase_ctx *c, struct fdl_purchase_conversion *conv,
                int64_t *from_minor_per_unit, struct fdl_error *err)
{
    memset(conv, 0, sizeof(*conv));
    const char *code = c->req->currency;
    if (strcmp(code, c->prog->currency) == 0)
        return 0;
    int decimals = fdl_currency_decimals(code);
    if (decimals < 0)
        return fdl_error_set(err, FDL_EINVALID, "currency",
                             "is not an ISO 4217 currency code; this program takes %s",
                             c->prog->currency);
    struct fdl_currency_rate rate;
    int rc = FDL_STORE_CALL(c->st, currency_rate_at, c->a->program_id, code,
                            c->p->occurred_at_s, &rate, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_ECONFLICT, "currency",
                             "no rate for %s is in force at the purchase's time; this "
                             "program takes %s",
                             code, c->prog->currency);
    if (rc)
        return rc;
    int64_t original = 0;
    for (size_t i = 0; i < c->req->line_count; i++)
        original += c->req->lines[i].quantity * c->req->lines[i].unit_price_minor;
    *from_minor_per_unit = fdl_currency_minor_per_unit(decimals);
    int64_t converted =
        fdl_currency_convert(original, *from_minor_per_unit, c->prog->minor_per_unit,
                             rate.rate, c->prog->rounding);
    if (converted < 0 || converted > FDL_MAX_CONVERTED_TOTAL_MINOR)
        return fdl_error_set(err, FDL_ERANGE, "currency",
                             "the basket converted to %s is too large",
                             c->prog->currency);
    memcpy(conv->currency, code, 3);
    conv->original_total_minor = original;
    conv->rate = rate.rate;
    conv->converted_total_minor = converted;
    return 0;
}

/* Converts the lines and total of a purchase in another currency. */
static int currency_check(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    struct fdl_purchase_conversion conv;
    int64_t from_minor = 1;
    int rc = plan(c, &conv, &from_minor, err);
    if (rc || !conv.currency[0])
        return rc;
    size_t n = (size_t)c->p->line_count;
    int64_t *weights = calloc(n * 2, sizeof(*weights));
    if (!weights)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int64_t *amounts = weights + n;
    for (size_t i = 0; i < n; i++)
        weights[i] = c->lines[i].amount_minor;
    fdl_allocate(conv.converted_total_minor, weights, n, amounts);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct fdl_purchase_line *l = &c->lines[i];
        l->amount_minor = amounts[i];
        l->unit_price_minor = l->quantity > 0 ? amounts[i] / l->quantity : 0;
        if (l->unit_price_minor > FDL_MAX_UNIT_PRICE_MINOR) {
            char field[FDL_ERROR_FIELD_MAX];
            snprintf(field, sizeof(field), "lines[%zu].unit_price", i);
            rc = fdl_error_set(err, FDL_ERANGE, field,
                               "converted to %s it is more than %lld minor units",
                               c->prog->currency, (long long)FDL_MAX_UNIT_PRICE_MINOR);
        }
    }
    free(weights);
    if (rc)
        return rc;
    c->p->total_minor = conv.converted_total_minor;
    memcpy(c->p->currency, c->prog->currency, sizeof(c->p->currency));
    return 0;
}

/* Records the conversion on the purchase and in the answer. */
static int currency_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    struct fdl_purchase_conversion conv;
    int64_t from_minor = 1;
    int rc = plan(c, &conv, &from_minor, err);
    if (rc || !conv.currency[0])
        return rc;
    rc = FDL_STORE_CALL(c->st, purchase_conversion_set, c->a->program_id, c->p->member_id,
                        c->p->id, &conv, err);
    if (rc == 0)
        c->res->conversion = conv;
    return rc;
}

/* The till-currency value of refunded (program minor units, cumulative). */
static int64_t original_of(const struct fdl_purchase_conversion *conv, int64_t refunded)
{
    if (conv->converted_total_minor <= 0 || refunded <= 0)
        return 0;
    if (refunded > conv->converted_total_minor)
        refunded = conv->converted_total_minor;
    return fdl_share(conv->original_total_minor, refunded, conv->converted_total_minor);
}

/* The refund in the till's currency, at the purchase's own rate. */
static int currency_refund(struct svc_refund_ctx *c, struct fdl_error *err)
{
    struct fdl_purchase_conversion conv;
    int rc = FDL_STORE_CALL(c->st, purchase_conversion_get, c->a->program_id,
                            c->p->member_id, c->p->id, &conv, err);
    if (rc || !conv.currency[0])
        return rc;
    int64_t after = c->p->refunded_minor, before = after - c->r->amount_minor;
    c->res->conversion = conv;
    c->res->original_amount_minor =
        original_of(&conv, after) - original_of(&conv, before);
    return 0;
}

const struct svc_feature svc_feature_currency = {
    "currency", NULL, currency_check, currency_apply, currency_refund, NULL,
};
