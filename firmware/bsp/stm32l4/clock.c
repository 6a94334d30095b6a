/* NUCLEO-L4R5ZI clock tree to 120 MHz (RM0432 section 6 "RCC" and 5.1.8 for
 * range 1 boost mode). Going above 80 MHz in boost mode, the AHB clock must
 * first run divided by 2 for at least 1 us after the switch. */
#include <stdint.h>

#include "stm32_clock.h"
#include "stm32l4.h"
#include "stm32l4_regs.h"

#define RCC_PLLCFGR_SRC_MSI 1u
#define RCC_PLLCFGR_FIELDS 0x07007FF3u /* SRC 1:0, M 7:4, N 14:8, REN 24, R 26:25 */
#define RCC_PLLCFGR_REN (1u << 24)
#define RCC_CFGR_SW_PLL 3u
#define RCC_CFGR_PRESCALERS 0x3FF0u /* HPRE 7:4, PPRE1 10:8, PPRE2 13:11 */
#define RCC_CFGR_HPRE_DIV2 (8u << 4)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define PWR_CR1_VOS_MASK (3u << 9)
#define PWR_CR1_VOS_RANGE1 (1u << 9)
#define PWR_SR2_VOSF (1u << 10)
#define PWR_CR5_R1MODE (1u << 8)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
/* 1 us at the 60 MHz the AHB runs at during the switch, with margin. */
#define BOOST_SETTLE_LOOPS 120u

void tk_stm32l4_clock_init(void)
{
    tk_stm32l4_rcc *rcc = TK_STM32L4_RCC;
    tk_stm32l4_pwr *pwr = TK_STM32L4_PWR;
    tk_stm32l4_flash *flash = TK_STM32L4_FLASH;

    rcc->APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)rcc->APB1ENR1;
    pwr->CR1 = (pwr->CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    while (pwr->SR2 & PWR_SR2_VOSF) {
    }
    pwr->CR5 &= ~PWR_CR5_R1MODE; /* 0 selects range 1 boost mode */

    tk_stm32_set_flash_acr(&flash->ACR, TK_STM32L4_FLASH_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN);

    rcc->PLLCFGR = (rcc->PLLCFGR & ~RCC_PLLCFGR_FIELDS) | RCC_PLLCFGR_SRC_MSI | ((TK_STM32L4_PLL_M - 1u) << 4) |
                   (TK_STM32L4_PLL_N << 8) | ((TK_STM32L4_PLL_R / 2u - 1u) << 25) | RCC_PLLCFGR_REN;
    tk_stm32_start_pll(&rcc->CR);

    rcc->CFGR = (rcc->CFGR & ~RCC_CFGR_PRESCALERS) | RCC_CFGR_HPRE_DIV2;
    tk_stm32_switch_sysclk(&rcc->CFGR, 2, RCC_CFGR_SW_PLL);
    for (volatile uint32_t i = 0; i < BOOST_SETTLE_LOOPS; i++) {
    }
    rcc->CFGR &= ~RCC_CFGR_PRESCALERS; /* AHB, APB1, APB2 all undivided */
}
