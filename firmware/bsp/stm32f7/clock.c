/* NUCLEO-F746ZG clock tree to 216 MHz (RM0385 section 5, "RCC"; section 4.1.4
 * for the over-drive sequence, which 216 MHz needs on top of scale 1). */
#include "stm32_clock.h"
#include "stm32f7.h"
#include "stm32f7_regs.h"

#define RCC_PLLCFGR_FIELDS 0x0F437FFFu /* M 5:0, N 14:6, P 17:16, SRC 22, Q 27:24 */
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_PLL 2u
#define RCC_CFGR_PRESCALERS 0xFCF0u /* HPRE 7:4, PPRE1 12:10, PPRE2 15:13 */
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)
#define RCC_APB1ENR_PWREN (1u << 28)
#define PWR_CR1_VOS_SCALE1 (3u << 14)
#define PWR_CR1_ODEN (1u << 16)
#define PWR_CR1_ODSWEN (1u << 17)
#define PWR_CSR1_ODRDY (1u << 16)
#define PWR_CSR1_ODSWRDY (1u << 17)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN (1u << 9)

void tk_stm32f7_clock_init(void)
{
    tk_stm32f7_rcc *rcc = TK_STM32F7_RCC;
    tk_stm32f7_pwr *pwr = TK_STM32F7_PWR;
    tk_stm32f7_flash *flash = TK_STM32F7_FLASH;

    rcc->APB1ENR |= RCC_APB1ENR_PWREN;
    (void)rcc->APB1ENR; /* read back: the clock enable takes effect before PWR is touched */
    pwr->CR1 |= PWR_CR1_VOS_SCALE1;

    tk_stm32_start_hse_bypass(&rcc->CR);
    rcc->PLLCFGR = (rcc->PLLCFGR & ~RCC_PLLCFGR_FIELDS) | TK_STM32F7_PLL_M | (TK_STM32F7_PLL_N << 6) |
                   ((TK_STM32F7_PLL_P / 2u - 1u) << 16) | RCC_PLLCFGR_SRC_HSE | (TK_STM32F7_PLL_Q << 24);
    tk_stm32_start_pll(&rcc->CR);

    /* Over-drive: enable it, then switch the regulator to it, each step
     * acknowledged by the PWR block, before the clock goes above 180 MHz. */
    pwr->CR1 |= PWR_CR1_ODEN;
    while (!(pwr->CSR1 & PWR_CSR1_ODRDY)) {
    }
    pwr->CR1 |= PWR_CR1_ODSWEN;
    while (!(pwr->CSR1 & PWR_CSR1_ODSWRDY)) {
    }

    tk_stm32_set_flash_acr(&flash->ACR, TK_STM32F7_FLASH_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN);

    rcc->CFGR = (rcc->CFGR & ~RCC_CFGR_PRESCALERS) | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
    tk_stm32_switch_sysclk(&rcc->CFGR, 2, RCC_CFGR_SW_PLL);
}
