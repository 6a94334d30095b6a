/* The stm32l4 family's clock plan and start-up pieces (NUCLEO-L4R5ZI). */
#ifndef TK_STM32L4_H
#define TK_STM32L4_H

/* The NUCLEO-L4R5ZI has no HSE by default: MSI at its reset range (4 MHz)
 * -> PLL: /M=1, xN=60 (VCO 240 MHz), /R=2 -> SYSCLK 120 MHz, the L4+ maximum,
 * which needs voltage range 1 in boost mode (RM0432 section 6.1.8). */
#define TK_STM32L4_MSI_HZ 4000000u
#define TK_STM32L4_PLL_M 1u
#define TK_STM32L4_PLL_N 60u
#define TK_STM32L4_PLL_R 2u
#define TK_STM32L4_SYSCLK_HZ (TK_STM32L4_MSI_HZ / TK_STM32L4_PLL_M * TK_STM32L4_PLL_N / TK_STM32L4_PLL_R)
/* APB1 undivided: LPUART1 runs from PCLK1 = 120 MHz. */
#define TK_STM32L4_APB1_HZ TK_STM32L4_SYSCLK_HZ
/* RM0432 table 12, range 1 boost: one wait state per 20 MHz, 5 up to 120 MHz. */
#define TK_STM32L4_FLASH_LATENCY 5u

/* Boost mode, flash wait states, PLL, switch to the PLL through AHB /2. */
void tk_stm32l4_clock_init(void);

#endif /* TK_STM32L4_H */
