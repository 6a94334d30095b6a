/* Console: USART3 on PD8/PD9 (AF7), wired to the ST-Link virtual COM port
 * on the NUCLEO-H743ZI (UM2407). USART3's kernel clock is PCLK1 (the reset
 * choice of D2CCIP2R.USART234578SEL). */
#include <stddef.h>
#include <stdint.h>

#include "stm32h7.h"
#include "stm32h7_regs.h"
#include "tinykit/bsp.h"

#define RCC_AHB4ENR_GPIODEN (1u << 3)
#define RCC_APB1LENR_USART3EN (1u << 18)
#define CONSOLE_BAUD 115200u

void tk_stm32h7_console_init(void)
{
    TK_STM32H7_RCC->AHB4ENR |= RCC_AHB4ENR_GPIODEN;
    TK_STM32H7_RCC->APB1LENR |= RCC_APB1LENR_USART3EN;
    (void)TK_STM32H7_RCC->APB1LENR;
    tk_stm32_gpio_alternate(TK_STM32H7_GPIOD, 8, 7, 0);
    tk_stm32_gpio_alternate(TK_STM32H7_GPIOD, 9, 7, 1);
    tk_stm32_usart_init(TK_STM32H7_USART3, TK_USART_BRR(TK_STM32H7_APB1_HZ, CONSOLE_BAUD));
}

void tk_bsp_write(const char *data, size_t len)
{
    tk_stm32_usart_write(TK_STM32H7_USART3, data, (uint32_t)len);
}

int tk_bsp_read_byte(void)
{
    return tk_stm32_usart_read_byte(TK_STM32H7_USART3);
}
