/*
 * keys.h - API keys: created once, shown once, stored only as hashes.
 *
 * A key reads "fdl_<12-char id>_<32-char secret>", so it is recognisable in
 * logs and by secret scanners. The store keeps the id, the program, the
 * scopes and BLAKE2b(key); verifying costs one lookup by id and one
 * constant-time compare.
 */
#ifndef FDL_KEYS_H
#define FDL_KEYS_H

#include "store/store.h"

#include <pthread.h>

#define FDL_KEY_TEXT_LEN (4 + FDL_KEY_ID_LEN + 1 + 32) /* "fdl_" id "_" secret */

/*
 * Creates a key for program_id with the given scopes (FDL_SCOPE_* bits,
 * at least one), acting for the coalition partner `partner` (NULL or "":
 * the program's operator; the caller has checked it, see
 * fdl_svc_partner_for_new), and writes its full text to out
 * (FDL_KEY_TEXT_LEN + 1 bytes). Must run in a write transaction. The text
 * is not stored anywhere.
 */
int fdl_key_create(struct fdl_store *st, int64_t program_id, const char *name,
                   unsigned scopes, const char *partner, char out[FDL_KEY_TEXT_LEN + 1],
                   struct fdl_error *err);

/*
 * Checks presented key text: well-formed, known, not revoked, hash equal.
 * Fills *key on success; otherwise FDL_EUNAUTHENTICATED (never says which
 * part was wrong).
 */
int fdl_key_verify(struct fdl_store *st, const char *text, struct fdl_api_key *key,
                   struct fdl_error *err);

/*
 * A per-process cache of verified keys, so a request need not read the
 * store to authenticate. An entry is trusted for FDL_KEY_CACHE_TTL_NS after
 * it was read: a key revoked in the store stops working within that time.
 * Entries are found by key id and hold the stored hash, so a presented
 * text is still checked in full (constant-time) on every hit. Thread-safe.
 */
#define FDL_KEY_CACHE_SLOTS  256                 /* direct-mapped by key id */
#define FDL_KEY_CACHE_TTL_NS (10 * 1000000000LL) /* 10 s */

struct fdl_key_cache {
    pthread_mutex_t lock;
    struct {
        struct fdl_api_key key;
        int64_t read_at_ns; /* 0: empty */
    } slots[FDL_KEY_CACHE_SLOTS];
};

void fdl_key_cache_init(struct fdl_key_cache *c);
void fdl_key_cache_release(struct fdl_key_cache *c);

/* 1 and *key if text is a well-formed key whose verified entry, read less
 * than the TTL before now_ns, has text's hash; 0 otherwise (ask the store). */
int fdl_key_cache_get(struct fdl_key_cache *c, const char *text, int64_t now_ns,
                      struct fdl_api_key *key);

/* Remembers key (just verified against the store) as read at now_ns. */
void fdl_key_cache_put(struct fdl_key_cache *c, const struct fdl_api_key *key,
                       int64_t now_ns);

/* Parses "pos", "admin" or "pos,admin" into scope bits; -1 if invalid. */
int fdl_scopes_parse(const char *text);

#endif
