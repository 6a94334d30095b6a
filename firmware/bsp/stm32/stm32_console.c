/* The console of every STM32 board: tk_bsp_write and tk_bsp_read_byte on the
 * UART tk_stm32_this_family names. */
#include <stddef.h>
#include <stdint.h>

#include "stm32_bsp.h"
#include "tinykit/bsp.h"

void tk_stm32_console_init(const tk_stm32_console *console)
{
    if (console->enable_pin_supply != NULL) {
        console->enable_pin_supply();
    }
    *console->gpio_clock_enable |= console->gpio_clock_bit;
    *console->uart_clock_enable |= console->uart_clock_bit;
    (void)*console->uart_clock_enable; /* read back: the clocks run before the pins and UART are written */
    tk_stm32_gpio_alternate(console->port, console->tx_pin, console->alternate_function, 0);
    tk_stm32_gpio_alternate(console->port, console->rx_pin, console->alternate_function, 1);
    tk_stm32_usart_init(console->uart, console->brr);
}

void tk_bsp_write(const char *data, size_t len)
{
    tk_stm32_usart_write(tk_stm32_this_family.console.uart, data, (uint32_t)len);
}

int tk_bsp_read_byte(void)
{
    return tk_stm32_usart_read_byte(tk_stm32_this_family.console.uart);
}
