/* One table names every command, its usage line and its handler: the
 * dispatcher and help% both read it, so they cannot disagree. */
#include <stddef.h>

#include "commands.h"

const command_entry PROFILER_COMMANDS[] = {
    {.name = "name", .usage = "name         : print the device name", .run = command_name},
    {.name = "profile", .usage = "profile      : print the firmware profile and model", .run = command_profile},
    {.name = "timestamp", .usage = "timestamp    : print a timestamp (m-lap-us-T)", .run = command_timestamp},
    {.name = "help", .usage = "help         : print this information", .run = command_help},
    {.name = "db",
     .usage = "db load N | db HEX | db print : load N input bytes as hex, print them",
     .run = command_db},
    {.name = "infer", .usage = "infer N [W=10]: W warm-up then N timed inferences", .run = command_infer},
    {.name = "results", .usage = "results      : print the last output as MLPerf Tiny scores it", .run = command_results},
    {.name = "tk-info", .usage = "tk-info      : build hash, model, arena, clock", .run = command_tk_info},
    {.name = "tk-layers", .usage = "tk-layers N  : cycles of each op, N runs", .run = command_tk_layers},
    {.name = "tk-time", .usage = "tk-time N    : cycles of each of N inferences", .run = command_tk_time},
    {.name = "tk-mem", .usage = "tk-mem       : arena, stack high-water, static bytes", .run = command_tk_mem},
    {.name = "tk-out", .usage = "tk-out       : raw output bytes as hex", .run = command_tk_out},
    {.name = "tk-in", .usage = "tk-in        : size and CRC-32 of the loaded input", .run = command_tk_in},
    {.name = "tk-sync", .usage = "tk-sync T    : echo token T (host resynchronisation)", .run = command_tk_sync},
    {.name = NULL, .usage = NULL, .run = NULL},
};
