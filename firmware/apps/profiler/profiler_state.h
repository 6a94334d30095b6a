/* What the profiler remembers between commands. It lives on main()'s stack
 * and is handed to every command (the firmware has no mutable globals). */
#ifndef TK_PROFILER_STATE_H
#define TK_PROFILER_STATE_H

#include <stdint.h>

#include "lap_clock.h"

typedef struct {
    int32_t db_expected; /* bytes announced by the last `db load`, 0 before */
    int32_t db_received; /* bytes of that load received so far */
    lap_clock clock;     /* time base of the m-lap-us timestamps, from boot */
} profiler_state;

#endif /* TK_PROFILER_STATE_H */
