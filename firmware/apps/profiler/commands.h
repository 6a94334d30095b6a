/* The profiler's commands. Each handler gets the tokens after the command
 * name, prints its reply lines (errors as e-[...]); the caller then prints
 * m-ready, so every reply ends with it whatever happened. */
#ifndef TK_PROFILER_COMMANDS_H
#define TK_PROFILER_COMMANDS_H

#include <stdint.h>

#include "profiler_state.h"

typedef void (*command_handler)(profiler_state *state, const char *const *args, int32_t arg_count);

typedef struct {
    const char *name;
    const char *args;  /* shown by help% after the name ("" for none) */
    const char *about; /* shown by help% after the arguments */
    command_handler run;
    /* The dispatcher refuses more arguments than this (e-[...]) before
     * running the command; COMMAND_ARGS_OWN: the command checks its own. */
    int32_t max_args;
} command_entry;

#define COMMAND_ARGS_OWN (-1)

/* The table of commands, terminated by an entry with a NULL name. */
extern const command_entry PROFILER_COMMANDS[];

/* MLPerf Tiny: identity and time (command_identity.c). */
void command_name(profiler_state *state, const char *const *args, int32_t arg_count);
void command_profile(profiler_state *state, const char *const *args, int32_t arg_count);
void command_timestamp(profiler_state *state, const char *const *args, int32_t arg_count);
void command_help(profiler_state *state, const char *const *args, int32_t arg_count);

/* MLPerf Tiny: the input buffer (command_db.c). */
void command_db(profiler_state *state, const char *const *args, int32_t arg_count);

/* MLPerf Tiny: inference (command_infer.c). */
void command_infer(profiler_state *state, const char *const *args, int32_t arg_count);
void command_results(profiler_state *state, const char *const *args, int32_t arg_count);

/* tinykit: build and memory reports, raw output (command_tk_report.c). */
void command_tk_info(profiler_state *state, const char *const *args, int32_t arg_count);
void command_tk_mem(profiler_state *state, const char *const *args, int32_t arg_count);
void command_tk_out(profiler_state *state, const char *const *args, int32_t arg_count);
/* tinykit: link checks (command_tk_link.c). */
void command_tk_in(profiler_state *state, const char *const *args, int32_t arg_count);
void command_tk_sync(profiler_state *state, const char *const *args, int32_t arg_count);

/* tinykit: cycle counts per inference and per op (command_tk_timing.c). */
void command_tk_time(profiler_state *state, const char *const *args, int32_t arg_count);
void command_tk_layers(profiler_state *state, const char *const *args, int32_t arg_count);

#endif /* TK_PROFILER_COMMANDS_H */
