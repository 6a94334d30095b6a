/* Console: USART3 on PD8/PD9 (AF7), which the NUCLEO-144 wires to the
 * ST-Link virtual COM port (UM1974). USART3 is clocked from APB1 (the reset
 * choice of DCKCFGR2.USART3SEL). */
#include <stddef.h>
#include <stdint.h>

#include "stm32f7.h"
#include "stm32f7_regs.h"
#include "tinykit/bsp.h"

#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_APB1ENR_USART3EN (1u << 18)
#define CONSOLE_BAUD 115200u

void tk_stm32f7_console_init(void)
{
    TK_STM32F7_RCC->AHB1ENR |= RCC_AHB1ENR_GPIODEN;
    TK_STM32F7_RCC->APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)TK_STM32F7_RCC->APB1ENR;
    tk_stm32_gpio_alternate(TK_STM32F7_GPIOD, 8, 7, 0);
    tk_stm32_gpio_alternate(TK_STM32F7_GPIOD, 9, 7, 1);
    tk_stm32_usart_init(TK_STM32F7_USART3, TK_USART_BRR(TK_STM32F7_APB1_HZ, CONSOLE_BAUD));
}

void tk_bsp_write(const char *data, size_t len)
{
    tk_stm32_usart_write(TK_STM32F7_USART3, data, (uint32_t)len);
}

int tk_bsp_read_byte(void)
{
    return tk_stm32_usart_read_byte(TK_STM32F7_USART3);
}
