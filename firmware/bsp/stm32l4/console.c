/* Console: LPUART1 on PG7/PG8 (AF8), wired to the ST-Link virtual COM port
 * on the NUCLEO-L4R5ZI (UM2179). PG2..PG15 are powered from VDDIO2, which
 * must be declared valid (PWR_CR2.IOSV) before the pins work. LPUART1 is
 * clocked from PCLK1 (the reset choice of CCIPR.LPUART1SEL). */
#include <stddef.h>
#include <stdint.h>

#include "stm32l4.h"
#include "stm32l4_regs.h"
#include "tinykit/bsp.h"

#define RCC_AHB2ENR_GPIOGEN (1u << 6)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define RCC_APB1ENR2_LPUART1EN (1u << 0)
#define PWR_CR2_IOSV (1u << 9)
#define CONSOLE_BAUD 115200u

void tk_stm32l4_console_init(void)
{
    TK_STM32L4_RCC->APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)TK_STM32L4_RCC->APB1ENR1;
    TK_STM32L4_PWR->CR2 |= PWR_CR2_IOSV;
    TK_STM32L4_RCC->AHB2ENR |= RCC_AHB2ENR_GPIOGEN;
    TK_STM32L4_RCC->APB1ENR2 |= RCC_APB1ENR2_LPUART1EN;
    (void)TK_STM32L4_RCC->APB1ENR2;
    tk_stm32_gpio_alternate(TK_STM32L4_GPIOG, 7, 8, 0);
    tk_stm32_gpio_alternate(TK_STM32L4_GPIOG, 8, 8, 1);
    tk_stm32_usart_init(TK_STM32L4_LPUART1, TK_LPUART_BRR(TK_STM32L4_APB1_HZ, CONSOLE_BAUD));
}

void tk_bsp_write(const char *data, size_t len)
{
    tk_stm32_usart_write(TK_STM32L4_LPUART1, data, (uint32_t)len);
}

int tk_bsp_read_byte(void)
{
    return tk_stm32_usart_read_byte(TK_STM32L4_LPUART1);
}
