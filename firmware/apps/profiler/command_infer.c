/* infer N [W] and results: MLPerf Tiny's performance-mode inference. The
 * timed loop is bracketed by two m-lap-us timestamps; the runner divides
 * their difference by N. */
#include "command_args.h"
#include "commands.h"
#include "console.h"
#include "model.h"
#include "mlperf_results.h"
#include "model_io.h"

/* MLPerf Tiny's default number of warm-up inferences. */
#define INFER_DEFAULT_WARMUPS 10

/* Runs one inference on the loaded input; on failure prints the e-[...] line
 * and returns 0. The input copy is inside MLPerf Tiny's timed loop: it costs
 * a few hundred cycles against an inference's millions, and without it every
 * run after the first would see an input the previous run overwrote. */
static int32_t infer_once(profiler_state *state)
{
    tk_status status;
    model_inputs_restore();
    status = tk_model_invoke();
    /* Reading the clock after each inference keeps it right across
     * counter wraps however long the loop runs. */
    lap_clock_advance(&state->clock);
    if (status != TK_OK) {
        console_text("e-[inference failed: tk_model_invoke returned status ");
        console_uint((uint64_t)status);
        console_line("]");
        return 0;
    }
    return 1;
}

static void print_lap(profiler_state *state)
{
    console_text("m-lap-us-");
    console_uint(lap_clock_us(&state->clock));
    console_end_line();
}

void command_infer(profiler_state *state, const char *const *args, int32_t arg_count)
{
    int32_t n;
    int32_t warmups;
    int32_t i;

    if (!args_count("infer", "N (inferences)", args, arg_count, 0, 1, 1, &n) ||
        !args_count("infer", "W (warm-up inferences)", args, arg_count, 1, INFER_DEFAULT_WARMUPS, 0,
                    &warmups)) {
        return;
    }
    if (state->db_received < state->db_expected) {
        console_text("e-[the input is incomplete: ");
        console_uint((uint64_t)state->db_received);
        console_text(" of ");
        console_uint((uint64_t)state->db_expected);
        console_line(" bytes loaded; send the rest with db HEX]");
        return;
    }
    console_text("m-warmup-start-");
    console_uint((uint64_t)warmups);
    console_end_line();
    for (i = 0; i < warmups; ++i) {
        if (!infer_once(state)) {
            return;
        }
    }
    console_line("m-warmup-done");
    console_text("m-infer-start-");
    console_uint((uint64_t)n);
    console_end_line();
    print_lap(state);
    for (i = 0; i < n; ++i) {
        if (!infer_once(state)) {
            return;
        }
    }
    print_lap(state);
    console_line("m-infer-done");
    mlperf_print_results();
}

void command_results(profiler_state *state, const char *const *args, int32_t arg_count)
{
    (void)state;
    (void)args;
    (void)arg_count;
    mlperf_print_results();
}
