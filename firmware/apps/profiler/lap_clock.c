#include "lap_clock.h"

#include "tinykit/bsp.h"

/* Bits of a microsecond count within one second: 1,000,000 < 2^20. */
#define MICROSECONDS_BITS 20

void lap_clock_start(lap_clock *clock)
{
    clock->seconds = 0u;
    clock->cycles = 0u;
    clock->last_raw = tk_bsp_cycles();
}

void lap_clock_advance(lap_clock *clock)
{
    uint32_t raw = tk_bsp_cycles();
    uint32_t hz = tk_bsp_cpu_hz();
    /* Unsigned subtraction gives the elapsed count across one wrap. */
    uint32_t elapsed = raw - clock->last_raw;

    clock->last_raw = raw;
    clock->seconds += elapsed / hz;
    /* Both terms are below hz (< 2^31 on any Cortex-M): no overflow. */
    clock->cycles += elapsed % hz;
    if (clock->cycles >= hz) {
        clock->cycles -= hz;
        clock->seconds++;
    }
}

uint64_t lap_clock_us(lap_clock *clock)
{
    uint32_t hz;
    uint64_t rest;
    uint32_t fraction = 0u;
    int bit;

    lap_clock_advance(clock);
    hz = tk_bsp_cpu_hz();
    /* floor(cycles * 1e6 / hz) by binary long division: the quotient is
     * below 1e6 because cycles < hz. */
    rest = (uint64_t)clock->cycles * 1000000u;
    for (bit = MICROSECONDS_BITS - 1; bit >= 0; --bit) {
        uint64_t step = (uint64_t)hz << bit;
        if (rest >= step) {
            rest -= step;
            fraction |= 1u << bit;
        }
    }
    return (uint64_t)clock->seconds * 1000000u + fraction;
}
