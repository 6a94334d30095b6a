/* Cortex-M core registers the BSP uses (ARMv7-M / ARMv8-M architecture
 * reference manuals, "System Control Space"). Same addresses on every core. */
#ifndef TK_CORTEXM_REGS_H
#define TK_CORTEXM_REGS_H

#include <stdint.h>

#define TK_REG32(addr) (*(volatile uint32_t *)(addr))

/* SysTick: 24-bit down counter. */
#define TK_SYST_CSR TK_REG32(0xE000E010u)
#define TK_SYST_RVR TK_REG32(0xE000E014u)
#define TK_SYST_CVR TK_REG32(0xE000E018u)
#define TK_SYST_CSR_ENABLE (1u << 0)
#define TK_SYST_CSR_TICKINT (1u << 1)
#define TK_SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define TK_SYST_MAX_RELOAD 0x00FFFFFFu

/* System control block. */
#define TK_SCB_ICSR TK_REG32(0xE000ED04u)
#define TK_SCB_CCR TK_REG32(0xE000ED14u)
#define TK_SCB_CFSR TK_REG32(0xE000ED28u)  /* MemManage, BusFault, UsageFault status */
#define TK_SCB_HFSR TK_REG32(0xE000ED2Cu)  /* HardFault status */
#define TK_SCB_MMFAR TK_REG32(0xE000ED34u) /* MemManage fault address */
#define TK_SCB_BFAR TK_REG32(0xE000ED38u)  /* BusFault address */
#define TK_SCB_CPACR TK_REG32(0xE000ED88u) /* coprocessor access: CP10/CP11 = FPU */
#define TK_SCB_CCR_IC (1u << 17)
#define TK_SCB_CCR_DC (1u << 16)
#define TK_SCB_ICSR_PENDSTSET (1u << 26)

/* Cache identification and maintenance (Cortex-M7). */
#define TK_SCB_CCSIDR TK_REG32(0xE000ED80u)
#define TK_SCB_CSSELR TK_REG32(0xE000ED84u)
#define TK_SCB_ICIALLU TK_REG32(0xE000EF50u)
#define TK_SCB_DCISW TK_REG32(0xE000EF60u)

/* Debug exception and monitor control: TRCENA powers the DWT. */
#define TK_DEMCR TK_REG32(0xE000EDFCu)
#define TK_DEMCR_TRCENA (1u << 24)

/* Data watchpoint and trace unit: the cycle counter. */
#define TK_DWT_CTRL TK_REG32(0xE0001000u)
#define TK_DWT_CYCCNT TK_REG32(0xE0001004u)
#define TK_DWT_LAR TK_REG32(0xE0001FB0u) /* Cortex-M7 locks the DWT until this key is written */
#define TK_DWT_CTRL_CYCCNTENA (1u << 0)
#define TK_DWT_LAR_KEY 0xC5ACCE55u

static inline void tk_cortexm_barrier(void)
{
    __asm__ volatile("dsb 0xF\n\tisb 0xF" ::: "memory");
}

#endif /* TK_CORTEXM_REGS_H */
