/* NUCLEO-H743ZI clock tree to 400 MHz (RM0433 section 8 "RCC"; section 6.8
 * for the supply configuration, which must be written once after reset before
 * the voltage scale can change). */
#include "stm32_clock.h"
#include "stm32h7.h"
#include "stm32h7_regs.h"

#define RCC_PLLCKSELR_FIELDS 0x3F3u /* PLLSRC 1:0, DIVM1 9:4 */
#define RCC_PLLCKSELR_SRC_HSE 2u
#define RCC_PLLCFGR_PLL1_FIELDS 0x7000Fu /* FRACEN 0, VCOSEL 1, RGE 3:2, DIVP1EN..DIVR1EN 18:16 */
#define RCC_PLLCFGR_PLL1RGE_2_4MHZ (1u << 2)
#define RCC_PLLCFGR_DIV1_ENABLES (7u << 16)
#define RCC_CFGR_SW_PLL1 3u
#define RCC_D1CFGR_FIELDS 0xF7Fu /* HPRE 3:0, D1PPRE 6:4, D1CPRE 11:8 */
#define RCC_D1CFGR_HPRE_DIV2 8u
#define RCC_DxPPRE_DIV2 4u
#define PWR_CR3_BYPASS (1u << 0)
#define PWR_CR3_LDOEN (1u << 1)
#define PWR_CSR1_ACTVOSRDY (1u << 13)
#define PWR_D3CR_VOSRDY (1u << 13)
#define PWR_D3CR_VOS_MASK (3u << 14)
#define PWR_D3CR_VOS_SCALE1 (3u << 14)

void tk_stm32h7_clock_init(void)
{
    tk_stm32h7_rcc *rcc = TK_STM32H7_RCC;
    tk_stm32h7_pwr *pwr = TK_STM32H7_PWR;
    tk_stm32h7_flash *flash = TK_STM32H7_FLASH;

    /* The H743 is powered through its LDO; this first write locks the choice. */
    pwr->CR3 = (pwr->CR3 & ~PWR_CR3_BYPASS) | PWR_CR3_LDOEN;
    while (!(pwr->CSR1 & PWR_CSR1_ACTVOSRDY)) {
    }
    pwr->D3CR = (pwr->D3CR & ~PWR_D3CR_VOS_MASK) | PWR_D3CR_VOS_SCALE1;
    while (!(pwr->D3CR & PWR_D3CR_VOSRDY)) {
    }

    tk_stm32_start_hse_bypass(&rcc->CR);
    rcc->PLLCKSELR = (rcc->PLLCKSELR & ~RCC_PLLCKSELR_FIELDS) | RCC_PLLCKSELR_SRC_HSE | (TK_STM32H7_PLL_M << 4);
    /* Integer mode, wide VCO (192-836 MHz), reference 2-4 MHz, P/Q/R outputs on. */
    rcc->PLLCFGR = (rcc->PLLCFGR & ~RCC_PLLCFGR_PLL1_FIELDS) | RCC_PLLCFGR_PLL1RGE_2_4MHZ | RCC_PLLCFGR_DIV1_ENABLES;
    /* Each divider field holds its value minus one. */
    rcc->PLL1DIVR = (TK_STM32H7_PLL_N - 1u) | ((TK_STM32H7_PLL_P - 1u) << 9) | ((TK_STM32H7_PLL_Q - 1u) << 16) |
                    ((TK_STM32H7_PLL_R - 1u) << 24);
    tk_stm32_start_pll(&rcc->CR);

    tk_stm32_set_flash_acr(&flash->ACR, TK_STM32H7_FLASH_LATENCY | (TK_STM32H7_FLASH_WRHIGHFREQ << 4));

    /* CPU undivided, AXI/AHB /2, APB3 /2 (D1); APB1, APB2 /2 (D2); APB4 /2 (D3). */
    rcc->D1CFGR = (rcc->D1CFGR & ~RCC_D1CFGR_FIELDS) | RCC_D1CFGR_HPRE_DIV2 | (RCC_DxPPRE_DIV2 << 4);
    rcc->D2CFGR = (rcc->D2CFGR & ~0x770u) | (RCC_DxPPRE_DIV2 << 4) | (RCC_DxPPRE_DIV2 << 8);
    rcc->D3CFGR = (rcc->D3CFGR & ~0x70u) | (RCC_DxPPRE_DIV2 << 4);

    tk_stm32_switch_sysclk(&rcc->CFGR, 3, RCC_CFGR_SW_PLL1);
}
