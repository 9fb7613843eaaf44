/*
 * error.h - the one table of error codes.
 *
 * Functions return 0 on success or a negative FDL_E* code. One X-macro table
 * gives each code its HTTP status, its stable problem `type` slug (the URI is
 * https://fidelis.dev/problems/<slug>) and a default title. Details go into a
 * caller-supplied struct fdl_error: the offending field and a message.
 * Library code never logs; its caller decides.
 */
#ifndef FDL_ERROR_H
#define FDL_ERROR_H

#include <stdarg.h>

/*       name                 status slug                    title */
#define FDL_ERROR_TABLE(X)                                                               \
    X(INVALID, 400, "invalid-request", "The request is not valid")                       \
    X(JSON, 400, "malformed-json", "The body is not valid JSON")                         \
    X(UNKNOWN_FIELD, 400, "unknown-field",                                               \
      "The body has a field this API does not know")                                     \
    X(MISSING_FIELD, 400, "missing-field", "A required field is missing")                \
    X(FIELD_TYPE, 400, "wrong-type", "A field has the wrong type")                       \
    X(RANGE, 400, "out-of-range", "A value is outside its allowed range")                \
    X(TOO_DEEP, 400, "too-deep", "The JSON is nested too deeply")                        \
    X(BAD_CARD, 400, "invalid-card-number", "The card number is not valid")              \
    X(UNAUTHENTICATED, 401, "unauthenticated", "A valid API key is required")            \
    X(FORBIDDEN, 403, "forbidden", "The API key's scope does not allow this")            \
    X(NOT_FOUND, 404, "not-found", "No such resource")                                   \
    X(METHOD, 405, "method-not-allowed", "The method is not allowed on this resource")   \
    X(IDEMPOTENCY_MISMATCH, 409, "idempotency-key-reused",                               \
      "The idempotency key was used with a different request")                           \
    X(CONFLICT, 409, "conflict", "The request conflicts with the current state")         \
    X(INSUFFICIENT_POINTS, 409, "insufficient-points", "Not enough points available")    \
    X(CARD_BLOCKED, 409, "card-blocked", "The card is blocked")                          \
    X(REFUND_EXCEEDS, 409, "refund-exceeds-purchase",                                    \
      "The refund exceeds what was bought")                                              \
    X(DUPLICATE, 409, "duplicate", "A resource with that identity already exists")       \
    X(TOO_LARGE, 413, "body-too-large", "The request body is too large")                 \
    X(MEDIA_TYPE, 415, "unsupported-media-type", "The body must be application/json")    \
    X(NOMEM, 503, "out-of-memory", "The server is out of memory")                        \
    X(BUSY, 503, "busy", "The server is too busy; retry later")                          \
    X(STORE, 500, "storage-error", "The store failed")                                   \
    /* -- early access -- */                                                             \
    /* -- coupons -- */                                                                  \
    X(TOO_MANY_ATTEMPTS, 429, "too-many-attempts",                                       \
      "Too many failed attempts; retry later")                                           \
    /* -- punch cards -- */                                                              \
    /* -- rewards -- */                                                                  \
    /* -- stored value and membership -- */                                              \
    X(INSUFFICIENT_FUNDS, 409, "insufficient-funds", "Not enough money on the card")     \
    /* -- referrals -- */                                                                \
    X(BAD_REFERRAL_CODE, 400, "invalid-referral-code", "The referral code is not valid") \
    X(REFERRAL_REFUSED, 409, "referral-refused", "The referral is not allowed")          \
    X(INTERNAL, 500, "internal-error", "Internal error")

enum fdl_error_code {
    FDL_OK = 0,
#define FDL_ERROR_ENUM(name, status, slug, title) FDL_E##name,
    FDL_ERROR_FIRST_ = -100,
    FDL_ERROR_TABLE(FDL_ERROR_ENUM)
#undef FDL_ERROR_ENUM
        FDL_ERROR_END_
};

#define FDL_ERROR_MESSAGE_MAX 256
#define FDL_ERROR_FIELD_MAX   64

/* Details of a failure, filled by the function that failed. */
struct fdl_error {
    int code;                            /* FDL_E*, or 0 */
    char field[FDL_ERROR_FIELD_MAX];     /* JSON path of the offending field, or "" */
    char message[FDL_ERROR_MESSAGE_MAX]; /* human-readable detail */
};

/*
 * fdl_error_set() records code, field (may be NULL) and a printf-style message
 * in err (which may be NULL) and returns code, so callers can write
 * `return fdl_error_set(err, FDL_ERANGE, "lines[0].quantity", "...")`.
 */
int fdl_error_set(struct fdl_error *err, int code, const char *field, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* fdl_error_clear() resets err to "no error". */
void fdl_error_clear(struct fdl_error *err);

/* HTTP status, problem slug and default title of code; unknown codes map to INTERNAL. */
int fdl_error_status(int code);
const char *fdl_error_slug(int code);
const char *fdl_error_title(int code);

#endif
