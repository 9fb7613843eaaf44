/*
 * service.c - the use cases. Each public function validates, loads the
 * member's state, lets the ledger and engine decide, and writes the result
 * through the store. Callers own the transaction (see service.h).
 */
#include "service/service.h"
#include "service/internal.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/earn.h"
#include "engine/messages.h"

#include <assert.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARD_ISSUE_ATTEMPTS 5

/* Loads program id from the store into svc. FDL_ENOT_FOUND if absent. */
static int program_load(struct fdl_service *svc, struct fdl_store *st, int64_t id,
                        struct fdl_error *err)
{
    char *json_text = NULL;
    int rc = FDL_STORE_CALL(st, program_get, id, &json_text, err);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *obj = json_loads(json_text, 0, &jerr);
    free(json_text);
    struct fdl_program p;
    fdl_program_default(&p);
    p.id = id;
    rc = obj ? fdl_program_from_json(obj, &p, err)
             : fdl_error_set(err, FDL_ESTORE, "program", "stored program is not JSON");
    json_decref(obj);
    if (rc == 0)
        rc = fdl_service_put_program(svc, NULL, &p, err);
    return rc;
}

int fdl_service_init(struct fdl_service *svc, struct fdl_store *st, int create_key,
                     struct fdl_error *err)
{
    memset(svc, 0, sizeof(*svc));
    pthread_mutex_init(&svc->lock, NULL);
    char hex[2 * FDL_CARD_KEY_BYTES + 1];
    int rc = FDL_STORE_CALL(st, meta_get, "card_key", hex, sizeof(hex), err);
    if (rc == FDL_ENOT_FOUND && create_key) {
        fdl_card_key_generate(&svc->card_key);
        fdl_card_key_to_hex(&svc->card_key, hex);
        rc = FDL_STORE_CALL(st, meta_set, "card_key", hex, err);
    } else if (rc == 0 && fdl_card_key_from_hex(hex, &svc->card_key) != 0) {
        rc = fdl_error_set(err, FDL_ESTORE, "card_key",
                           "the stored card secret is corrupt");
    } else if (rc == FDL_ENOT_FOUND) {
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "db",
                           "the database is not initialised; run `fidelis init` first");
    }
    if (rc)
        return rc;
    for (int64_t id = 1; id <= FDL_MAX_PROGRAMS; id++) {
        rc = program_load(svc, st, id, err);
        if (rc && rc != FDL_ENOT_FOUND)
            return rc;
    }
    fdl_error_clear(err);
    return 0;
}

void fdl_service_release(struct fdl_service *svc)
{
    for (int i = 0; i < svc->program_count; i++) {
        struct fdl_program_state *ps = &svc->programs[i];
        fdl_tz_free(ps->tz);
        for (int v = 0; v < ps->version_count; v++) {
            fdl_program_def_free(ps->versions[v].def);
            fdl_tz_free(ps->versions[v].tz);
        }
    }
    for (int i = 0; i < svc->zone_count; i++)
        fdl_tz_free(svc->zones[i].tz);
    pthread_mutex_destroy(&svc->lock);
    sodium_memzero(&svc->card_key, sizeof(svc->card_key));
}

int fdl_service_program_ids(struct fdl_service *svc, int64_t *ids, int max)
{
    int n = 0;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < svc->program_count && n < max; i++)
        ids[n++] = svc->programs[i].program.id;
    pthread_mutex_unlock(&svc->lock);
    return n;
}

int fdl_service_versions(struct fdl_service *svc, const struct fdl_program_state *ps,
                         struct fdl_version_state *out, int max)
{
    int n = 0;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < ps->version_count && n < max; i++)
        if (!ps->versions[i].retired)
            out[n++] = ps->versions[i];
    pthread_mutex_unlock(&svc->lock);
    return n;
}

const struct fdl_program_state *fdl_service_program(struct fdl_service *svc, int64_t id)
{
    const struct fdl_program_state *found = NULL;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < svc->program_count && !found; i++)
        if (svc->programs[i].program.id == id)
            found = &svc->programs[i];
    pthread_mutex_unlock(&svc->lock);
    return found;
}

/* Appends stored versions newer than those loaded (applied by this or
 * another process). Compiling a stored file cannot fail unless the code
 * changed under it; such a version is refused loudly. */
static int versions_sync(struct fdl_service *svc, struct fdl_store *st,
                         struct fdl_program_state *ps, struct fdl_error *err)
{
    int64_t latest, created;
    int rc = FDL_STORE_CALL(st, program_version_latest, ps->program.id, &latest, &created,
                            err);
    if (rc)
        return rc;
    /* A version this process saw inside a batch that then failed to commit
     * is not in the store: retire it (in-flight users may still hold it). */
    int64_t loaded = 0;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < ps->version_count; i++) {
        struct fdl_version_state *v = &ps->versions[i];
        if (!v->retired &&
            (v->version > latest || (v->version == latest && v->created_at_s != created)))
            v->retired = 1;
        if (!v->retired && v->version > loaded)
            loaded = v->version;
    }
    pthread_mutex_unlock(&svc->lock);
    if (latest <= loaded)
        return 0;
    struct fdl_program_version *all = NULL;
    size_t n = 0;
    if ((rc = FDL_STORE_CALL(st, program_versions_load, ps->program.id, &all, &n, err)))
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (all[i].version <= loaded)
            continue;
        struct fdl_version_state v = {
            all[i].version, all[i].effective_from_s, all[i].created_at_s, NULL, NULL, 0};
        rc = fdl_program_file_load(all[i].source, strlen(all[i].source), &v.def, err);
        if (rc == 0 && (rc = fdl_tz_load(v.def->program.time_zone, &v.tz, err)) != 0)
            fdl_program_def_free(v.def);
        if (rc)
            break;
        v.def->program.id = ps->program.id;
        pthread_mutex_lock(&svc->lock);
        int64_t newest = 0;
        for (int k = 0; k < ps->version_count; k++)
            if (!ps->versions[k].retired && ps->versions[k].version > newest)
                newest = ps->versions[k].version;
        if (ps->version_count < FDL_MAX_PROGRAM_VERSIONS && newest < v.version) {
            ps->versions[ps->version_count++] = v;
            v.def = NULL;
        }
        pthread_mutex_unlock(&svc->lock);
        if (v.def) { /* another thread was first, or no room */
            fdl_program_def_free(v.def);
            fdl_tz_free(v.tz);
        }
    }
    fdl_program_versions_free(all, n);
    return rc;
}

const struct fdl_version_state *fdl_program_version_at(struct fdl_service *svc,
                                                       const struct fdl_program_state *ps,
                                                       int64_t t_s)
{
    const struct fdl_version_state *found = NULL;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < ps->version_count; i++) {
        const struct fdl_version_state *v = &ps->versions[i];
        /* the latest effective date wins; among equal dates, the newest version */
        if (!v->retired && v->effective_from_s <= t_s &&
            (!found || v->effective_from_s >= found->effective_from_s))
            found = v;
    }
    pthread_mutex_unlock(&svc->lock);
    return found;
}

int fdl_svc_program(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, const struct fdl_program_state **out,
                    struct fdl_error *err)
{
    const struct fdl_program_state *ps = fdl_service_program(svc, a->program_id);
    int rc = 0;
    if (!ps && (rc = program_load(svc, st, a->program_id, err)) == 0)
        ps = fdl_service_program(svc, a->program_id);
    if (rc == FDL_ENOT_FOUND || (rc == 0 && !ps))
        return fdl_error_set(err, FDL_ENOT_FOUND, "program", "no program %lld",
                             (long long)a->program_id);
    if (rc == 0)
        rc = versions_sync(svc, st, (struct fdl_program_state *)ps, err);
    if (rc == 0)
        *out = ps;
    return rc;
}

int fdl_svc_program_check(const char *text, size_t len, struct fdl_error *err)
{
    if (len > FDL_MAX_PROGRAM_FILE_BYTES)
        return fdl_error_set(err, FDL_ETOO_LARGE, "program", "the file is over %d bytes",
                             FDL_MAX_PROGRAM_FILE_BYTES);
    struct fdl_program_def *def;
    int rc = fdl_program_file_load(text, len, &def, err);
    if (rc)
        return rc;
    struct fdl_tz *tz;
    rc = fdl_tz_load(def->program.time_zone, &tz, err);
    if (rc == 0)
        fdl_tz_free(tz);
    fdl_program_def_free(def);
    return rc;
}

int fdl_svc_program_apply(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *text, size_t len,
                          int64_t effective_from_s, int64_t now_s, int64_t *version,
                          struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL,
                             "applying a program needs the admin scope");
    if (ps->version_count >= FDL_MAX_PROGRAM_VERSIONS)
        return fdl_error_set(err, FDL_ERANGE, "program", "at most %d versions",
                             FDL_MAX_PROGRAM_VERSIONS);
    int rc = fdl_svc_program_check(text, len, err);
    if (rc)
        return rc;
    char *copy = strndup(text, len);
    if (!copy)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    rc = FDL_STORE_CALL(st, program_version_insert, a->program_id, effective_from_s, copy,
                        now_s, version, err);
    free(copy);
    if (rc == 0)
        rc = versions_sync(svc, st, (struct fdl_program_state *)ps, err);
    return rc;
}

/* With st NULL only the in-memory table changes (used while loading). */
int fdl_service_put_program(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_program *p, struct fdl_error *err)
{
    if (p->id < 1 || p->id > FDL_MAX_PROGRAMS)
        return fdl_error_set(err, FDL_ERANGE, "id", "program ids are 1 to %d",
                             FDL_MAX_PROGRAMS);
    struct fdl_tz *tz;
    int rc = fdl_tz_load(p->time_zone, &tz, err);
    if (rc)
        return rc;
    if (st) {
        json_t *obj = fdl_program_to_json(p);
        char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        json_decref(obj);
        rc = text ? FDL_STORE_CALL(st, program_put, p->id, text, err) : FDL_ENOMEM;
        free(text);
        if (rc) {
            fdl_tz_free(tz);
            return rc;
        }
    }
    pthread_mutex_lock(&svc->lock);
    struct fdl_program_state *slot = NULL;
    for (int i = 0; i < svc->program_count && !slot; i++)
        if (svc->programs[i].program.id == p->id)
            slot = &svc->programs[i];
    if (slot) {
        /* Replacing a loaded program while requests may read it: keep the old
         * zone alive (a few bytes per change) rather than free it under them. */
        slot->program = *p;
        slot->tz = tz;
    } else if (svc->program_count < FDL_MAX_PROGRAMS) {
        slot = &svc->programs[svc->program_count];
        slot->program = *p;
        slot->tz = tz;
        svc->program_count++;
    }
    pthread_mutex_unlock(&svc->lock);
    return 0;
}

const struct fdl_program_state *svc_program_of(struct fdl_service *svc,
                                               struct fdl_store *st,
                                               const struct fdl_actor *a,
                                               struct fdl_error *err)
{
    const struct fdl_program_state *ps = NULL;
    return fdl_svc_program(svc, st, a, &ps, err) == 0 ? ps : NULL;
}

/* ---- time ---- */

/* The instant points earned at now_s expire: the start of the local day after
 * the same date expiry_months later, in the program's time zone. */
int64_t svc_expiry_for(const struct fdl_program *prog, const struct fdl_tz *tz,
                       int64_t now_s)
{
    if (prog->expiry_months == 0)
        return FDL_LOT_NEVER;
    int64_t local_s = now_s + fdl_tz_offset_s(tz, now_s);
    int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
    int64_t y;
    int m, d;
    fdl_civil_from_days(days, &y, &m, &d);
    fdl_add_months(&y, &m, &d, prog->expiry_months);
    return fdl_tz_local_to_utc(tz, (fdl_days_from_civil(y, m, d) + 1) * 86400);
}

/* The settings and time zone in force at t_s: those of the program file
 * version in force, or the program's base settings before any. */
void svc_settings_at(struct fdl_service *svc, const struct fdl_program_state *ps,
                     int64_t t_s, const struct fdl_program **prog,
                     const struct fdl_tz **tz)
{
    const struct fdl_version_state *v = fdl_program_version_at(svc, ps, t_s);
    *prog = v ? &v->def->program : &ps->program;
    *tz = v ? v->tz : ps->tz;
}

/* Local calendar date (day number) of instant t_s in the program's zone. */
int64_t svc_local_day(const struct fdl_tz *tz, int64_t t_s)
{
    int64_t local_s = t_s + fdl_tz_offset_s(tz, t_s);
    return local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
}

/* ---- text normalisation ---- */

static int normalize_email(const char *in, char *out, size_t cap, struct fdl_error *err)
{
    while (*in == ' ')
        in++;
    size_t len = strlen(in);
    while (len && in[len - 1] == ' ')
        len--;
    if (len == 0 || len >= cap)
        return fdl_error_set(err, FDL_EINVALID, "email", "is empty or too long");
    const char *at = memchr(in, '@', len);
    const char *dot = at ? memchr(at, '.', len - (size_t)(at - in)) : NULL;
    if (!at || at == in || !dot || dot == at + 1 || in[len - 1] == '.' ||
        memchr(in, ' ', len) || memchr(at + 1, '@', len - (size_t)(at - in) - 1))
        return fdl_error_set(err, FDL_EINVALID, "email", "is not an e-mail address");
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
    return 0;
}

static int normalize_phone(const char *in, char *out, size_t cap, struct fdl_error *err)
{
    size_t n = 0, digits = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '+' && n == 0) {
            out[n++] = '+';
        } else if (*p >= '0' && *p <= '9') {
            if (n + 1 >= cap)
                return fdl_error_set(err, FDL_EINVALID, "phone", "has too many digits");
            out[n++] = *p;
            digits++;
        } else if (!strchr(" .-()/", *p)) {
            return fdl_error_set(
                err, FDL_EINVALID, "phone",
                "may hold only digits, a leading +, spaces, dots, dashes "
                "and brackets");
        }
    }
    out[n] = '\0';
    if (digits < 6 || digits > 15)
        return fdl_error_set(err, FDL_EINVALID, "phone", "must have 6 to 15 digits");
    return 0;
}

/* ---- members and cards ---- */

static int card_issue(struct fdl_service *svc, struct fdl_store *st, int64_t program_id,
                      int64_t member_id, int64_t now_s, struct fdl_card *card,
                      struct fdl_error *err)
{
    struct fdl_card c;
    memset(&c, 0, sizeof(c));
    c.program_id = program_id;
    c.member_id = member_id;
    c.status = FDL_CARD_ACTIVE;
    c.issued_at_s = now_s;
    int rc = FDL_EDUPLICATE;
    for (int i = 0; i < CARD_ISSUE_ATTEMPTS && rc == FDL_EDUPLICATE; i++) {
        fdl_card_generate(&svc->card_key, (uint32_t)program_id, c.number);
        rc = FDL_STORE_CALL(st, card_insert, &c, err);
    }
    if (rc == 0)
        *card = c;
    return rc;
}

#define MAX_SIGNUP_AWARDS 8 /* sign-up rules that can pay one enrolment */

/*
 * The program file's sign-up bonuses (`event: signup` rules in force on the
 * local day the member joins), posted as one bonus entry whose reason names
 * the rules. m->balance follows.
 */
static int signup_bonus(struct fdl_service *svc, struct fdl_store *st,
                        const struct fdl_actor *a, const struct fdl_program_state *ps,
                        struct fdl_member *m, struct fdl_error *err)
{
    int64_t now_s = m->created_at_s;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    if (!ver)
        return 0;
    struct fdl_rules_award awards[MAX_SIGNUP_AWARDS];
    size_t n = fdl_rules_signup(ver->def, svc_local_day(ver->tz, now_s), awards,
                                MAX_SIGNUP_AWARDS);
    int64_t points = 0;
    char reason[FDL_MAX_REASON_LEN + 1] = "signup:";
    for (size_t i = 0; i < n; i++) {
        points += awards[i].points;
        size_t len = strlen(reason);
        snprintf(reason + len, sizeof(reason) - len, "%s%s", i ? "," : "",
                 ver->def->rules[awards[i].rule].id);
    }
    if (points <= 0)
        return 0;
    struct member_state s;
    svc_state_init(&s, m);
    const struct fdl_program *prog = &ver->def->program;
    int rc = fdl_lots_earn(&s.lots, points, now_s, svc_expiry_for(prog, ver->tz, now_s),
                           0, &s.moves);
    if (rc == 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_BONUS, points, 0, reason, a, now_s, NULL,
                            err);
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    if (rc == 0)
        m->balance = s.member.balance;
    svc_state_release(&s);
    return rc;
}

int fdl_svc_enrol(struct fdl_service *svc, struct fdl_store *st,
                  const struct fdl_actor *a, const struct fdl_enrol_request *req,
                  struct fdl_member *member, struct fdl_card *card, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_member m;
    memset(&m, 0, sizeof(m));
    m.program_id = a->program_id;
    snprintf(m.name, sizeof(m.name), "%s", req->name);
    int key_len =
        fdl_text_fold(req->name, strlen(req->name), m.name_key, sizeof(m.name_key));
    if (key_len < 0)
        return fdl_error_set(err, FDL_EINVALID, "name", "is not valid UTF-8");
    if (key_len == 0)
        return fdl_error_set(err, FDL_EINVALID, "name", "must contain a letter or digit");
    int rc;
    if (req->email && (rc = normalize_email(req->email, m.email, sizeof(m.email), err)))
        return rc;
    if (req->phone && (rc = normalize_phone(req->phone, m.phone, sizeof(m.phone), err)))
        return rc;
    m.has_birthday = req->has_birthday;
    m.birthday_days = req->birthday_days;
    m.marketing_consent = req->marketing_consent;
    snprintf(m.home_store, sizeof(m.home_store), "%s",
             req->home_store ? req->home_store : "");
    m.created_at_s = fdl_clock_now_s();
    if ((rc = FDL_STORE_CALL(st, member_insert, &m, err)))
        return rc;
    struct fdl_card c;
    if ((rc = card_issue(svc, st, a->program_id, m.id, m.created_at_s, &c, err)))
        return rc;
    if ((rc = signup_bonus(svc, st, a, ps, &m, err)))
        return rc;
    struct svc_enrol_ctx ctx = {svc, st, a, req, ps, &m, m.created_at_s};
    for (size_t f = 0; f < svc_feature_count && rc == 0; f++)
        if (svc_features[f]->enrol)
            rc = svc_features[f]->enrol(&ctx, err);
    if (rc)
        return rc;
    *member = m;
    *card = c;
    return 0;
}

int fdl_svc_member_get(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t member_id,
                       struct fdl_member *out, struct fdl_error *err)
{
    (void)svc;
    int rc = FDL_STORE_CALL(st, member_get, a->program_id, member_id, out, err);
    if (rc == FDL_ENOT_FOUND)
        fdl_error_set(err, rc, "member_id", "no member %lld", (long long)member_id);
    return rc;
}

int fdl_svc_card_get(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *number, struct fdl_card *out,
                     struct fdl_error *err)
{
    char digits[FDL_CARD_DIGITS + 1];
    int rc = fdl_card_check(&svc->card_key, (uint32_t)a->program_id, number, "card",
                            digits, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, card_get, a->program_id, digits, out, err);
    if (rc == FDL_ENOT_FOUND)
        fdl_error_set(err, rc, "card", "no such card");
    return rc;
}

int fdl_svc_member_by_card(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, const char *card_number,
                           struct fdl_member *out, struct fdl_error *err)
{
    struct fdl_card card;
    int rc = fdl_svc_card_get(svc, st, a, card_number, &card, err);
    if (rc)
        return rc;
    if (card.status != FDL_CARD_ACTIVE)
        return fdl_error_set(err, FDL_ECARD_BLOCKED, "card",
                             "this card is blocked; ask for the member's current card");
    return fdl_svc_member_get(svc, st, a, card.member_id, out, err);
}

int fdl_svc_member_by_contact(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, enum fdl_member_lookup by,
                              const char *value, struct fdl_member *out,
                              struct fdl_error *err)
{
    (void)svc;
    char normal[FDL_MAX_EMAIL_LEN + 1];
    int rc = by == FDL_LOOKUP_EMAIL
                 ? normalize_email(value, normal, sizeof(normal), err)
                 : normalize_phone(value, normal, FDL_MAX_PHONE_LEN + 1, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, member_find, a->program_id, by, normal, out, err);
    if (rc == FDL_ENOT_FOUND)
        fdl_error_set(err, rc, by == FDL_LOOKUP_EMAIL ? "email" : "phone",
                      "no member has it");
    return rc;
}

int fdl_svc_member_search(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *query, int64_t after_id,
                          int limit, struct fdl_member *out, int *count,
                          struct fdl_error *err)
{
    (void)svc;
    char folded[FDL_MAX_NAME_LEN * 2 + 1];
    if (strlen(query) > FDL_MAX_NAME_LEN)
        return fdl_error_set(err, FDL_ERANGE, "q", "is longer than %d bytes",
                             FDL_MAX_NAME_LEN);
    if (fdl_text_fold(query, strlen(query), folded, sizeof(folded)) < 0)
        return fdl_error_set(err, FDL_EINVALID, "q", "is not valid UTF-8");
    char *words[FDL_MAX_SEARCH_WORDS + 1];
    int n = fdl_text_words(folded, words, FDL_MAX_SEARCH_WORDS + 1);
    if (n == 0)
        return fdl_error_set(err, FDL_EINVALID, "q", "must contain a letter or digit");
    if (n > FDL_MAX_SEARCH_WORDS)
        return fdl_error_set(err, FDL_ERANGE, "q", "at most %d words",
                             FDL_MAX_SEARCH_WORDS);
    return FDL_STORE_CALL(st, member_search, a->program_id, words, n, after_id, limit,
                          out, count, err);
}

int fdl_svc_segments_get(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id,
                         char (*out)[FDL_SEGMENT_MAX + 1], int *count,
                         struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_segments_get, a->program_id, member_id, out,
                            FDL_MAX_MEMBER_SEGMENTS, count, err);
    return rc;
}

static int valid_segment(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > FDL_SEGMENT_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

int fdl_svc_segments_set(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id,
                         const char *const *segments, int n, struct fdl_error *err)
{
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL, "segments need the admin scope");
    if (n < 0 || n > FDL_MAX_MEMBER_SEGMENTS)
        return fdl_error_set(err, FDL_ERANGE, "segments", "at most %d segments",
                             FDL_MAX_MEMBER_SEGMENTS);
    for (int i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof(field), "segments[%d]", i);
        if (!valid_segment(segments[i]))
            return fdl_error_set(err, FDL_EINVALID, field,
                                 "a segment is 1 to %d of a-z 0-9 - _ .",
                                 FDL_SEGMENT_MAX);
        for (int j = 0; j < i; j++)
            if (strcmp(segments[i], segments[j]) == 0)
                return fdl_error_set(err, FDL_EINVALID, field, "\"%s\" is listed twice",
                                     segments[i]);
    }
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_segments_set, a->program_id, member_id, segments,
                            n, err);
    return rc;
}

int fdl_svc_card_issue(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t member_id,
                       struct fdl_card *card, struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    return card_issue(svc, st, a->program_id, member_id, fdl_clock_now_s(), card, err);
}

int fdl_svc_card_block(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, const char *number, const char *reason,
                       int replace, struct fdl_card *blocked,
                       struct fdl_card *replacement, struct fdl_error *err)
{
    struct fdl_card card, fresh;
    int rc = fdl_svc_card_get(svc, st, a, number, &card, err);
    if (rc)
        return rc;
    if (card.status == FDL_CARD_BLOCKED)
        return fdl_error_set(err, FDL_ECARD_BLOCKED, "card",
                             "the card is already blocked");
    int64_t now_s = fdl_clock_now_s();
    card.status = FDL_CARD_BLOCKED;
    card.blocked_at_s = now_s;
    snprintf(card.block_reason, sizeof(card.block_reason), "%s", reason ? reason : "");
    if (replace) {
        rc = card_issue(svc, st, a->program_id, card.member_id, now_s, &fresh, err);
        if (rc)
            return rc;
        memcpy(card.replaced_by, fresh.number, sizeof(card.replaced_by));
    }
    if ((rc = FDL_STORE_CALL(st, card_update, &card, err)))
        return rc;
    *blocked = card;
    if (replace)
        *replacement = fresh;
    return 0;
}

int fdl_svc_cards_of(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, int64_t member_id, struct fdl_card *out,
                     int *count, struct fdl_error *err)
{
    (void)svc;
    return FDL_STORE_CALL(st, card_list, a->program_id, member_id, out,
                          FDL_MAX_CARDS_LISTED, count, err);
}

/* ---- member state and writing ledger movements ---- */

/* Nothing loaded yet: both cursors before every lot. */
static void cursors_init(struct member_state *s)
{
    s->spendable = (struct svc_lot_cursor){INT64_MIN, 0, FDL_LOTS_LOAD_BATCH};
    s->positive = s->spendable;
}

void svc_state_init(struct member_state *s, const struct fdl_member *m)
{
    fdl_lots_init(&s->lots);
    fdl_moves_init(&s->moves);
    cursors_init(s);
    s->member = *m;
}

/* Appends the lots of q not loaded yet (a loaded lot's copy in memory is
 * the newer); *rows says how many q returned, *last the last of them. */
static int lots_merge(struct fdl_store *st, struct member_state *s,
                      const struct fdl_lot_query *q, size_t *rows, struct fdl_lot *last,
                      struct fdl_error *err)
{
    struct fdl_lots got;
    fdl_lots_init(&got);
    int rc =
        FDL_STORE_CALL(st, lots_select, s->member.program_id, s->member.id, q, &got, err);
    for (size_t i = 0; i < got.count && rc == 0; i++)
        if (fdl_lots_find(&s->lots, got.items[i].id) < 0 &&
            fdl_lots_push(&s->lots, &got.items[i], NULL))
            rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    *rows = got.count;
    if (rc == 0 && got.count > 0 && last)
        *last = got.items[got.count - 1];
    fdl_lots_release(&got);
    return rc;
}

/*
 * Loads lots of set (SPENDABLE or POSITIVE) in spending order after cursor
 * c, a batch at a time, until what the ledger can take from the lots loaded
 * through c covers amount, or every such lot is loaded (c at the end).
 */
static int lots_cover(struct fdl_store *st, struct member_state *s, enum fdl_lot_set set,
                      struct svc_lot_cursor *c, int64_t now_s, int64_t amount,
                      struct fdl_error *err)
{
    int available_only = set == FDL_LOTS_SPENDABLE;
    while (!(c->expires_at_s == INT64_MAX && c->id == INT64_MAX) &&
           fdl_lots_sum_through(&s->lots, now_s, available_only, c->expires_at_s, c->id) <
               amount) {
        struct fdl_lot_query q = {set, now_s, 0, c->expires_at_s, c->id, c->batch};
        struct fdl_lot last;
        size_t rows = 0;
        int rc = lots_merge(st, s, &q, &rows, &last, err);
        if (rc)
            return rc;
        if ((int64_t)rows < c->batch) { /* none left: complete through the end */
            c->expires_at_s = c->id = INT64_MAX;
            break;
        }
        c->expires_at_s = last.expires_at_s;
        c->id = last.id;
        c->batch = c->batch * 2 < FDL_MAX_LOTS_LOAD_BATCH ? c->batch * 2
                                                          : FDL_MAX_LOTS_LOAD_BATCH;
    }
    return 0;
}

int svc_state_load(struct fdl_store *st, int64_t program_id, int64_t member_id,
                   struct member_state *s, struct fdl_error *err)
{
    fdl_lots_init(&s->lots);
    fdl_moves_init(&s->moves);
    cursors_init(s);
    int rc = FDL_STORE_CALL(st, member_get, program_id, member_id, &s->member, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "member_id", "no member %lld",
                             (long long)member_id);
    if (rc || s->member.balance >= 0)
        return rc;
    /* Debt is only ever made when no lot has points left (a clawback takes
     * every lot with points first) and every point in pays it first, so a
     * member with debt has a negative balance: only then is there any. */
    struct fdl_lot_query q = {.set = FDL_LOTS_DEBT, .limit = INT64_MAX};
    size_t rows;
    return lots_merge(st, s, &q, &rows, NULL, err);
}

void svc_state_release(struct member_state *s)
{
    fdl_lots_release(&s->lots);
    fdl_moves_release(&s->moves);
}

int svc_lots_spend(struct fdl_store *st, struct member_state *s, int64_t amount,
                   int64_t now_s, struct fdl_error *err)
{
    assert(amount > 0);
    /* lots expiring at or before now are never spendable: vacuously loaded */
    if (s->spendable.expires_at_s < now_s)
        s->spendable.expires_at_s = now_s, s->spendable.id = INT64_MAX;
    int rc = lots_cover(st, s, FDL_LOTS_SPENDABLE, &s->spendable, now_s, amount, err);
    if (rc == 0 &&
        (rc = fdl_lots_spend(&s->lots, amount, now_s, &s->moves, err)) == FDL_ENOMEM)
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    return rc;
}

int svc_lots_clawback(struct fdl_store *st, struct member_state *s, int64_t amount,
                      int64_t purchase_id, int64_t *taken, struct fdl_error *err)
{
    assert(amount > 0);
    int rc = 0;
    if (purchase_id) {
        struct fdl_lot_query q = {
            .set = FDL_LOTS_OF_PURCHASE, .purchase_id = purchase_id, .limit = INT64_MAX};
        size_t rows;
        rc = lots_merge(st, s, &q, &rows, NULL, err);
    }
    /* The purchase's own lots can only lower what the rest must give. */
    if (rc == 0)
        rc = lots_cover(st, s, FDL_LOTS_POSITIVE, &s->positive, 0, amount, err);
    if (rc == 0 && fdl_lots_clawback(&s->lots, amount, purchase_id, &s->moves, taken))
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    return rc;
}

int svc_lot_index(struct fdl_store *st, struct member_state *s, int64_t lot_id,
                  size_t *index, struct fdl_error *err)
{
    long found = fdl_lots_find(&s->lots, lot_id);
    if (found >= 0) {
        *index = (size_t)found;
        return 0;
    }
    struct fdl_lot lot;
    int rc = FDL_STORE_CALL(st, lot_get, s->member.program_id, s->member.id, lot_id, &lot,
                            err);
    if (rc == 0 && fdl_lots_push(&s->lots, &lot, index))
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    return rc;
}

int svc_lots_expire(struct fdl_store *st, struct member_state *s, int64_t now_s,
                    int64_t *expired, struct fdl_error *err)
{
    struct fdl_lot_query q = {.set = FDL_LOTS_DUE, .now_s = now_s, .limit = INT64_MAX};
    size_t rows;
    int rc = lots_merge(st, s, &q, &rows, NULL, err);
    if (rc == 0 && fdl_lots_expire(&s->lots, now_s, &s->moves, expired))
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    return rc;
}

/* Inserts the lots a plan created and writes back the ones it changed. */
int svc_flush_lots(struct fdl_store *st, struct member_state *s, struct fdl_error *err)
{
    int64_t pid = s->member.program_id, mid = s->member.id;
    int rc = 0;
    for (size_t i = 0; i < s->lots.count && rc == 0; i++) {
        struct fdl_lot *l = &s->lots.items[i];
        if (l->id == 0)
            rc = FDL_STORE_CALL(st, lot_insert, pid, mid, l, err);
        else if (l->dirty)
            rc = FDL_STORE_CALL(st, lot_update, pid, mid, l, err);
        l->dirty = 0;
    }
    return rc;
}

/*
 * Writes one journal entry of kind for `points` with the moves the ledger
 * made since the last call: new lots are inserted, changed ones updated,
 * then the entry, its postings and its moves. Updates the cached balance in
 * s->member (the caller stores it once at the end).
 */
int svc_post_entry(struct fdl_store *st, struct member_state *s, enum fdl_entry_kind kind,
                   int64_t points, int64_t purchase_id, const char *reason,
                   const struct fdl_actor *a, int64_t now_s, int64_t *entry_id,
                   struct fdl_error *err)
{
    int64_t pid = s->member.program_id, mid = s->member.id;
    struct fdl_entry entry;
    if (fdl_entry_build(&entry, kind, mid, points))
        return fdl_error_set(err, FDL_EINTERNAL, NULL, "bad ledger movement");
    int64_t moved = 0;
    for (size_t i = 0; i < s->moves.count; i++)
        moved += s->moves.items[i].delta;
    int rc = svc_flush_lots(st, s, err);
    int64_t id = 0;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, entry_insert, pid, &entry, purchase_id, reason, a->name,
                            now_s, &id, err);
    for (size_t i = 0; i < s->moves.count && rc == 0; i++) {
        const struct fdl_move *mv = &s->moves.items[i];
        rc = FDL_STORE_CALL(st, move_insert, pid, mid, id,
                            s->lots.items[mv->lot_index].id, mv->delta, err);
    }
    s->moves.count = 0;
    if (rc)
        return rc;
    s->member.balance += fdl_entry_member_delta(&entry);
    /* The entry moves the balance by what its moves moved the lots, so the
     * cached balance stays the sum of the lots (only some of them are
     * loaded; `fidelis audit` checks all of them). */
    if (moved != fdl_entry_member_delta(&entry))
        return fdl_error_set(err, FDL_EINTERNAL, "member_id",
                             "member %lld: an entry of %lld points moved lots by %lld",
                             (long long)mid, (long long)fdl_entry_member_delta(&entry),
                             (long long)moved);
    if (entry_id)
        *entry_id = id;
    return 0;
}

int svc_state_save_balance(struct fdl_store *st, struct member_state *s,
                           struct fdl_error *err)
{
    return FDL_STORE_CALL(st, member_set_balance, s->member.program_id, s->member.id,
                          s->member.balance, err);
}

_Static_assert(FDL_MAX_EXPIRING_SHOWN <= FDL_LOT_SUMS_MAX_EXPIRING,
               "lot_sums reads as many expiries as a balance shows");

int svc_balance_of(struct fdl_store *st, struct member_state *s, int64_t now_s,
                   struct fdl_balance *b, struct fdl_error *err)
{
    assert(s->moves.count == 0); /* every change is posted */
    struct fdl_lot_sums sums;
    int64_t horizon = now_s + (int64_t)FDL_EXPIRING_WINDOW_DAYS * 86400;
    int rc = svc_flush_lots(st, s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, lot_sums, s->member.program_id, s->member.id, now_s,
                            horizon, &sums, err);
    if (rc)
        return rc;
    memset(b, 0, sizeof(*b));
    b->total = s->member.balance;
    b->pending = sums.pending;
    /* total = debt + available lots + pending + due: the rest is spendable */
    b->available = b->total - sums.pending - sums.due;
    b->expiring_count = sums.expiring_count < FDL_MAX_EXPIRING_SHOWN
                            ? sums.expiring_count
                            : FDL_MAX_EXPIRING_SHOWN;
    for (int k = 0; k < b->expiring_count; k++) {
        b->expiring[k].expires_at_s = sums.expiring[k].expires_at_s;
        b->expiring[k].points = sums.expiring[k].points;
    }
    return 0;
}

int svc_points_available(struct fdl_store *st, struct member_state *s, int64_t now_s,
                         int64_t *available, struct fdl_error *err)
{
    struct fdl_balance b;
    int rc = svc_balance_of(st, s, now_s, &b, err);
    if (rc == 0)
        *available = b.available;
    return rc;
}

int fdl_svc_balance(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                    struct fdl_balance *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_member m;
    int rc = FDL_STORE_CALL(st, member_get, a->program_id, member_id, &m, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "member_id", "no member %lld",
                             (long long)member_id);
    if (rc)
        return rc;
    struct member_state s;
    svc_state_init(&s, &m);
    rc = svc_balance_of(st, &s, now_s, out, err);
    svc_state_release(&s);
    return rc;
}

int fdl_svc_history(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, int64_t before_entry_id,
                    int limit, struct fdl_history_row *out, int *count,
                    struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    return FDL_STORE_CALL(st, history, a->program_id, member_id, before_entry_id, limit,
                          out, count, err);
}

/* ---- receipt messages ---- */

/* Appends receipt message id in lang (from the catalogues of
 * engine/messages.h), for count n and, when the message has one, text. */
void svc_add_message(char (*messages)[FDL_MESSAGE_MAX], int *count, const char *lang,
                     enum fdl_message_id id, long long n, const char *text)
{
    if (*count >= FDL_MAX_MESSAGES)
        return;
    if (text)
        fdl_message_count_text(messages[*count], FDL_MESSAGE_MAX, id, lang, n, text);
    else
        fdl_message_count(messages[*count], FDL_MESSAGE_MAX, id, lang, n);
    (*count)++;
}

void svc_balance_messages(const struct fdl_tz *tz, const char *lang,
                          const struct fdl_balance *b, char (*messages)[FDL_MESSAGE_MAX],
                          int *count)
{
    svc_add_message(messages, count, lang,
                    b->total < 0 ? FDL_MSG_BALANCE_OWED : FDL_MSG_BALANCE,
                    (long long)b->total, NULL);
    if (b->pending > 0)
        svc_add_message(messages, count, lang, FDL_MSG_PENDING, (long long)b->pending,
                        NULL);
    if (b->expiring_count > 0) {
        char date[16];
        /* Lots expire at the start of a local day: the last valid day is the one before.
         * The date is ISO 8601, which reads the same in every language. */
        fdl_date_format(svc_local_day(tz, b->expiring[0].expires_at_s - 1), date);
        svc_add_message(messages, count, lang, FDL_MSG_EXPIRING,
                        (long long)b->expiring[0].points, date);
    }
}

/* ---- purchases ---- */

void fdl_purchase_result_release(struct fdl_purchase_result *res)
{
    free(res->lines);
    res->lines = NULL;
}

static int purchase_member(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a,
                           const struct fdl_purchase_request *req, int64_t *member_id,
                           struct fdl_error *err)
{
    struct fdl_member m;
    int rc = req->card_number
                 ? fdl_svc_member_by_card(svc, st, a, req->card_number, &m, err)
                 : fdl_svc_member_get(svc, st, a, req->member_id, &m, err);
    if (rc == 0)
        *member_id = m.id;
    return rc;
}

static int purchase_lines(const struct fdl_purchase_request *req,
                          struct fdl_purchase_line *lines, int64_t *total,
                          struct fdl_error *err)
{
    *total = 0;
    for (size_t i = 0; i < req->line_count; i++) {
        const struct fdl_line_request *in = &req->lines[i];
        struct fdl_purchase_line *l = &lines[i];
        memset(l, 0, sizeof(*l));
        l->line_no = (int)i + 1;
        snprintf(l->sku, sizeof(l->sku), "%s", in->sku);
        snprintf(l->category, sizeof(l->category), "%s",
                 in->category ? in->category : "");
        l->quantity = in->quantity;
        l->unit_price_minor = in->unit_price_minor;
        l->amount_minor = in->quantity * in->unit_price_minor;
        *total += l->amount_minor;
    }
    if (*total < 0)
        return fdl_error_set(err, FDL_ERANGE, "lines", "the basket total is negative");
    return 0;
}

void svc_allocate_to_lines(struct fdl_purchase_line *lines, size_t n, int64_t points,
                           int64_t redeemed)
{
    int64_t *weights = calloc(n * 3, sizeof(*weights));
    if (!weights) /* allocation for <= FDL_MAX_BASKET_LINES; treated as fatal */
        abort();
    int64_t *earned = weights + n, *spent = weights + 2 * n;
    for (size_t i = 0; i < n; i++)
        weights[i] = lines[i].amount_minor;
    fdl_allocate(points, weights, n, earned);
    fdl_allocate(redeemed, weights, n, spent);
    for (size_t i = 0; i < n; i++) {
        lines[i].points = earned[i];
        lines[i].redeemed_points = spent[i];
    }
    free(weights);
}

/* ---- tiers ---- */

static int64_t day_start_utc(const struct fdl_tz *tz, int64_t day)
{
    return fdl_tz_local_to_utc(tz, day * 86400);
}

/* The member's qualifying value (spend, points or visits) in [from_day, to_day). */
static int tier_value(struct fdl_store *st, const struct fdl_tier_def *t,
                      const struct fdl_tz *tz, const struct fdl_member *m,
                      int64_t from_day, int64_t to_day, int64_t *value,
                      struct fdl_error *err)
{
    int64_t spend, points, visits;
    int rc = FDL_STORE_CALL(st, member_activity, m->program_id, m->id,
                            day_start_utc(tz, from_day), day_start_utc(tz, to_day),
                            &spend, &points, &visits, err);
    if (rc == 0)
        *value = t->basis == FDL_TIER_BASIS_SPEND    ? spend
                 : t->basis == FDL_TIER_BASIS_POINTS ? points
                                                     : visits;
    return rc;
}

/*
 * After a purchase (already stored): the member's value in the window that
 * holds the purchase's local day; an upgrade takes effect at once and is
 * reviewed at the end of its period plus grace. Fills out for the answer.
 */
static int tier_after_purchase(struct fdl_store *st, const struct fdl_version_state *ver,
                               const struct fdl_member *m, int64_t occurred_s,
                               struct fdl_tier_status *out, struct fdl_error *err)
{
    const struct fdl_tier_def *t = &ver->def->tiers;
    memset(out, 0, sizeof(*out));
    if (!t->enabled)
        return 0;
    int64_t day = svc_local_day(ver->tz, occurred_s), from_day, to_day, value;
    fdl_tier_window(t, day, &from_day, &to_day);
    int rc = tier_value(st, t, ver->tz, m, from_day, to_day, &value, err);
    if (rc)
        return rc;
    int current = fdl_tier_index(t, m->tier);
    if (current < 0) /* a level renamed by a newer program version */
        current = 0;
    int level = fdl_tier_after_purchase(t, current, value);
    int64_t review_at = m->tier_review_at_s;
    if (level != current || !m->tier[0] || !review_at) {
        review_at = day_start_utc(ver->tz, fdl_tier_review_day(t, day));
        rc = FDL_STORE_CALL(st, member_set_tier, m->program_id, m->id,
                            fdl_tier_name(t, level), review_at, err);
    }
    out->enabled = 1;
    out->upgraded = level > current;
    snprintf(out->name, sizeof(out->name), "%s", fdl_tier_name(t, level));
    int next = fdl_tier_progress(t, value, &out->missing);
    if (next > level)
        snprintf(out->next, sizeof(out->next), "%s", fdl_tier_name(t, next));
    else
        out->missing = 0;
    out->basis = t->basis;
    out->review_at_s = review_at;
    return rc;
}

/* Reviews one member's tier at the end of its period and grace. */
static int tier_review(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_program_state *ps, int64_t member_id,
                       int64_t now_s, struct fdl_error *err)
{
    struct fdl_member m;
    int rc = FDL_STORE_CALL(st, member_get, ps->program.id, member_id, &m, err);
    if (rc)
        return rc;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    if (!ver || !ver->def->tiers.enabled) /* the program dropped tiers: stop reviewing */
        return FDL_STORE_CALL(st, member_set_tier, m.program_id, m.id, m.tier, 0, err);
    const struct fdl_tier_def *t = &ver->def->tiers;
    /* The period ended grace_months before the review day. */
    int64_t y;
    int mo, d;
    fdl_civil_from_days(svc_local_day(ver->tz, m.tier_review_at_s), &y, &mo, &d);
    fdl_add_months(&y, &mo, &d, -t->grace_months);
    int64_t end_day = fdl_days_from_civil(y, mo, d), from_day, to_day, value;
    fdl_tier_window(t, end_day - 1, &from_day, &to_day);
    if ((rc = tier_value(st, t, ver->tz, &m, from_day, to_day, &value, err)))
        return rc;
    int current = fdl_tier_index(t, m.tier);
    int level = fdl_tier_review(t, current < 0 ? 0 : current, value);
    return FDL_STORE_CALL(st, member_set_tier, m.program_id, m.id,
                          fdl_tier_name(t, level),
                          day_start_utc(ver->tz, fdl_tier_review_day(t, end_day)), err);
}

/* Base rate, no program file: points on what was paid, allocated to lines. */
static int earn_flat(const struct fdl_program *prog, struct fdl_purchase *p,
                     struct fdl_purchase_line *lines, struct fdl_points_row **awards,
                     int *award_count, struct fdl_error *err)
{
    p->points_earned = fdl_earn_points(prog, p->total_minor - p->discount_minor -
                                                 p->coupon_discount_minor);
    if (p->points_earned > FDL_MAX_POINTS)
        return fdl_error_set(err, FDL_ERANGE, "lines",
                             "the basket would earn more than %lld points",
                             (long long)FDL_MAX_POINTS);
    svc_allocate_to_lines(lines, (size_t)p->line_count, p->points_earned,
                          p->points_redeemed);
    *awards = calloc(1, sizeof(**awards));
    if (!*awards)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    if (p->points_earned > 0) {
        snprintf((*awards)[0].rule, sizeof((*awards)[0].rule), "base-rate");
        (*awards)[0].points = p->points_earned;
        *award_count = 1;
    }
    return 0;
}

/* Local calendar parts of t_s in zone tz. */
struct fdl_local_time svc_local_time_of(const struct fdl_tz *tz, int64_t t_s)
{
    int64_t local_s = t_s + fdl_tz_offset_s(tz, t_s);
    int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
    int64_t second = local_s - days * 86400, y;
    int m, d;
    fdl_civil_from_days(days, &y, &m, &d);
    struct fdl_local_time lt = {(int)y,
                                m,
                                d,
                                (int)(((days % 7) + 7 + 3) % 7) + 1,
                                (int)(second / 3600),
                                (int)(second / 60 % 60)};
    return lt;
}

/* The member as the earn rules see them at the purchase. */
/* Whether any rule may look at the member's segments. */
static int uses_segments(const struct fdl_program_def *def)
{
    for (size_t i = 0; i < def->n_rules; i++)
        if (def->rules[i].segments.n || def->rules[i].when || def->rules[i].when_line)
            return 1;
    return 0;
}

/* A member's segments, loaded for the earn rules. */
struct segments_buf {
    char names[FDL_MAX_MEMBER_SEGMENTS][FDL_SEGMENT_MAX + 1];
    const char *ptrs[FDL_MAX_MEMBER_SEGMENTS];
};

static int rules_member(struct fdl_store *st, const struct fdl_version_state *ver,
                        const struct fdl_member *m, int64_t occurred_s,
                        const struct fdl_local_time *now, struct segments_buf *segs,
                        struct fdl_rules_member *out, struct fdl_error *err)
{
    int64_t visits = 0;
    int n_segments = 0;
    int rc = FDL_STORE_CALL(st, member_visits, m->program_id, m->id, &visits, err);
    if (rc == 0 && uses_segments(ver->def))
        rc = FDL_STORE_CALL(st, member_segments_get, m->program_id, m->id, segs->names,
                            FDL_MAX_MEMBER_SEGMENTS, &n_segments, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n_segments; i++)
        segs->ptrs[i] = segs->names[i];
    out->segments = segs->ptrs;
    out->n_segments = (size_t)n_segments;
    /* The tier the member holds before this purchase counts for its rules. */
    const struct fdl_tier_def *t = &ver->def->tiers;
    int level = t->enabled ? fdl_tier_index(t, m->tier) : 0;
    out->tier = t->enabled ? fdl_tier_name(t, level < 0 ? 0 : level) : "";
    out->visits = visits;
    out->first_purchase = visits == 0;
    out->days_since_enrol =
        occurred_s > m->created_at_s ? (occurred_s - m->created_at_s) / 86400 : 0;
    if (m->has_birthday) {
        int64_t y;
        int bm, bd;
        fdl_civil_from_days(m->birthday_days, &y, &bm, &bd);
        out->birthday_today = bm == now->month && bd == now->day;
    }
    return 0;
}

/*
 * Earn under a program file version: evaluates its rules on the basket,
 * sets the points per line and in total, and returns the awards (which rule
 * gave which points) as rows for the ledger. Redeemed points are allocated
 * to lines by amount as with the base rate.
 */
static int earn_by_rules(struct fdl_store *st, const struct fdl_version_state *ver,
                         const struct fdl_tz *store_tz,
                         const struct fdl_purchase_request *req,
                         const struct fdl_member *m, struct fdl_purchase *p,
                         struct fdl_purchase_line *lines, struct fdl_points_row **rows,
                         int *row_count, struct fdl_error *err)
{
    size_t n = req->line_count, cap = fdl_rules_max_awards(ver->def, n);
    struct fdl_rules_line *in_lines = calloc(n, sizeof(*in_lines));
    int64_t *line_points = calloc(n, sizeof(*line_points));
    struct fdl_rules_award *awards = calloc(cap ? cap : 1, sizeof(*awards));
    struct segments_buf *segs = malloc(sizeof(*segs));
    *rows = calloc(cap ? cap : 1, sizeof(**rows));
    int rc = in_lines && line_points && awards && segs && *rows
                 ? 0
                 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++)
        in_lines[i] =
            (struct fdl_rules_line){lines[i].sku,         lines[i].category,
                                    req->lines[i].labels, req->lines[i].label_count,
                                    lines[i].quantity,    lines[i].unit_price_minor,
                                    lines[i].amount_minor};
    /* `on: net` sees what was paid: the coupons' discount with the points'. */
    struct fdl_rules_input in = {
        in_lines,
        n,
        p->total_minor,
        p->discount_minor + p->coupon_discount_minor,
        {0},
        svc_local_time_of(store_tz ? store_tz : ver->tz, p->occurred_at_s),
        p->store_code,
        p->channel};
    if (rc == 0)
        rc = rules_member(st, ver, m, p->occurred_at_s, &in.now, segs, &in.member, err);
    struct fdl_rules_result out = {0, line_points, awards, cap, 0};
    if (rc == 0)
        rc = fdl_rules_evaluate(ver->def, &in, &out, err);
    if (rc == 0) {
        p->points_earned = out.total_points;
        svc_allocate_to_lines(lines, n, 0, p->points_redeemed);
        for (size_t i = 0; i < n; i++)
            lines[i].points = line_points[i];
        for (size_t i = 0; i < out.n_awards; i++) {
            struct fdl_points_row *r = &(*rows)[i];
            r->line_no = awards[i].line < 0 ? 0 : awards[i].line + 1;
            snprintf(r->rule, sizeof(r->rule), "%s", ver->def->rules[awards[i].rule].id);
            r->points = awards[i].points;
        }
        *row_count = (int)out.n_awards;
    }
    free(segs);
    free(in_lines);
    free(line_points);
    free(awards);
    return rc;
}

int fdl_svc_purchase(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const struct fdl_purchase_request *req,
                     int64_t now_s, struct fdl_purchase_result *res,
                     struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    if (req->occurred_at_s > now_s + FDL_MAX_FUTURE_SKEW_S)
        return fdl_error_set(err, FDL_ERANGE, "time", "is more than a day in the future");
    int64_t occurred_s = req->occurred_at_s ? req->occurred_at_s : now_s;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, occurred_s);
    const struct fdl_program *prog = ver ? &ver->def->program : &ps->program;
    const struct fdl_tz *tz = ver ? ver->tz : ps->tz;
    /* -- stores, staff and the audit log -- */
    char store_code[FDL_MAX_ID_LEN + 1], zone[FDL_MAX_TIME_ZONE_LEN + 1];
    int rc = svc_purchase_store(st, ver ? ver->def : NULL, a, req->store_code, store_code,
                                zone, err);
    if (rc)
        return rc;
    /* the rules' clock (hours, weekdays, dates) is the store's own */
    const struct fdl_tz *store_tz = zone[0] ? svc_zone(svc, zone) : NULL;
    int64_t member_id, total;
    rc = purchase_member(svc, st, a, req, &member_id, err);
    if (rc)
        return rc;
    struct fdl_purchase_line *lines = calloc(req->line_count, sizeof(*lines));
    if (!lines)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    struct member_state s;
    svc_state_init(&s, &(struct fdl_member){0});
    if ((rc = purchase_lines(req, lines, &total, err)) ||
        (rc = svc_state_load(st, a->program_id, member_id, &s, err))) {
        svc_state_release(&s);
        free(lines);
        return rc;
    }
    struct fdl_purchase p;
    memset(&p, 0, sizeof(p));
    p.program_id = a->program_id;
    p.member_id = member_id;
    snprintf(p.txn_id, sizeof(p.txn_id), "%s", req->txn_id);
    snprintf(p.store_code, sizeof(p.store_code), "%s", store_code);
    snprintf(p.channel, sizeof(p.channel), "%s", req->channel ? req->channel : "till");
    snprintf(p.currency, sizeof(p.currency), "%s", req->currency);
    p.occurred_at_s = occurred_s;
    p.program_version = ver ? ver->version : 0;
    p.recorded_at_s = now_s;
    p.total_minor = total;
    p.line_count = (int)req->line_count;
    struct svc_purchase_ctx ctx = {svc, st, a,  req,   ps,    ver, prog,
                                   tz,  &s, &p, lines, now_s, NULL};
    for (size_t f = 0; f < svc_feature_count && rc == 0; f++)
        if (svc_features[f]->purchase_check)
            rc = svc_features[f]->purchase_check(&ctx, err);
    if (rc) {
        svc_state_release(&s);
        free(lines);
        return rc;
    }
    /* Points pay at most what vouchers and coupons left to pay. */
    p.points_redeemed = fdl_redeemable_points(prog, req->redeem_points,
                                              p.total_minor - p.coupon_discount_minor);
    p.discount_minor = p.points_redeemed * prog->point_value_minor;
    struct fdl_points_row *awards = NULL;
    int award_count = 0;
    if (ver)
        rc = earn_by_rules(st, ver, store_tz, req, &s.member, &p, lines, &awards,
                           &award_count, err);
    else
        rc = earn_flat(prog, &p, lines, &awards, &award_count, err);

    if (rc == 0 && p.points_redeemed > 0 &&
        (rc = svc_lots_spend(st, &s, p.points_redeemed, now_s, err)) != 0)
        snprintf(err->field, sizeof(err->field), "redeem_points");
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_insert, &p, lines, err);
    for (int i = 0; i < award_count && rc == 0; i++)
        rc = FDL_STORE_CALL(st, purchase_points_insert, &p, awards[i].line_no,
                            awards[i].rule, awards[i].points, err);
    /* -- coalitions -- */
    if (rc == 0 && p.points_redeemed > 0 && ver)
        rc = svc_coalition_items(st, ver->def, prog, tz, &s, p.store_code, p.id, 1, now_s,
                                 err);
    if (rc == 0 && p.points_redeemed > 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_REDEEM, p.points_redeemed, p.id, NULL, a,
                            now_s, &p.redeem_entry_id, err);
    if (rc == 0 && p.points_earned > 0) {
        int64_t available_at = now_s + (int64_t)prog->pending_days * 86400;
        rc = fdl_lots_earn(&s.lots, p.points_earned, available_at,
                           svc_expiry_for(prog, tz, now_s), p.id, &s.moves);
        if (rc == 0)
            rc = svc_post_entry(st, &s, FDL_ENTRY_EARN, p.points_earned, p.id, NULL, a,
                                now_s, NULL, err);
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_update, &p, lines, err);
    struct fdl_tier_status tier;
    memset(&tier, 0, sizeof(tier));
    if (rc == 0 && ver)
        rc = tier_after_purchase(st, ver, &s.member, p.occurred_at_s, &tier, err);
    if (rc == 0) {
        memset(res, 0, sizeof(*res));
        res->purchase = p;
        res->tier = tier;
        res->lines = lines;
        res->award_count =
            award_count < FDL_MAX_AWARDS_SHOWN ? award_count : FDL_MAX_AWARDS_SHOWN;
        memcpy(res->awards, awards, (size_t)res->award_count * sizeof(*awards));
        char money[48];
        if (p.points_redeemed > 0) {
            fdl_lang_format_money(money, sizeof(money), prog->language, p.discount_minor,
                                  prog->currency, prog->minor_per_unit);
            svc_add_message(res->messages, &res->message_count, prog->language,
                            FDL_MSG_REDEEMED, (long long)p.points_redeemed, money);
        }
        svc_add_message(res->messages, &res->message_count, prog->language,
                        FDL_MSG_EARNED, (long long)p.points_earned, NULL);
        ctx.res = res;
        for (size_t f = 0; f < svc_feature_count && rc == 0; f++)
            if (svc_features[f]->purchase_apply)
                rc = svc_features[f]->purchase_apply(&ctx, err);
    }
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    if (rc == 0)
        rc = svc_balance_of(st, &s, now_s, &res->balance, err);
    if (rc == 0) {
        svc_balance_messages(tz, prog->language, &res->balance, res->messages,
                             &res->message_count);
    } else {
        free(lines);
        if (ctx.res)
            memset(res, 0, sizeof(*res));
    }
    free(awards);
    svc_state_release(&s);
    return rc;
}

int fdl_svc_purchase_get(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *txn_id, int64_t now_s,
                         struct fdl_purchase_result *res, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    memset(res, 0, sizeof(*res));
    int rc = FDL_STORE_CALL(st, purchase_get, a->program_id, txn_id, &res->purchase,
                            &res->lines, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "txn_id", "no purchase with this transaction id");
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_points_get, &res->purchase, res->awards,
                            FDL_MAX_AWARDS_SHOWN, &res->award_count, err);
    if (rc == 0) /* currencies */
        rc = FDL_STORE_CALL(st, purchase_conversion_get, a->program_id,
                            res->purchase.member_id, res->purchase.id, &res->conversion,
                            err);
    if (rc == 0) /* coupons */
        rc = FDL_STORE_CALL(st, coupon_uses_of_purchase, a->program_id,
                            res->purchase.member_id, res->purchase.id, res->coupons,
                            FDL_MAX_COUPONS_PER_PURCHASE, &res->coupon_count, err);
    if (rc == 0)
        rc = fdl_svc_balance(svc, st, a, res->purchase.member_id, now_s, &res->balance,
                             err);
    if (rc)
        fdl_purchase_result_release(res);
    return rc;
}

/* ---- refunds ---- */

/* Applies the refund request to lines in memory, adding up amount and points. */
static int refund_plan(const struct fdl_refund_request *req, struct fdl_purchase *p,
                       struct fdl_purchase_line *lines, int64_t *amount, int64_t *clawed,
                       int64_t *restored, struct fdl_error *err)
{
    int64_t *qty = calloc((size_t)p->line_count + 1, sizeof(*qty));
    if (!qty)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int rc = 0;
    char field[FDL_ERROR_FIELD_MAX];
    for (size_t i = 0; i < req->line_count && rc == 0; i++) {
        const struct fdl_refund_line *r = &req->lines[i];
        snprintf(field, sizeof(field), "lines[%zu].line", i);
        if (r->line_no < 1 || r->line_no > p->line_count)
            rc = fdl_error_set(err, FDL_EINVALID, field, "the purchase has no line %lld",
                               (long long)r->line_no);
        else if (qty[r->line_no])
            rc = fdl_error_set(err, FDL_EINVALID, field, "line %lld is listed twice",
                               (long long)r->line_no);
        else
            qty[r->line_no] = r->quantity;
    }
    for (int n = 1; n <= p->line_count && req->line_count == 0; n++)
        qty[n] = lines[n - 1].quantity - lines[n - 1].refunded_quantity;
    *amount = *clawed = *restored = 0;
    int64_t units = 0;
    for (int n = 1; n <= p->line_count && rc == 0; n++) {
        struct fdl_purchase_line *l = &lines[n - 1];
        if (qty[n] == 0)
            continue;
        units += qty[n];
        if (l->refunded_quantity + qty[n] > l->quantity) {
            rc = fdl_error_set(err, FDL_EREFUND_EXCEEDS, "lines",
                               "line %d: %lld bought, %lld already refunded, %lld asked",
                               n, (long long)l->quantity, (long long)l->refunded_quantity,
                               (long long)qty[n]);
            break;
        }
        l->refunded_quantity += qty[n];
        int64_t claw =
            fdl_share(l->points, l->refunded_quantity, l->quantity) - l->clawed_points;
        int64_t back = fdl_share(l->redeemed_points, l->refunded_quantity, l->quantity) -
                       l->restored_points;
        l->clawed_points += claw;
        l->restored_points += back;
        /* Money back: the line's amount as paid (a punch-card voucher may
         * have made a unit free) less its coupon share, in proportion to the
         * units, cumulatively exact: all units give it all back. */
        int64_t coupon_back =
            fdl_share(l->coupon_discount_minor, l->refunded_quantity, l->quantity) -
            fdl_share(l->coupon_discount_minor, l->refunded_quantity - qty[n],
                      l->quantity);
        *amount +=
            fdl_share(l->amount_minor, l->refunded_quantity, l->quantity) -
            fdl_share(l->amount_minor, l->refunded_quantity - qty[n], l->quantity) -
            coupon_back;
        *clawed += claw;
        *restored += back;
    }
    free(qty);
    /* Units, not money: a free line can carry points (a per-unit bonus). */
    if (rc == 0 && units == 0)
        rc = fdl_error_set(err, FDL_EREFUND_EXCEEDS, "lines",
                           "nothing left to refund on this purchase");
    return rc;
}

/* Returns restored points to the lots the purchase's redemption took them
 * from. *stored_out is the redemption's moves (free it), for the settlement
 * items the give-back reverses. */
static int restore_redemption(struct fdl_store *st, struct member_state *s,
                              const struct fdl_purchase *p, int64_t points,
                              int64_t expires_at, struct fdl_stored_move **stored_out,
                              size_t *n_out, struct fdl_error *err)
{
    struct fdl_stored_move *stored = NULL;
    size_t n = 0;
    int rc = FDL_STORE_CALL(st, moves_of_entry, p->program_id, p->member_id,
                            p->redeem_entry_id, &stored, &n, err);
    *stored_out = stored;
    *n_out = n;
    struct fdl_move *spent = rc == 0 ? calloc(n + 1, sizeof(*spent)) : NULL;
    if (rc == 0 && !spent)
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t index = 0;
        rc = svc_lot_index(st, s, stored[i].lot_id, &index, err);
        spent[i] = (struct fdl_move){index, stored[i].delta};
    }
    if (rc == 0)
        rc = fdl_lots_restore_after(&s->lots, points, spent, n, p->points_restored,
                                    expires_at, &s->moves);
    free(spent);
    return rc;
}

int fdl_svc_refund(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, const struct fdl_refund_request *req,
                   int64_t now_s, struct fdl_refund_result *res, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_purchase p;
    struct fdl_purchase_line *lines = NULL;
    int rc =
        FDL_STORE_CALL(st, purchase_get, a->program_id, req->txn_id, &p, &lines, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "txn_id", "no purchase with this transaction id");
    if (rc)
        return rc;
    struct fdl_refund r;
    memset(&r, 0, sizeof(r));
    struct member_state s;
    svc_state_init(&s, &(struct fdl_member){0});
    rc = refund_plan(req, &p, lines, &r.amount_minor, &r.points_clawed,
                     &r.points_restored, err);
    if (rc == 0)
        rc = svc_state_load(st, a->program_id, p.member_id, &s, err);
    if (rc == 0 && r.points_clawed > 0) {
        /* Points that expired unspent are written off, not taken twice. */
        rc = svc_lots_clawback(st, &s, r.points_clawed, p.id, &r.points_clawed, err);
        if (rc == 0 && r.points_clawed > 0)
            rc = svc_post_entry(st, &s, FDL_ENTRY_CLAWBACK, r.points_clawed, p.id,
                                req->refund_id, a, now_s, NULL, err);
        else if (rc == 0)
            rc = svc_flush_lots(st, &s, err);
    }
    if (rc == 0 && r.points_restored > 0) {
        const struct fdl_program *prog;
        const struct fdl_tz *tz;
        svc_settings_at(svc, ps, now_s, &prog, &tz);
        struct fdl_stored_move *spent = NULL;
        size_t n_spent = 0;
        rc = restore_redemption(st, &s, &p, r.points_restored,
                                svc_expiry_for(prog, tz, now_s), &spent, &n_spent, err);
        /* -- coalitions -- the give-back reverses the items of the lots the
         * redemption took from, wherever the points go back to (debt, a
         * new lot) */
        const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
        if (rc == 0 && ver)
            rc = svc_coalition_refund_items(st, ver->def, prog, tz, &s, spent, n_spent,
                                            p.points_restored, r.points_restored,
                                            p.store_code, p.id, now_s, err);
        free(spent);
        if (rc == 0)
            rc = svc_post_entry(st, &s, FDL_ENTRY_RESTORE, r.points_restored, p.id,
                                req->refund_id, a, now_s, NULL, err);
    }
    if (rc == 0) {
        r.program_id = a->program_id;
        r.purchase_id = p.id;
        r.member_id = p.member_id;
        r.created_at_s = now_s;
        snprintf(r.refund_id, sizeof(r.refund_id), "%s", req->refund_id);
        p.refunded_minor += r.amount_minor;
        p.points_clawed += r.points_clawed;
        p.points_restored += r.points_restored;
        rc = FDL_STORE_CALL(st, refund_insert, &r, err);
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_update, &p, lines, err);
    if (rc == 0) {
        memset(res, 0, sizeof(*res));
        res->refund = r;
        const struct fdl_program *prog_now;
        const struct fdl_tz *tz_now;
        svc_settings_at(svc, ps, now_s, &prog_now, &tz_now);
        const char *lang = prog_now->language;
        if (r.points_clawed > 0)
            svc_add_message(res->messages, &res->message_count, lang, FDL_MSG_CLAWED_BACK,
                            (long long)r.points_clawed, NULL);
        if (r.points_restored > 0)
            svc_add_message(res->messages, &res->message_count, lang, FDL_MSG_GIVEN_BACK,
                            (long long)r.points_restored, NULL);
        struct svc_refund_ctx ctx = {svc, st, a,     req, ps,    prog_now, tz_now,
                                     &s,  &p, lines, &r,  now_s, res};
        for (size_t f = 0; f < svc_feature_count && rc == 0; f++)
            if (svc_features[f]->refund_apply)
                rc = svc_features[f]->refund_apply(&ctx, err);
        if (rc == 0)
            rc = svc_state_save_balance(st, &s, err);
        if (rc == 0)
            rc = svc_balance_of(st, &s, now_s, &res->balance, err);
        if (rc == 0) {
            svc_balance_messages(tz_now, lang, &res->balance, res->messages,
                                 &res->message_count);
        } else {
            memset(res, 0, sizeof(*res));
        }
    }
    svc_state_release(&s);
    free(lines);
    return rc;
}

/* ---- adjustments and expiry ---- */

int fdl_svc_adjust(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, int64_t member_id, int64_t points,
                   const char *reason, int64_t now_s, int64_t *entry_id,
                   struct fdl_balance *balance, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL,
                             "adjustments need the admin scope");
    if (points == 0)
        return fdl_error_set(err, FDL_ERANGE, "points", "must not be zero");
    /* -- stores, staff and the audit log -- */
    if (a->role == FDL_ROLE_MANAGER && (points > FDL_MANAGER_MAX_ADJUSTMENT_POINTS ||
                                        points < -FDL_MANAGER_MAX_ADJUSTMENT_POINTS))
        return fdl_error_set(err, FDL_EFORBIDDEN, "points",
                             "a store manager may adjust at most %d points at once",
                             FDL_MANAGER_MAX_ADJUSTMENT_POINTS);
    struct member_state s;
    int64_t taken;
    int rc = svc_state_load(st, a->program_id, member_id, &s, err);
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    if (rc == 0 && points > 0)
        rc = fdl_lots_earn(&s.lots, points, now_s, svc_expiry_for(prog, tz, now_s), 0,
                           &s.moves);
    else if (rc == 0 && s.member.balance < -points)
        rc = fdl_error_set(err, FDL_EINSUFFICIENT_POINTS, "points",
                           "the balance is %lld points", (long long)s.member.balance);
    else if (rc == 0)
        rc = svc_lots_clawback(st, &s, -points, 0, &taken, err);
    if (rc == 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_ADJUST, points, 0, reason, a, now_s,
                            entry_id, err);
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    if (rc == 0)
        rc = svc_balance_of(st, &s, now_s, balance, err);
    svc_state_release(&s);
    return rc;
}

int fdl_svc_expire_batch(struct fdl_service *svc, struct fdl_store *st,
                         int64_t program_id, int64_t now_s, int64_t *members,
                         int64_t *points, struct fdl_error *err)
{
    struct fdl_actor owner = {
        .program_id = program_id, .scopes = FDL_SCOPE_ADMIN, .name = "expiry"};
    const struct fdl_program_state *ps;
    int64_t due[FDL_EXPIRE_BATCH_MEMBERS];
    int due_count = 0;
    int rc_tiers = fdl_svc_program(svc, st, &owner, &ps, err);
    if (rc_tiers == 0)
        rc_tiers = FDL_STORE_CALL(st, members_due_review, program_id, now_s,
                                  FDL_EXPIRE_BATCH_MEMBERS, due, &due_count, err);
    for (int i = 0; i < due_count && rc_tiers == 0; i++)
        rc_tiers = tier_review(svc, st, ps, due[i], now_s, err);
    if (rc_tiers)
        return rc_tiers;
    int64_t ids[FDL_EXPIRE_BATCH_MEMBERS];
    int count = 0;
    int rc = FDL_STORE_CALL(st, members_with_expired_lots, program_id, now_s,
                            FDL_EXPIRE_BATCH_MEMBERS, ids, &count, err);
    struct fdl_actor system = {
        .program_id = program_id, .scopes = FDL_SCOPE_ADMIN, .name = "expiry"};
    *members = *points = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        struct member_state s;
        int64_t expired = 0;
        rc = svc_state_load(st, program_id, ids[i], &s, err);
        if (rc == 0)
            rc = svc_lots_expire(st, &s, now_s, &expired, err);
        if (rc == 0 && expired > 0)
            rc = svc_post_entry(st, &s, FDL_ENTRY_EXPIRE, expired, 0, NULL, &system,
                                now_s, NULL, err);
        if (rc == 0)
            rc = svc_state_save_balance(st, &s, err);
        svc_state_release(&s);
        *members += 1;
        *points += expired;
    }
    *members += due_count; /* reviewed tiers count as work done: call again */
    int64_t pruned = 0;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, idem_prune, program_id,
                            now_s - FDL_IDEMPOTENCY_RETENTION_S,
                            FDL_IDEMPOTENCY_PRUNE_BATCH, &pruned, err);
    if (pruned == FDL_IDEMPOTENCY_PRUNE_BATCH)
        *members += 1; /* more to prune: call again */
    for (size_t f = 0; f < svc_feature_count && rc == 0; f++)
        if (svc_features[f]->expire)
            rc = svc_features[f]->expire(svc, st, program_id, now_s, members, err);
    return rc;
}
