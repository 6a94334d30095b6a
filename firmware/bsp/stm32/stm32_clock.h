/* Clock-tree steps every STM32 family here takes the same way, on registers
 * whose bits sit at the same places on F7, L4+ and H7: RCC_CR's HSE and main
 * PLL bits, the CFGR clock switch and its status, FLASH_ACR's LATENCY field
 * (RM0385 / RM0432 / RM0433). The families' RCC, PWR and flash blocks differ
 * everywhere else, so the steps take the one register they touch. */
#ifndef TK_STM32_CLOCK_H
#define TK_STM32_CLOCK_H

#include <stdint.h>

#define TK_STM32_RCC_CR_HSEON (1u << 16)
#define TK_STM32_RCC_CR_HSERDY (1u << 17)
#define TK_STM32_RCC_CR_HSEBYP (1u << 18)
#define TK_STM32_RCC_CR_PLLON (1u << 24) /* PLL1ON on the H7 */
#define TK_STM32_RCC_CR_PLLRDY (1u << 25)
#define TK_STM32_FLASH_ACR_LATENCY 0xFu

/* HSE from an external clock (the ST-Link's 8 MHz MCO), not a crystal. */
static inline void tk_stm32_start_hse_bypass(volatile uint32_t *rcc_cr)
{
    *rcc_cr |= TK_STM32_RCC_CR_HSEBYP | TK_STM32_RCC_CR_HSEON;
    while (!(*rcc_cr & TK_STM32_RCC_CR_HSERDY)) {
    }
}

/* Turn the main PLL on, already configured, and wait for its lock. */
static inline void tk_stm32_start_pll(volatile uint32_t *rcc_cr)
{
    *rcc_cr |= TK_STM32_RCC_CR_PLLON;
    while (!(*rcc_cr & TK_STM32_RCC_CR_PLLRDY)) {
    }
}

/* Write FLASH_ACR (wait states and the family's accelerator bits) and read it
 * back until the wait states apply: they must before the clock gets faster. */
static inline void tk_stm32_set_flash_acr(volatile uint32_t *flash_acr, uint32_t acr)
{
    *flash_acr = acr;
    while ((*flash_acr & TK_STM32_FLASH_ACR_LATENCY) != (acr & TK_STM32_FLASH_ACR_LATENCY)) {
    }
}

/* Select ``source`` as the system clock in the SW field (bits 0 up, ``width``
 * bits: 2 on F7 and L4+, 3 on H7) and wait until the SWS field just above it
 * reports the switch. */
static inline void tk_stm32_switch_sysclk(volatile uint32_t *rcc_cfgr, uint32_t width, uint32_t source)
{
    uint32_t field = (1u << width) - 1u;
    *rcc_cfgr = (*rcc_cfgr & ~field) | source;
    while ((*rcc_cfgr & (field << width)) != (source << width)) {
    }
}

#endif /* TK_STM32_CLOCK_H */
