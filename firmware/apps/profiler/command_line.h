/* Reading and splitting host commands: MLPerf Tiny framing, a command ends
 * with '%', is at most 80 characters, and its tokens are split by spaces. */
#ifndef TK_PROFILER_COMMAND_LINE_H
#define TK_PROFILER_COMMAND_LINE_H

#include <stdint.h>

#define COMMAND_MAX_CHARS 80
#define COMMAND_MAX_TOKENS 8
#define COMMAND_TERMINATOR '%'

typedef struct {
    char text[COMMAND_MAX_CHARS + 1];
    int32_t length;
    int32_t too_long; /* nonzero: more than COMMAND_MAX_CHARS were sent */
} command_line;

/* Block until a '%' arrives. CR and LF are dropped so that a person typing
 * into a terminal gets the same result as a script. */
void command_read(command_line *line);

/* Split the text in place at spaces; returns the number of tokens (at most
 * `max_tokens`, -1 if there were more). */
int32_t command_split(char *text, const char **tokens, int32_t max_tokens);

/* A decimal count of 0..INT32_MAX made of digits only; 1 if valid. */
int32_t command_parse_count(const char *token, int32_t *value);

#endif /* TK_PROFILER_COMMAND_LINE_H */
