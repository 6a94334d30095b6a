/* The two string functions the apps need, as plain loops: newlib's strlen
 * and strcmp are unrolled word-at-a-time versions (about 1 KB together),
 * tuned for long strings, where the apps only measure and compare command
 * tokens and short protocol texts. */
#ifndef TK_PROFILER_TEXT_H
#define TK_PROFILER_TEXT_H

#include <stddef.h>

size_t text_length(const char *text);

/* 1 when the two NUL-terminated texts are equal, else 0. */
int text_equal(const char *a, const char *b);

#endif /* TK_PROFILER_TEXT_H */
