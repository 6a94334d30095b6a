/* Cycle counter for QEMU: QEMU has no DWT (CYCCNT reads 0), but its SysTick
 * runs on the virtual clock, which under -icount shift=0 advances exactly one
 * nanosecond per retired instruction. SysTick is only 24 bits wide, so its
 * wrap interrupt extends it; the result is scaled to instructions. */
#include <stdint.h>

#include "cortexm_regs.h"
#include "mps2.h"
#include "mps2_regs.h"
#include "tinykit/bsp.h"

#define TK_SYSTICK_PERIOD (TK_SYST_MAX_RELOAD + 1u)

/* Wraps of the 24-bit counter since start (the one global besides the arena:
 * it is state of the hardware counter, shared with its interrupt). */
static volatile uint32_t systick_wraps;

void SysTick_Handler(void)
{
    systick_wraps++;
}

void tk_mps2_cycles_start(void)
{
    systick_wraps = 0;
    TK_SYST_RVR = TK_SYST_MAX_RELOAD;
    TK_SYST_CVR = 0;
    TK_SYST_CSR = TK_SYST_CSR_CLKSOURCE_CPU | TK_SYST_CSR_TICKINT | TK_SYST_CSR_ENABLE;
}

uint32_t tk_bsp_cycles(void)
{
    uint32_t wraps;
    uint32_t current;
    /* Re-read if the wrap interrupt ran between the two reads. A wrap that is
     * pending but not yet taken (interrupts masked) shows as the counter
     * jumping back up; the pending bit is then counted here. */
    do {
        wraps = systick_wraps;
        current = TK_SYST_CVR;
    } while (wraps != systick_wraps);
    if ((TK_SCB_ICSR & TK_SCB_ICSR_PENDSTSET) && current > TK_SYST_MAX_RELOAD / 2u) {
        wraps++;
    }
    uint32_t ticks = wraps * TK_SYSTICK_PERIOD + (TK_SYST_MAX_RELOAD - current);
    return ticks * TK_MPS2_INSTRUCTIONS_PER_TICK;
}

uint32_t tk_bsp_cpu_hz(void)
{
    return TK_MPS2_SYSCLK_HZ;
}

const char *tk_bsp_clock_source(void)
{
    return "qemu-icount";
}
