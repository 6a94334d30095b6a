/* tk-time N and tk-layers N: cycle counts the host turns into median, min
 * and max. Each run is timed alone and printed after it finishes, so the
 * printing is never inside a timed region. tk-layers is its own mode: timing
 * op by op adds a counter read between ops, which tk-time and infer avoid.
 * The loaded input is copied in before each run's clock starts. */
#include "command_args.h"
#include "commands.h"
#include "console.h"
#include "model_figures.h"
#include "model_io.h"
#include "tinykit/bsp.h"

static void print_failure(const char *call, int32_t op_index, tk_status status)
{
    console_text("e-[");
    console_text(call);
    if (op_index >= 0) {
        console_text(" of op ");
        console_uint((uint64_t)op_index);
    }
    console_text(" failed with status ");
    console_uint((uint64_t)status);
    console_line("]");
}

static void print_header(const char *topic, int32_t runs)
{
    tk_record record;
    record_begin(&record, topic);
    record_uint_field(&record, "runs", (uint64_t)runs);
    record_uint_field(&record, "ops", APP_MODEL_NUM_OPS);
    record_end(&record);
}

void command_tk_time(profiler_state *state, const char *const *args, int32_t arg_count)
{
    int32_t runs;
    int32_t run;

    if (!args_count("tk-time", "N (runs)", args, arg_count, 0, -1, 1, &runs)) {
        return;
    }
    print_header("time", runs);
    for (run = 0; run < runs; ++run) {
        tk_record record;
        uint32_t start;
        uint32_t cycles;
        tk_status status;

        model_inputs_restore();
        start = tk_bsp_cycles();
        status = tk_model_invoke();
        cycles = tk_bsp_cycles() - start;

        lap_clock_advance(&state->clock);
        if (status != TK_OK) {
            print_failure("tk_model_invoke", -1, status);
            return;
        }
        record_begin(&record, "time-run");
        record_uint_field(&record, "run", (uint64_t)run);
        record_uint_field(&record, "cycles", cycles);
        record_end(&record);
    }
}

void command_tk_layers(profiler_state *state, const char *const *args, int32_t arg_count)
{
    uint32_t op_cycles[APP_MODEL_NUM_OPS];
    int32_t runs;
    int32_t run;
    int32_t op;

    if (!args_count("tk-layers", "N (runs)", args, arg_count, 0, -1, 1, &runs)) {
        return;
    }
    print_header("layers", runs);
    for (run = 0; run < runs; ++run) {
        tk_record record;
        model_inputs_restore();
        for (op = 0; op < APP_MODEL_NUM_OPS; ++op) {
            uint32_t start = tk_bsp_cycles();
            tk_status status = tk_model_invoke_op(op);
            op_cycles[op] = tk_bsp_cycles() - start;
            if (status != TK_OK) {
                print_failure("tk_model_invoke_op", op, status);
                return;
            }
        }
        lap_clock_advance(&state->clock);
        record_begin(&record, "layer-run");
        record_uint_field(&record, "run", (uint64_t)run);
        record_key(&record, "cycles");
        for (op = 0; op < APP_MODEL_NUM_OPS; ++op) {
            if (op > 0) {
                record_list_separator(&record);
            }
            record_uint(&record, op_cycles[op]);
        }
        record_end(&record);
    }
}
