/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Only the shell (server, CLI) logs; library code returns errors instead.
 * fdl_log() takes an event name and alternating key/value string pairs,
 * terminated by NULL. Values are JSON-escaped. Thread-safe (one write per line).
 */
#ifndef FDL_LOG_H
#define FDL_LOG_H

enum fdl_log_level { FDL_LOG_DEBUG, FDL_LOG_INFO, FDL_LOG_WARN, FDL_LOG_ERROR };

/* Sets the lowest level written (default INFO). */
void fdl_log_set_level(enum fdl_log_level level);

/* Writes {"ts":..,"level":..,"event":event,key:value,...} to stderr. */
void fdl_log(enum fdl_log_level level, const char *event, ...);

#endif
