/*
 * store_stored_value.h - the rows of stored value and paid membership, as
 * the store reads and writes them (ops in store.h after the "stored value
 * and membership" marker; SQLite in sqlite_stored_value.c).
 */
#ifndef FDL_STORE_STORED_VALUE_H
#define FDL_STORE_STORED_VALUE_H

#include "base/limits.h"
#include "engine/stored_value.h"

#include <stdint.h>

enum fdl_sv_status { FDL_SV_ACTIVE = 1, FDL_SV_BLOCKED = 2 };

/* A gift card or reward certificate. */
struct fdl_sv_card {
    int64_t id;
    int64_t program_id;
    char number[FDL_CARD_DIGITS + 1];
    enum fdl_sv_kind kind;
    int64_t member_id; /* owner, or 0 */
    char currency[4];
    int64_t balance_minor; /* cached: equals the sum of the card's postings (audited) */
    enum fdl_sv_status status;
    int64_t issued_at_s;
    int64_t blocked_at_s;                 /* 0 while active */
    char partner[FDL_PARTNER_ID_MAX + 1]; /* the coalition partner that sold it; "" */
};

/* One movement of a card, as its history shows it. */
struct fdl_sv_history_row {
    int64_t entry_id;
    enum fdl_sv_entry_kind kind;
    int64_t amount_minor; /* signed change to the card's balance */
    char txn_id[FDL_MAX_ID_LEN + 1];
    char actor[FDL_MAX_ID_LEN + 1];
    int64_t created_at_s;
};

/* What a till transaction took from a card, and gave back so far. */
struct fdl_sv_redemption {
    int64_t card_id;
    char txn_id[FDL_MAX_ID_LEN + 1];
    int64_t amount_minor;
    int64_t refunded_minor;
};

enum fdl_membership_status { FDL_MEMBERSHIP_OPEN = 1, FDL_MEMBERSHIP_CLOSED = 2 };

/* One paid membership year. */
struct fdl_membership {
    int64_t id;
    int64_t program_id;
    int64_t member_id;
    char txn_id[FDL_MAX_ID_LEN + 1]; /* the till transaction that took the fee */
    int64_t fee_minor;
    int64_t starts_at_s, ends_at_s; /* [starts, ends) */
    int64_t accrued_minor;          /* cashback accrued, net of reversals */
    int64_t paid_minor;             /* paid out as a certificate at the end */
    int64_t certificate_id;         /* the card it was paid on, or 0 */
    enum fdl_membership_status status;
    int64_t created_at_s;
};

/* The cashback one purchase accrued, and how much of it refunds took back. */
struct fdl_cashback_row {
    int64_t purchase_id;
    int64_t member_id;
    int64_t membership_id;
    int64_t cashback_minor;
    int64_t reversed_minor;
};

/* What the stored-value audit found; all mismatch counts zero means sound. */
struct fdl_sv_audit {
    int64_t entries, postings, cards, memberships; /* how much was checked */
    int64_t unbalanced_entries;  /* entries whose postings do not sum to zero */
    int64_t card_mismatches;     /* cards whose balance != sum of their postings */
    int64_t cashback_mismatches; /* members whose cashback postings != accrued - paid */
    int64_t negative_cards;      /* cards with a negative balance */
    int64_t first_bad_entry, first_bad_card, first_bad_member; /* examples, or 0 */
    int64_t sold_minor, spent_minor, outstanding_minor;        /* currency totals */
};

#endif
