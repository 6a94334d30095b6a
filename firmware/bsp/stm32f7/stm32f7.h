/* The stm32f7 family's clock plan and start-up pieces (NUCLEO-F746ZG). */
#ifndef TK_STM32F7_H
#define TK_STM32F7_H

/* 8 MHz from the ST-Link MCO on HSE (bypass) -> PLL: /M=4 (2 MHz, the
 * reference RM0385 recommends for low jitter), xN=216 (VCO 432 MHz),
 * /P=2 -> SYSCLK 216 MHz, /Q=9 -> 48 MHz for USB. */
#define TK_STM32F7_HSE_HZ 8000000u
#define TK_STM32F7_PLL_M 4u
#define TK_STM32F7_PLL_N 216u
#define TK_STM32F7_PLL_P 2u
#define TK_STM32F7_PLL_Q 9u
#define TK_STM32F7_SYSCLK_HZ (TK_STM32F7_HSE_HZ / TK_STM32F7_PLL_M * TK_STM32F7_PLL_N / TK_STM32F7_PLL_P)
/* APB1 at most 54 MHz, APB2 at most 108 MHz (datasheet): /4 and /2. */
#define TK_STM32F7_APB1_HZ (TK_STM32F7_SYSCLK_HZ / 4u)
/* RM0385 table 7, 2.7-3.6 V: one wait state per 30 MHz, 7 above 210 MHz. */
#define TK_STM32F7_FLASH_LATENCY 7u

/* Over-drive, PLL, flash wait states, bus prescalers, switch to the PLL. */
void tk_stm32f7_clock_init(void);

#endif /* TK_STM32F7_H */
