/* The STM32 board support shared by the families: each family describes its
 * board in one constant (tk_stm32_this_family, in its bsp.c) and the shared
 * code does the rest: tk_bsp_init, the console and the DWT cycle counter.
 * Only the register addresses and the clock tree stay in the family folder. */
#ifndef TK_STM32_BSP_H
#define TK_STM32_BSP_H

#include <stdint.h>

#include "stm32_gpio.h"
#include "stm32_usart.h"

/* 8N1 at 115200: what every ST-Link virtual COM port is opened with. */
#define TK_STM32_CONSOLE_BAUD 115200u

/* The console UART and its two pins. The clock enables are given as the RCC
 * register and bit because each family's RCC puts them elsewhere. */
typedef struct {
    volatile uint32_t *gpio_clock_enable; /* RCC register holding the pins' GPIO port enable */
    uint32_t gpio_clock_bit;
    volatile uint32_t *uart_clock_enable; /* RCC register holding the UART's enable */
    uint32_t uart_clock_bit;
    /* Pins on a separately powered port (L4+ port G on VDDIO2) need their
     * supply declared valid before anything else; NULL for the others. */
    void (*enable_pin_supply)(void);
    tk_stm32_gpio *port;
    uint32_t tx_pin;
    uint32_t rx_pin;
    uint32_t alternate_function; /* the same for TX and RX on every board so far */
    tk_stm32_usart *uart;
    /* For TK_STM32_CONSOLE_BAUD from the UART's kernel clock, computed at
     * build time: TK_USART_BRR for a USART, TK_LPUART_BRR for an LPUART. */
    uint32_t brr;
} tk_stm32_console;

typedef struct {
    void (*clock_init)(void); /* reset clocks to sysclk_hz: regulator, PLL, wait states, prescalers */
    uint32_t sysclk_hz;       /* the core clock, which the DWT counter counts */
    int has_l1_caches;        /* Cortex-M7: turn the caches on once the clock runs */
    tk_stm32_console console;
} tk_stm32_family;

/* The board this image is built for, defined by the family's bsp.c. */
extern const tk_stm32_family tk_stm32_this_family;

/* Clock the console's port and UART, route the pins to it, start it. */
void tk_stm32_console_init(const tk_stm32_console *console);

#endif /* TK_STM32_BSP_H */
