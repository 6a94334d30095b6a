/* db load N / db HEX / db print: MLPerf Tiny's input buffer. The bytes are
 * kept outside the arena (see model_io.c) and copied into the model's input
 * tensor(s) at the start of every inference. */
#include <stddef.h>

#include "command_args.h"
#include "commands.h"
#include "console.h"
#include "model_io.h"
#include "text.h"

#define DB_PRINT_BYTES_PER_LINE 8

static int32_t hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void db_load(profiler_state *state, const char *const *args, int32_t arg_count)
{
    int32_t capacity = model_input_total_bytes();
    int32_t n;

    if (!args_at_most("db load", arg_count, 1) ||
        !args_count("db load", "N (the number of input bytes)", args, arg_count, 0, -1, 1, &n)) {
        return;
    }
    if (n > capacity) {
        console_text("e-[db load ");
        console_uint((uint64_t)n);
        console_text(": the model's input holds ");
        console_uint((uint64_t)capacity);
        console_line(" bytes]");
        return;
    }
    state->db_expected = n;
    state->db_received = 0;
    console_text("m-[Expecting ");
    console_uint((uint64_t)n);
    console_line(" bytes]");
}

static void db_print(const profiler_state *state)
{
    int32_t i;
    for (i = 0; i < state->db_received; ++i) {
        int32_t column = i % DB_PRINT_BYTES_PER_LINE;
        if (column == 0) {
            console_text("m-buffer-");
        } else {
            console_text("-");
        }
        console_hex_byte(*model_input_byte(i));
        if (column == DB_PRINT_BYTES_PER_LINE - 1 || i == state->db_received - 1) {
            console_end_line();
        }
    }
}

static void db_data(profiler_state *state, const char *hex)
{
    size_t digits = text_length(hex);
    size_t i;

    if (state->db_expected == 0) {
        console_error("db HEX needs a db load N first");
        return;
    }
    if (state->db_received == state->db_expected) {
        console_error("all bytes of the db load are in; send db load N to load again");
        return;
    }
    if (digits % 2u != 0u) {
        console_error("Insufficient number of hex digits");
        return;
    }
    /* Check the whole token first: a bad line changes nothing. */
    for (i = 0; i < digits; ++i) {
        if (hex_value(hex[i]) < 0) {
            console_text("e-[Invalid hex digit '");
            console_char(hex[i]);
            console_line("']");
            return;
        }
    }
    for (i = 0; i < digits && state->db_received < state->db_expected; i += 2u) {
        *model_input_byte(state->db_received++) = (uint8_t)(hex_value(hex[i]) * 16 + hex_value(hex[i + 1]));
    }
    /* As MLPerf Tiny does, digits beyond the announced count are dropped. */
    if (state->db_received == state->db_expected) {
        console_line("m-load-done");
    }
}

void command_db(profiler_state *state, const char *const *args, int32_t arg_count)
{
    if (arg_count == 0) {
        console_error("db needs a subcommand: load N, HEX or print");
    } else if (text_equal(args[0], "load")) {
        db_load(state, args + 1, arg_count - 1);
    } else if (text_equal(args[0], "print")) {
        if (args_at_most("db print", arg_count - 1, 0)) {
            db_print(state);
        }
    } else if (args_at_most("db HEX", arg_count - 1, 0)) {
        db_data(state, args[0]);
    }
}
