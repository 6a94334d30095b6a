/* Stack high-water mark: the stack reserve is painted with a pattern at reset;
 * the deepest word no longer holding it marks the most stack ever used. */
#include <stdint.h>

#include "cortexm.h"
#include "tinykit/bsp.h"

#define TK_STACK_PAINT 0x5AC35AC3u

void tk_cortexm_paint_stack(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    /* Everything below the current SP is unused; above it is this call's frame. */
    for (uint32_t *word = &_stack_bottom; word < sp; word++) {
        *word = TK_STACK_PAINT;
    }
}

uint32_t tk_bsp_stack_used(void)
{
    const uint32_t *word = &_stack_bottom;
    while (word < &_stack_top && *word == TK_STACK_PAINT) {
        word++;
    }
    return (uint32_t)((uintptr_t)&_stack_top - (uintptr_t)word);
}

uint32_t tk_bsp_stack_reserve(void)
{
    return (uint32_t)((uintptr_t)&_stack_top - (uintptr_t)&_stack_bottom);
}

uint32_t tk_bsp_static_bytes(void)
{
    /* .data and .bss are adjacent in RAM (see the linker script). */
    return (uint32_t)((uintptr_t)&_ebss - (uintptr_t)&_sdata);
}
