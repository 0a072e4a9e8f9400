/* Logging for the daemon: to stderr, one line per message, with a level. Library code logs at debug at most;
 * the caller logs once and returns the error. */
#pragma once

#include "util.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warning", "info", "debug"; returns 0 or -EINVAL. */
int log_level_from_string(const char *s, enum log_level *ret);
void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...)   log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Log at error level with strerror(-err) appended, and return err (negative errno). */
#define log_error_errno(err, fmt, ...)                                                                       \
        ({                                                                                                   \
                int _e = (err);                                                                              \
                log_msg(LOG_LEVEL_ERROR, fmt ": %s", ##__VA_ARGS__, strerror(_e < 0 ? -_e : _e));            \
                _e < 0 ? _e : -_e;                                                                           \
        })
#define log_warning_errno(err, fmt, ...)                                                                     \
        ({                                                                                                   \
                int _e = (err);                                                                              \
                log_msg(LOG_LEVEL_WARNING, fmt ": %s", ##__VA_ARGS__, strerror(_e < 0 ? -_e : _e));          \
                _e < 0 ? _e : -_e;                                                                           \
        })
