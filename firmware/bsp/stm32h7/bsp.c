/* The NUCLEO-H743ZI for the shared STM32 BSP: 400 MHz, L1 caches on, console
 * on USART3 at PD8 (TX) / PD9 (RX), AF7, wired to the ST-Link virtual COM
 * port (UM2407). USART3's kernel clock is PCLK1 (the reset choice of
 * D2CCIP2R.USART234578SEL). */
#include <stddef.h>

#include "stm32_bsp.h"
#include "stm32h7.h"
#include "stm32h7_regs.h"

#define RCC_AHB4ENR_GPIODEN (1u << 3)
#define RCC_APB1LENR_USART3EN (1u << 18)

const tk_stm32_family tk_stm32_this_family = {
    .clock_init = tk_stm32h7_clock_init,
    .sysclk_hz = TK_STM32H7_SYSCLK_HZ,
    .has_l1_caches = 1,
    .console = {
        .gpio_clock_enable = &TK_STM32H7_RCC->AHB4ENR,
        .gpio_clock_bit = RCC_AHB4ENR_GPIODEN,
        .uart_clock_enable = &TK_STM32H7_RCC->APB1LENR,
        .uart_clock_bit = RCC_APB1LENR_USART3EN,
        .enable_pin_supply = NULL,
        .port = TK_STM32H7_GPIOD,
        .tx_pin = 8,
        .rx_pin = 9,
        .alternate_function = 7,
        .uart = TK_STM32H7_USART3,
        .brr = TK_USART_BRR(TK_STM32H7_APB1_HZ, TK_STM32_CONSOLE_BAUD),
    },
};
