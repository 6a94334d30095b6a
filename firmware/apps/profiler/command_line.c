#include "command_line.h"

#include "tinykit/bsp.h"

void command_read(command_line *line)
{
    line->length = 0;
    line->too_long = 0;
    for (;;) {
        int c = tk_bsp_read_byte();
        if (c == COMMAND_TERMINATOR) {
            break;
        }
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (line->length < COMMAND_MAX_CHARS) {
            line->text[line->length++] = (char)c;
        } else {
            /* Keep reading to the terminator so the next command starts clean. */
            line->too_long = 1;
        }
    }
    line->text[line->length] = '\0';
}

int32_t command_split(char *text, const char **tokens, int32_t max_tokens)
{
    int32_t count = 0;
    char *p = text;

    for (;;) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            return count;
        }
        if (count == max_tokens) {
            return -1;
        }
        tokens[count++] = p;
        while (*p != ' ' && *p != '\0') {
            ++p;
        }
    }
}

int32_t command_parse_count(const char *token, int32_t *value)
{
    int32_t result = 0;

    if (*token == '\0') {
        return 0;
    }
    for (; *token != '\0'; ++token) {
        int32_t digit = *token - '0';
        if (digit < 0 || digit > 9 || result > (INT32_MAX - digit) / 10) {
            return 0;
        }
        result = result * 10 + digit;
    }
    *value = result;
    return 1;
}
