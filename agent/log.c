#include "log.h"

#include <stdarg.h>
#include <time.h>

static enum log_level current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
        [LOG_LEVEL_ERROR] = "error",
        [LOG_LEVEL_WARNING] = "warning",
        [LOG_LEVEL_INFO] = "info",
        [LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
        current_level = level;
}

enum log_level log_get_level(void)
{
        return current_level;
}

int log_level_from_string(const char *s, enum log_level *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
                if (streq(s, level_names[i])) {
                        *ret = (enum log_level)i;
                        return 0;
                }
        return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
        char ts[32];
        struct timespec now;
        struct tm tm;
        va_list ap;
        int saved = errno;

        if (level > current_level)
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        flockfile(stderr);
        fprintf(stderr, "%s.%03ldZ cgmeterd[%d] %s: ", ts, now.tv_nsec / 1000000, (int)getpid(),
                level_names[level]);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);
        errno = saved;
}
