#include "lap_clock.h"

#include "tinykit/bsp.h"

void lap_clock_start(lap_clock *clock)
{
    clock->cycles = 0u;
    clock->last_raw = tk_bsp_cycles();
}

uint64_t lap_clock_cycles(lap_clock *clock)
{
    uint32_t raw = tk_bsp_cycles();
    /* Unsigned subtraction gives the elapsed count across one wrap. */
    clock->cycles += (uint32_t)(raw - clock->last_raw);
    clock->last_raw = raw;
    return clock->cycles;
}

uint64_t lap_clock_us(lap_clock *clock)
{
    uint64_t cycles = lap_clock_cycles(clock);
    uint64_t hz = tk_bsp_cpu_hz();
    /* Whole seconds and the remainder separately, so cycles * 1e6 cannot
     * overflow however long the board has been running. */
    return (cycles / hz) * 1000000u + ((cycles % hz) * 1000000u) / hz;
}
