/* Checking a command's arguments; on a problem each prints the e-[...] line
 * saying what was wrong and returns 0. */
#ifndef TK_PROFILER_COMMAND_ARGS_H
#define TK_PROFILER_COMMAND_ARGS_H

#include <stdint.h>

int32_t args_at_most(const char *command, int32_t arg_count, int32_t max_args);

/* Argument `index` as a count >= `minimum`, or `fallback` when absent
 * (a negative fallback makes the argument required). */
int32_t args_count(const char *command, const char *what, const char *const *args, int32_t arg_count,
                   int32_t index, int32_t fallback, int32_t minimum, int32_t *value);

#endif /* TK_PROFILER_COMMAND_ARGS_H */
