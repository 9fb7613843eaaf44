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

#define FDL_KEY_TEXT_LEN (4 + FDL_KEY_ID_LEN + 1 + 32) /* "fdl_" id "_" secret */

/*
 * Creates a key for program_id with the given scopes (FDL_SCOPE_* bits,
 * at least one) and writes its full text to out (FDL_KEY_TEXT_LEN + 1
 * bytes). Must run in a write transaction. The text is not stored anywhere.
 */
int fdl_key_create(struct fdl_store *st, int64_t program_id, const char *name,
                   unsigned scopes, char out[FDL_KEY_TEXT_LEN + 1],
                   struct fdl_error *err);

/*
 * Checks presented key text: well-formed, known, not revoked, hash equal.
 * Fills *key on success; otherwise FDL_EUNAUTHENTICATED (never says which
 * part was wrong).
 */
int fdl_key_verify(struct fdl_store *st, const char *text, struct fdl_api_key *key,
                   struct fdl_error *err);

/* Parses "pos", "admin" or "pos,admin" into scope bits; -1 if invalid. */
int fdl_scopes_parse(const char *text);

#endif
