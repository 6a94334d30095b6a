/* The NUCLEO-L4R5ZI for the shared STM32 BSP: 120 MHz (flash ART caches
 * enabled with the wait states; the M4 has no L1 caches), console on LPUART1
 * at PG7 (TX) / PG8 (RX), AF8, wired to the ST-Link virtual COM port
 * (UM2179). LPUART1 is clocked from PCLK1 (the reset choice of
 * CCIPR.LPUART1SEL). */
#include "stm32_bsp.h"
#include "stm32l4.h"
#include "stm32l4_regs.h"

#define RCC_AHB2ENR_GPIOGEN (1u << 6)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define RCC_APB1ENR2_LPUART1EN (1u << 0)
#define PWR_CR2_IOSV (1u << 9)

/* PG2..PG15 are powered from VDDIO2, which must be declared valid
 * (PWR_CR2.IOSV, with the PWR block clocked) before the pins work. */
static void declare_vddio2_valid(void)
{
    TK_STM32L4_RCC->APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)TK_STM32L4_RCC->APB1ENR1;
    TK_STM32L4_PWR->CR2 |= PWR_CR2_IOSV;
}

const tk_stm32_family tk_stm32_this_family = {
    .clock_init = tk_stm32l4_clock_init,
    .sysclk_hz = TK_STM32L4_SYSCLK_HZ,
    .has_l1_caches = 0,
    .console = {
        .gpio_clock_enable = &TK_STM32L4_RCC->AHB2ENR,
        .gpio_clock_bit = RCC_AHB2ENR_GPIOGEN,
        .uart_clock_enable = &TK_STM32L4_RCC->APB1ENR2,
        .uart_clock_bit = RCC_APB1ENR2_LPUART1EN,
        .enable_pin_supply = declare_vddio2_valid,
        .port = TK_STM32L4_GPIOG,
        .tx_pin = 7,
        .rx_pin = 8,
        .alternate_function = 8,
        .uart = TK_STM32L4_LPUART1,
        .brr = TK_LPUART_BRR(TK_STM32L4_APB1_HZ, TK_STM32_CONSOLE_BAUD),
    },
};
