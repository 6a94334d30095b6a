/* A long-running clock built on the BSP's free-running 32-bit counter, for
 * the MLPerf Tiny m-lap-us timestamps that span many inferences (a 32-bit
 * counter at 216 MHz wraps every 20 s). It keeps whole seconds and the
 * cycles into the current second, so it needs only 32-bit division (one
 * instruction on the core) and no 64-bit division routine. */
#ifndef TK_PROFILER_LAP_CLOCK_H
#define TK_PROFILER_LAP_CLOCK_H

#include <stdint.h>

typedef struct {
    uint32_t seconds;  /* whole seconds since lap_clock_start */
    uint32_t cycles;   /* cycles into the current second: below the cpu clock */
    uint32_t last_raw; /* counter value at the previous reading */
} lap_clock;

void lap_clock_start(lap_clock *clock);

/* Adds the cycles since the previous reading. Must be called at least once
 * per counter wrap: the profiler calls it after every inference. */
void lap_clock_advance(lap_clock *clock);

/* Microseconds since start, at the BSP's cpu clock. */
uint64_t lap_clock_us(lap_clock *clock);

#endif /* TK_PROFILER_LAP_CLOCK_H */
