/* The host's cycle counter: the monotonic clock in nanoseconds, i.e. a 1 GHz
 * counter; like DWT CYCCNT it is free-running and wraps at 32 bits. */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#include "tinykit/bsp.h"

#define HOST_COUNTER_HZ 1000000000u

uint32_t tk_bsp_cycles(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint32_t)((uint64_t)now.tv_sec * HOST_COUNTER_HZ + (uint64_t)now.tv_nsec);
}

uint32_t tk_bsp_cpu_hz(void)
{
    return HOST_COUNTER_HZ;
}

const char *tk_bsp_clock_source(void)
{
    return "host";
}
