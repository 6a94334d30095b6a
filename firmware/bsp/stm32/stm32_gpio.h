/* STM32 GPIO port: the same register layout on F7, L4+ and H7
 * (RM0385 / RM0432 / RM0433, "GPIO registers"). */
#ifndef TK_STM32_GPIO_H
#define TK_STM32_GPIO_H

#include <stdint.h>

#include "stm32_layout.h"

typedef struct {
    volatile uint32_t MODER;   /* 0x00 2 bits per pin: 00 input, 01 output, 10 alternate, 11 analog */
    volatile uint32_t OTYPER;  /* 0x04 */
    volatile uint32_t OSPEEDR; /* 0x08 2 bits per pin */
    volatile uint32_t PUPDR;   /* 0x0C 2 bits per pin: 01 pull-up */
    volatile uint32_t IDR;     /* 0x10 */
    volatile uint32_t ODR;     /* 0x14 */
    volatile uint32_t BSRR;    /* 0x18 */
    volatile uint32_t LCKR;    /* 0x1C */
    volatile uint32_t AFR[2];  /* 0x20 AFRL pins 0-7, 0x24 AFRH pins 8-15; 4 bits per pin */
} tk_stm32_gpio;

TK_STM32_CHECK_OFFSET(tk_stm32_gpio, AFR, 0x20u);

/* Put ``pin`` in alternate function ``af`` (push-pull, high speed); a
 * receive pin gets a pull-up so a floating line does not read as start bits. */
void tk_stm32_gpio_alternate(tk_stm32_gpio *port, uint32_t pin, uint32_t af, int pull_up);

#endif /* TK_STM32_GPIO_H */
