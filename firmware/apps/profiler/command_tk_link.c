/* tk-in and tk-sync: let the host check what crossed the link. tk-in gives
 * the CRC-32 of the input bytes loaded with db, so a hex digit garbled on
 * the way in is caught before any timing is believed; tk-sync echoes a
 * token so the host can tell its own reply from stale output after a reset
 * or a lost line. */
#include "app_common.h"
#include "commands.h"
#include "console.h"
#include "crc32.h"
#include "model_io.h"

void command_tk_in(profiler_state *state, const char *const *args, int32_t arg_count)
{
    tk_record record;
    uint32_t crc = TK_CRC32_INITIAL;
    int32_t i;

    (void)args;
    (void)arg_count;
    for (i = 0; i < state->db_received; ++i) {
        crc = tk_crc32_update(crc, model_input_byte(i), 1);
    }
    record_begin(&record, "in");
    record_uint_field(&record, "bytes", (uint64_t)state->db_received);
    record_uint_field(&record, "crc32", tk_crc32_final(crc));
    record_end(&record);
}

void command_tk_sync(profiler_state *state, const char *const *args, int32_t arg_count)
{
    (void)state;
    app_sync(args, arg_count);
}
