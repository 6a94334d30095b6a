/* The tinykit profiler firmware: answers the MLPerf Tiny performance-mode
 * protocol (so its runner can drive the board) plus tinykit's checksummed
 * tk-* commands, over the BSP console. Every reply ends with m-ready. */
#include <stddef.h>

#include "app_common.h"
#include "command_args.h"
#include "commands.h"
#include "console.h"
#include "profiler_state.h"
#include "text.h"
#include "tinykit/bsp.h"

static int32_t dispatch(void *context, const char *const *tokens, int32_t count)
{
    const command_entry *entry;

    for (entry = PROFILER_COMMANDS; entry->name != NULL; ++entry) {
        if (text_equal(entry->name, tokens[0])) {
            if (entry->max_args == COMMAND_ARGS_OWN || args_at_most(entry->name, count - 1, entry->max_args)) {
                entry->run((profiler_state *)context, tokens + 1, count - 1);
            }
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    profiler_state state;

    tk_bsp_init();
    state.db_expected = 0;
    state.db_received = 0;
    lap_clock_start(&state.clock);
    console_line("m-timestamp-mode-performance");
    console_line("m-init-done");
    console_line("m-ready");
    app_command_loop(dispatch, &state);
    return 0;
}
