/* Fault reporting: a crash prints the fault registers on the console, in the
 * serial protocol's error form (one "e-[...]" line), then halts. Silence would
 * leave the host waiting for a reply that never comes.
 *
 * Every exception without a handler of its own (NMI, HardFault, MemManage,
 * BusFault, UsageFault, SecureFault, SVC, PendSV) comes here.
 */
#include <stdint.h>

#include "cortexm.h"
#include "cortexm_regs.h"
#include "tinykit/bsp.h"

void tk_cortexm_fault_entry(void) __attribute__((naked));
void tk_cortexm_fault_report(const uint32_t *frame) __attribute__((noreturn, used));

/* SysTick is used by families that build a counter on it (mps2); elsewhere
 * an unexpected tick is reported like a fault, naming the exception. */
void SysTick_Handler(void) __attribute__((weak, alias("tk_cortexm_fault_entry")));

/* The core pushed r0-r3, r12, lr, pc, xPSR on the stack that was active;
 * EXC_RETURN bit 2 in lr says which one (0: MSP, 1: PSP). */
void tk_cortexm_fault_entry(void)
{
    __asm__ volatile(
        "tst lr, #4\n\t"
        "ite eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "b tk_cortexm_fault_report\n\t");
}

static void write_text(const char *text)
{
    uint32_t len = 0;
    while (text[len] != '\0') {
        len++;
    }
    tk_bsp_write(text, len);
}

static void write_field(const char *name, uint32_t value)
{
    write_text(name);
    tk_cortexm_write_hex(value);
}

enum { FRAME_LR = 5, FRAME_PC = 6, FRAME_XPSR = 7 };

void tk_cortexm_fault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    write_field("\r\ne-[fault exception=", ipsr & 0x1FFu); /* 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault */
    write_field(" cfsr=", TK_SCB_CFSR);
    write_field(" hfsr=", TK_SCB_HFSR);
    write_field(" mmfar=", TK_SCB_MMFAR);
    write_field(" bfar=", TK_SCB_BFAR);
    write_field(" pc=", frame[FRAME_PC]);
    write_field(" lr=", frame[FRAME_LR]);
    write_field(" xpsr=", frame[FRAME_XPSR]);
    write_text("]\r\n");
    for (;;) {
        /* Halted: a debugger can inspect the state; reset to recover. */
    }
}

void tk_cortexm_write_hex(uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++) {
        text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
    }
    tk_bsp_write(text, sizeof text);
}
