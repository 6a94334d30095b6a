/* Reset and the vector table, shared by every Cortex-M family.
 *
 * The core loads SP from word 0 of the vector table and jumps to word 1 (the
 * linker script puts .vectors at the flash origin, which is where the reset
 * VTOR points on every supported board). Reset_Handler prepares RAM the way C
 * expects it and calls main().
 */
#include <stdint.h>

#include "cortexm.h"
#include "cortexm_regs.h"

int main(void);
void Reset_Handler(void);
void tk_cortexm_fault_entry(void);
void SysTick_Handler(void); /* weak default in fault.c */

/* The system exceptions only: no peripheral interrupt is enabled (the NVIC
 * enables none at reset, and neither the BSP nor the apps enable one), so
 * none can be taken, and slots for them would be flash spent on nothing. A
 * port that enables an interrupt adds its slot here. */
typedef void (*tk_handler)(void);

typedef struct {
    const void *initial_sp;
    tk_handler handlers[15]; /* exception number - 1 */
} tk_vector_table;

#define TK_EXC(n) ((n) - 1)

__attribute__((section(".vectors"), used)) const tk_vector_table tk_vectors = {
    .initial_sp = &_stack_top,
    .handlers = {
        [TK_EXC(1)] = Reset_Handler,
        [TK_EXC(2) ... TK_EXC(14)] = tk_cortexm_fault_entry, /* NMI, faults, SVC, PendSV */
        [TK_EXC(15)] = SysTick_Handler,
    },
};

static void enable_fpu(void)
{
#if defined(__ARM_FP)
    /* CP10 and CP11 full access (CPACR bits 20..23): without it the first
     * floating-point instruction raises a UsageFault (NOCP). */
    TK_SCB_CPACR |= 0xFu << 20;
    tk_cortexm_barrier();
#endif
}

static void limit_stack(void)
{
#if defined(__ARM_ARCH_8M_MAIN__)
    /* ARMv8-M checks SP against MSPLIM: an overflow of the reserve becomes a
     * reported UsageFault (STKOF) instead of silently overwriting .bss. */
    __asm__ volatile("msr msplim, %0" : : "r"(&_stack_bottom));
#endif
}

void Reset_Handler(void)
{
    enable_fpu();
    limit_stack();
    tk_cortexm_paint_stack();
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    main();
    for (;;) {
        /* main() returned: nothing left to run. */
    }
}
