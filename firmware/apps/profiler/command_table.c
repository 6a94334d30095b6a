/* One table names every command, its arguments, what it does and its
 * handler: the dispatcher and help% both read it, so they cannot disagree. */
#include <stddef.h>

#include "commands.h"

const command_entry PROFILER_COMMANDS[] = {
    {.name = "name", .args = "", .about = "print the device name", .run = command_name, .max_args = 0},
    {.name = "profile", .args = "", .about = "print the firmware profile and model", .run = command_profile, .max_args = 0},
    {.name = "timestamp", .args = "", .about = "print a timestamp (m-lap-us-T)", .run = command_timestamp, .max_args = 0},
    {.name = "help", .args = "", .about = "print this information", .run = command_help, .max_args = COMMAND_ARGS_OWN},
    {.name = "db", .args = "load N | HEX | print", .about = "load N input bytes as hex, print them", .run = command_db, .max_args = COMMAND_ARGS_OWN},
    {.name = "infer", .args = "N [W=10]", .about = "W warm-up then N timed inferences", .run = command_infer, .max_args = 2},
    {.name = "results", .args = "", .about = "print the last output as MLPerf Tiny scores it", .run = command_results, .max_args = 0},
    {.name = "tk-info", .args = "", .about = "build hash, model, arena, clock", .run = command_tk_info, .max_args = 0},
    {.name = "tk-layers", .args = "N", .about = "cycles of each op, N runs", .run = command_tk_layers, .max_args = 1},
    {.name = "tk-time", .args = "N", .about = "cycles of each of N inferences", .run = command_tk_time, .max_args = 1},
    {.name = "tk-mem", .args = "", .about = "arena, stack high-water, static bytes", .run = command_tk_mem, .max_args = 0},
    {.name = "tk-out", .args = "", .about = "raw output bytes as hex", .run = command_tk_out, .max_args = 0},
    {.name = "tk-in", .args = "", .about = "size and CRC-32 of the loaded input", .run = command_tk_in, .max_args = 0},
    {.name = "tk-sync", .args = "T", .about = "echo token T (host resynchronisation)", .run = command_tk_sync, .max_args = COMMAND_ARGS_OWN},
    {.name = NULL},
};
