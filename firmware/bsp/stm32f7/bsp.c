/* The NUCLEO-F746ZG for the shared STM32 BSP: 216 MHz, L1 caches on, console
 * on USART3 at PD8 (TX) / PD9 (RX), AF7, which the NUCLEO-144 wires to the
 * ST-Link virtual COM port (UM1974). USART3 is clocked from APB1 (the reset
 * choice of DCKCFGR2.USART3SEL). */
#include <stddef.h>

#include "stm32_bsp.h"
#include "stm32f7.h"
#include "stm32f7_regs.h"

#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_APB1ENR_USART3EN (1u << 18)

const tk_stm32_family tk_stm32_this_family = {
    .clock_init = tk_stm32f7_clock_init,
    .sysclk_hz = TK_STM32F7_SYSCLK_HZ,
    .has_l1_caches = 1,
    .console = {
        .gpio_clock_enable = &TK_STM32F7_RCC->AHB1ENR,
        .gpio_clock_bit = RCC_AHB1ENR_GPIODEN,
        .uart_clock_enable = &TK_STM32F7_RCC->APB1ENR,
        .uart_clock_bit = RCC_APB1ENR_USART3EN,
        .enable_pin_supply = NULL,
        .port = TK_STM32F7_GPIOD,
        .tx_pin = 8,
        .rx_pin = 9,
        .alternate_function = 7,
        .uart = TK_STM32F7_USART3,
        .brr = TK_USART_BRR(TK_STM32F7_APB1_HZ, TK_STM32_CONSOLE_BAUD),
    },
};
