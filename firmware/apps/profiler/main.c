/* The tinykit profiler firmware: answers the MLPerf Tiny performance-mode
 * protocol (so its runner can drive the board) plus tinykit's checksummed
 * tk-* commands, over the BSP console. Every reply ends with m-ready. */
#include <stddef.h>
#include <string.h>

#include "command_line.h"
#include "commands.h"
#include "console.h"
#include "profiler_state.h"
#include "tinykit/bsp.h"

static void dispatch(profiler_state *state, const char *const *tokens, int32_t count)
{
    const command_entry *entry;

    for (entry = PROFILER_COMMANDS; entry->name != NULL; ++entry) {
        if (strcmp(entry->name, tokens[0]) == 0) {
            entry->run(state, tokens + 1, count - 1);
            return;
        }
    }
    console_text("e-[Unknown command: ");
    console_text(tokens[0]);
    console_line("]");
}

int main(void)
{
    profiler_state state;
    command_line line;
    const char *tokens[COMMAND_MAX_TOKENS];
    int32_t count;

    tk_bsp_init();
    state.db_expected = 0;
    state.db_received = 0;
    lap_clock_start(&state.clock);
    console_line("m-timestamp-mode-performance");
    console_line("m-init-done");
    console_line("m-ready");
    for (;;) {
        command_read(&line);
        count = line.too_long ? 1 : command_split(line.text, tokens, COMMAND_MAX_TOKENS);
        /* A bare '%' is how a host flushes a half-sent command: no reply, so
         * that no stray m-ready is left for the host to mistake. */
        if (count == 0) {
            continue;
        }
        if (line.too_long) {
            console_error("Command longer than 80 characters");
        } else if (count < 0) {
            console_error("Command has too many tokens");
        } else {
            dispatch(&state, tokens, count);
        }
        console_line("m-ready");
    }
}
