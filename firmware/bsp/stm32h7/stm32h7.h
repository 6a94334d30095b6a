/* The stm32h7 family's clock plan and start-up pieces (NUCLEO-H743ZI). */
#ifndef TK_STM32H7_H
#define TK_STM32H7_H

/* 8 MHz from the ST-Link MCO on HSE (bypass) -> PLL1: /M=4 (2 MHz, input
 * range 2-4 MHz), xN=400 (VCO 800 MHz, wide range), /P=2 -> 400 MHz CPU
 * clock, the maximum at voltage scale 1 for revision Y parts; /Q=8 -> 100 MHz. */
#define TK_STM32H7_HSE_HZ 8000000u
#define TK_STM32H7_PLL_M 4u
#define TK_STM32H7_PLL_N 400u
#define TK_STM32H7_PLL_P 2u
#define TK_STM32H7_PLL_Q 8u
#define TK_STM32H7_PLL_R 2u
#define TK_STM32H7_SYSCLK_HZ (TK_STM32H7_HSE_HZ / TK_STM32H7_PLL_M * TK_STM32H7_PLL_N / TK_STM32H7_PLL_P)
/* AXI/AHB at most 200 MHz, APBs at most 100 MHz: HPRE /2, every APB /2. */
#define TK_STM32H7_AXI_HZ (TK_STM32H7_SYSCLK_HZ / 2u)
#define TK_STM32H7_APB1_HZ (TK_STM32H7_AXI_HZ / 2u)
/* RM0433 table 17, VOS1: 2 wait states and WRHIGHFREQ=2 for 185-210 MHz AXI. */
#define TK_STM32H7_FLASH_LATENCY 2u
#define TK_STM32H7_FLASH_WRHIGHFREQ 2u

/* Supply, voltage scale 1, PLL1, flash wait states, prescalers, switch. */
void tk_stm32h7_clock_init(void);

#endif /* TK_STM32H7_H */
