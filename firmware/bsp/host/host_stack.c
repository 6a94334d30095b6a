/* Stack high-water mark on the host, measured the way a board does it: a
 * region of stack is painted with a pattern at start-up and later scanned
 * for the deepest byte that no longer holds the pattern. The region is the
 * HOST_STACK_WINDOW_BYTES below tk_bsp_init's caller (the app's main), so
 * the figure is the app's stack use below main, library calls included.
 *
 * The painter and scanner touch memory outside any live C object, so they
 * are kept out of AddressSanitizer's view; the region boundaries are
 * file-scope state because the BSP API has no handle argument. */
#include <stdint.h>
#include <string.h>

#include "host_bsp.h"
#include "tinykit/bsp.h"

#define HOST_STACK_WINDOW_BYTES (256u * 1024u)
#define HOST_STACK_PAINT 0xA5u

#if defined(__GNUC__)
#define HOST_STACK_UNCHECKED __attribute__((noinline, no_sanitize_address))
#else
#define HOST_STACK_UNCHECKED
#endif

static uintptr_t window_low;
static uintptr_t window_high;

HOST_STACK_UNCHECKED void host_stack_paint(void)
{
    volatile uint8_t window[HOST_STACK_WINDOW_BYTES];
    uint32_t i;

    for (i = 0; i < HOST_STACK_WINDOW_BYTES; ++i) {
        window[i] = HOST_STACK_PAINT;
    }
    window_low = (uintptr_t)&window[0];
    window_high = window_low + HOST_STACK_WINDOW_BYTES;
}

HOST_STACK_UNCHECKED uint32_t tk_bsp_stack_used(void)
{
    uintptr_t address = window_low;

    /* The stack grows down: the first overwritten byte from the bottom is
     * the deepest the stack has reached. */
    while (address < window_high && *(volatile const uint8_t *)address == HOST_STACK_PAINT) {
        ++address;
    }
    return (uint32_t)(window_high - address);
}

uint32_t tk_bsp_stack_reserve(void)
{
    return HOST_STACK_WINDOW_BYTES;
}
