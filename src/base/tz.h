/*
 * tz.h - IANA time zones without the process TZ.
 *
 * A struct fdl_tz is loaded once from a TZif file (RFC 8536) under $TZDIR or
 * /usr/share/zoneinfo and is immutable afterwards: every query is a pure
 * function of the loaded data, so one zone may be shared by any number of
 * threads without locks. Nothing here reads or writes the process TZ, and
 * nothing calls localtime/mktime.
 *
 * Instants are seconds since 1970-01-01T00:00:00Z ("utc_s"); local wall times
 * are seconds since 1970-01-01T00:00:00 on the local clock ("local_s"), so
 * local_s = utc_s + offset_s. Leap seconds do not exist on either scale.
 */
#ifndef FDL_TZ_H
#define FDL_TZ_H

#include <stdint.h>

#include "base/error.h"

#define FDL_TZ_NAME_MAX       64           /* bytes in a zone name */
#define FDL_TZ_FILE_MAX_BYTES (256 * 1024) /* larger TZif files are refused */
#define FDL_TZ_DEFAULT_DIR    "/usr/share/zoneinfo"

/* Opaque, immutable after load, safe to share between threads. */
struct fdl_tz;

/*
 * fdl_tz_load() loads zone `name` (e.g. "Europe/Madrid", "UTC") from the
 * TZif file $TZDIR/name, or FDL_TZ_DEFAULT_DIR/name when TZDIR is unset or
 * empty, and on success stores a new zone in *out (free it with
 * fdl_tz_free()).
 *
 * "UTC" and "Etc/UTC" are built in and never touch the file system, so they
 * work with no tzdata installed.
 *
 * Errors, each recorded in err (may be NULL) with field "time_zone":
 *  - FDL_EINVALID: name is empty, longer than FDL_TZ_NAME_MAX bytes, starts
 *    with '/', contains "..", or has a byte outside [A-Za-z0-9_+-/]; or the
 *    file is larger than FDL_TZ_FILE_MAX_BYTES, malformed, uses leap
 *    seconds ("right/" zones) or has a footer TZ string this parser rejects.
 *  - FDL_ENOT_FOUND: no regular file by that name can be opened and read.
 *  - FDL_ENOMEM: allocation failed.
 * *out is untouched on failure. The parser bounds every count by the file
 * length and never trusts the file, so hostile files yield FDL_EINVALID.
 *
 * TZDIR is read with getenv(), so do not call setenv() concurrently.
 */
int fdl_tz_load(const char *name, struct fdl_tz **out, struct fdl_error *err);

/* fdl_tz_free() releases tz; NULL is fine. */
void fdl_tz_free(struct fdl_tz *tz);

/* fdl_tz_name() returns the name tz was loaded under; valid while tz lives. */
const char *fdl_tz_name(const struct fdl_tz *tz);

/*
 * fdl_tz_offset_s() returns the UTC offset in seconds in force at instant
 * utc_s, so that local = utc + offset (Madrid in winter: 3600).
 *
 * Instants before the first transition use the file's first time type;
 * instants at or after the last transition use the file's footer TZ string
 * (POSIX rules), which is what makes dates far in the future correct.
 * Instants beyond +-2^59 s (about 18 billion years) are clamped to that range
 * for rule arithmetic.
 */
int32_t fdl_tz_offset_s(const struct fdl_tz *tz, int64_t utc_s);

/*
 * fdl_tz_local_to_utc() returns the instant at which the local wall clock of
 * tz reads local_s (seconds since 1970-01-01T00:00 local).
 *
 * Wall times that occur once map to that instant. For the two ambiguous
 * cases it always uses the offset in force *before* the transition:
 *  - in a gap (spring forward), the skipped wall time is read with the old
 *    offset, so Madrid 02:30 on the last Sunday of March (a skipped hour)
 *    becomes 01:30Z, which the clock shows as 03:30 new time;
 *  - in an overlap (fall back), the repeated wall time maps to its earlier
 *    instant, so Madrid 02:30 on the last Sunday of October is 00:30Z, not
 *    01:30Z.
 * Hence fdl_tz_local_to_utc(tz, u + fdl_tz_offset_s(tz, u)) == u except for
 * the second pass through an overlap. local_s beyond +-2^59 s is clamped.
 * The search walks at most 64 offset changes around local_s; only a hostile
 * file has more, and then gets an arbitrary but deterministic answer.
 */
int64_t fdl_tz_local_to_utc(const struct fdl_tz *tz, int64_t local_s);

#endif
