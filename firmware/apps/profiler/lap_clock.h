/* A 64-bit cycle clock built on the BSP's free-running 32-bit counter, for
 * the MLPerf Tiny m-lap-us timestamps that span many inferences (a 32-bit
 * counter at 216 MHz wraps every 20 s). */
#ifndef TK_PROFILER_LAP_CLOCK_H
#define TK_PROFILER_LAP_CLOCK_H

#include <stdint.h>

typedef struct {
    uint64_t cycles;   /* cycles since lap_clock_start */
    uint32_t last_raw; /* counter value at the previous reading */
} lap_clock;

void lap_clock_start(lap_clock *clock);

/* Cycles since start. Must be called at least once per counter wrap: the
 * profiler calls it after every inference. */
uint64_t lap_clock_cycles(lap_clock *clock);

/* Microseconds since start, at the BSP's cpu clock. */
uint64_t lap_clock_us(lap_clock *clock);

#endif /* TK_PROFILER_LAP_CLOCK_H */
