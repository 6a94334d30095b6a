#include "app_common.h"

#include "command_args.h"
#include "command_line.h"
#include "model_figures.h"
#include "text.h"
#include "tinykit/bsp.h"

void app_command_loop(app_dispatch dispatch, void *context)
{
    command_line line;
    const char *tokens[COMMAND_MAX_TOKENS];
    int32_t count;

    for (;;) {
        command_read(&line);
        count = line.too_long ? 1 : command_split(line.text, tokens, COMMAND_MAX_TOKENS);
        if (count == 0) {
            continue;
        }
        if (line.too_long) {
            console_error("Command longer than 80 characters");
        } else if (count < 0) {
            console_error("Command has too many tokens");
        } else if (!dispatch(context, tokens, count)) {
            console_text("e-[Unknown command: ");
            console_text(tokens[0]);
            console_line("]");
        }
        console_line("m-ready");
    }
}

/* Where help% lines put their ": <about>", unless the name and arguments are longer. */
#define USAGE_COLUMN 14

void app_usage_line(const char *name, const char *args, const char *about)
{
    size_t width = text_length(name);

    console_text(name);
    if (args[0] != '\0') {
        console_char(' ');
        console_text(args);
        width += 1u + text_length(args);
    }
    do {
        console_char(' ');
    } while (++width < USAGE_COLUMN);
    console_text(": ");
    console_line(about);
}

void app_sync(const char *const *args, int32_t arg_count)
{
    tk_record record;
    if (!args_at_most("tk-sync", arg_count, 1)) {
        return;
    }
    if (arg_count == 0) {
        console_error("tk-sync needs a token");
        return;
    }
    record_begin(&record, "sync");
    record_text_field(&record, "token", args[0]);
    record_end(&record);
}

void app_info_fields(tk_record *record, uint64_t input_bytes, uint64_t output_bytes)
{
    record_text_field(record, "build", APP_MODEL_BUILD_HASH);
    record_text_field(record, "model", APP_MODEL_NAME);
    record_uint_field(record, "arena", APP_MODEL_ARENA_BYTES);
    record_uint_field(record, "ops", APP_MODEL_NUM_OPS);
    record_uint_field(record, "inputs", APP_MODEL_NUM_INPUTS);
    record_uint_field(record, "input_bytes", input_bytes);
    record_uint_field(record, "outputs", APP_MODEL_NUM_OUTPUTS);
    record_uint_field(record, "output_bytes", output_bytes);
    record_text_field(record, "clock", tk_bsp_clock_source());
    record_uint_field(record, "hz", tk_bsp_cpu_hz());
    record_uint_field(record, "stack_reserve", tk_bsp_stack_reserve());
}
