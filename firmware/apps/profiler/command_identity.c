/* name, profile, timestamp, help: the MLPerf Tiny identity commands, in the
 * exact formats its runner matches (m-name-dut-[...], m-profile-[...],
 * m-model-[...], m-lap-us-T). The model id is MLPerf Tiny's benchmark id
 * (kws01, ...; the runner picks its test by it), else the build name. */
#include "app_common.h"
#include "commands.h"
#include "console.h"
#include "model_figures.h"

#define PROFILER_DEVICE_NAME "tinykit"
#define PROFILER_VERSION "tinykit profiler 1.0"

void command_name(profiler_state *state, const char *const *args, int32_t arg_count)
{
    (void)state;
    (void)args;
    (void)arg_count;
    console_line("m-name-dut-[" PROFILER_DEVICE_NAME "]");
}

void command_profile(profiler_state *state, const char *const *args, int32_t arg_count)
{
    (void)state;
    (void)args;
    (void)arg_count;
    console_line("m-profile-[" PROFILER_VERSION "]");
    /* A generated model names its MLPerf Tiny id (tinykit/mlperf.py), else its name; a
     * hand-written stand-in model reports its name. */
    console_text("m-model-[");
    console_text(APP_MODEL_MLPERF_ID);
    console_line("]");
}

void command_timestamp(profiler_state *state, const char *const *args, int32_t arg_count)
{
    (void)args;
    (void)arg_count;
    console_text("m-lap-us-");
    console_uint(lap_clock_us(&state->clock));
    console_end_line();
}

void command_help(profiler_state *state, const char *const *args, int32_t arg_count)
{
    const command_entry *entry;
    (void)state;
    (void)args;
    (void)arg_count;
    console_line(PROFILER_VERSION);
    for (entry = PROFILER_COMMANDS; entry->name != NULL; ++entry) {
        app_usage_line(entry->name, entry->args, entry->about);
    }
}
