/* What every tinykit firmware app shares (the profiler and kws_stream):
 * the command loop of the MLPerf Tiny framing, tk-sync, and the model and
 * board fields of tk-info, so the host checks any app the same way. */
#ifndef TK_APP_COMMON_H
#define TK_APP_COMMON_H

#include <stdint.h>

#include "console.h"

/* Runs the command named tokens[0] with the rest as its arguments; returns
 * 0 if no command has that name. */
typedef int32_t (*app_dispatch)(void *context, const char *const *tokens, int32_t count);

/* Read commands forever: each is split, dispatched (or refused with e-[...])
 * and answered with m-ready. A bare '%' (a host flushing a half-sent
 * command) gets no reply, so no stray m-ready is left for the host. */
void app_command_loop(app_dispatch dispatch, void *context);

/* One line of help%: "<name> <args>", padded to a column, then ": <about>".
 * The apps' tables keep the three apart, so no name is stored twice and no
 * padding is stored at all. */
void app_usage_line(const char *name, const char *args, const char *about);

/* tk-sync T: echo token T in an m-tk-sync record. */
void app_sync(const char *const *args, int32_t arg_count);

/* tk-info's fields that describe the model and the board (build hash, model,
 * arena, ops, inputs and outputs, clock, stack reserve). */
void app_info_fields(tk_record *record, uint64_t input_bytes, uint64_t output_bytes);

#endif /* TK_APP_COMMON_H */
