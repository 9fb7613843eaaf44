/* log.c - one JSON line per event on stderr, escaped and written with one write(2). */
#include "base/log.h"

#include "base/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static enum fdl_log_level log_level = FDL_LOG_INFO;
static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void fdl_log_set_level(enum fdl_log_level level)
{
    log_level = level;
}

static size_t log_append(char *buf, size_t len, const char *s, int quote)
{
    if (quote && len < LOG_LINE_MAX)
        buf[len++] = '"';
    for (; *s && len + 8 < LOG_LINE_MAX; s++) {
        unsigned char c = (unsigned char)*s;
        if (quote && (c == '"' || c == '\\')) {
            buf[len++] = '\\';
            buf[len++] = (char)c;
        } else if (quote && c < 0x20) {
            len += (size_t)snprintf(buf + len, 8, "\\u%04x", c);
        } else {
            buf[len++] = (char)c;
        }
    }
    if (quote && len < LOG_LINE_MAX)
        buf[len++] = '"';
    return len;
}

void fdl_log(enum fdl_log_level level, const char *event, ...)
{
    if (level < log_level)
        return;
    char buf[LOG_LINE_MAX + 2];
    char ts[FDL_TIME_TEXT_MAX];
    fdl_time_format(fdl_clock_now_s(), ts);
    size_t len = (size_t)snprintf(buf, LOG_LINE_MAX,
                                  "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts,
                                  log_level_names[level]);
    len = log_append(buf, len, event, 1);
    va_list ap;
    va_start(ap, event);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *value = va_arg(ap, const char *);
        len = log_append(buf, len, ",", 0);
        len = log_append(buf, len, key, 1);
        len = log_append(buf, len, ":", 0);
        len = log_append(buf, len, value ? value : "", 1);
    }
    va_end(ap);
    buf[len++] = '}';
    buf[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, buf, len);
    (void)ignored;
}
