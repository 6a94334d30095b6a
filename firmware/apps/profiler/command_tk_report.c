/* tk-info, tk-mem, tk-out: tinykit's checksummed reports of what was built,
 * what memory it uses and what the last inference produced. */
#include "app_common.h"
#include "commands.h"
#include "console.h"
#include "model_figures.h"
#include "model_io.h"
#include "tinykit/bsp.h"

void command_tk_info(profiler_state *state, const char *const *args, int32_t arg_count)
{
    tk_record record;
    (void)state;
    (void)args;
    (void)arg_count;
    record_begin(&record, "info");
    app_info_fields(&record, (uint64_t)model_input_total_bytes(), (uint64_t)model_output_total_bytes());
    record_end(&record);
}

void command_tk_mem(profiler_state *state, const char *const *args, int32_t arg_count)
{
    tk_record record;
    (void)state;
    (void)args;
    (void)arg_count;
    record_begin(&record, "mem");
    record_uint_field(&record, "arena", APP_MODEL_ARENA_BYTES);
    record_uint_field(&record, "stack_used", tk_bsp_stack_used());
    record_uint_field(&record, "stack_reserve", tk_bsp_stack_reserve());
    record_uint_field(&record, "static", tk_bsp_static_bytes());
    record_end(&record);
}

void command_tk_out(profiler_state *state, const char *const *args, int32_t arg_count)
{
    int32_t i;
    (void)state;
    (void)args;
    (void)arg_count;
    for (i = 0; i < APP_MODEL_NUM_OUTPUTS; ++i) {
        tk_record record;
        int32_t bytes = tk_model_output_bytes(i);
        record_begin(&record, "out");
        record_uint_field(&record, "output", (uint64_t)i);
        record_uint_field(&record, "bytes", (uint64_t)bytes);
        record_key(&record, "hex");
        record_hex(&record, (const uint8_t *)tk_model_output(i), (size_t)bytes);
        record_end(&record);
    }
}
