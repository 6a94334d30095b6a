#include "stm32_gpio.h"

void tk_stm32_gpio_alternate(tk_stm32_gpio *port, uint32_t pin, uint32_t af, int pull_up)
{
    uint32_t two_bits = 3u << (2u * pin);
    uint32_t afr_shift = 4u * (pin % 8u);
    port->AFR[pin / 8u] = (port->AFR[pin / 8u] & ~(0xFu << afr_shift)) | (af << afr_shift);
    port->OTYPER &= ~(1u << pin);
    port->OSPEEDR = (port->OSPEEDR & ~two_bits) | (2u << (2u * pin));
    port->PUPDR = (port->PUPDR & ~two_bits) | ((pull_up ? 1u : 0u) << (2u * pin));
    /* Mode last, so the pin never drives the line with a wrong function. */
    port->MODER = (port->MODER & ~two_bits) | (2u << (2u * pin));
}
