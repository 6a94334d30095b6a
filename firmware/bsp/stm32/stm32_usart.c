#include "stm32_usart.h"

void tk_stm32_usart_init(tk_stm32_usart *usart, uint32_t brr)
{
    usart->CR1 = 0; /* BRR may only be written while the USART is disabled */
    usart->CR2 = 0;
    usart->CR3 = 0;
    usart->BRR = brr;
    usart->CR1 = TK_USART_CR1_TE | TK_USART_CR1_RE | TK_USART_CR1_UE;
}

void tk_stm32_usart_write(tk_stm32_usart *usart, const char *data, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        while (!(usart->ISR & TK_USART_ISR_TXE)) {
        }
        usart->TDR = (uint8_t)data[i];
    }
}

int tk_stm32_usart_read_byte(tk_stm32_usart *usart)
{
    for (;;) {
        uint32_t isr = usart->ISR;
        if (isr & TK_USART_ISR_RXNE) {
            return (int)(usart->RDR & 0xFFu);
        }
        /* An overrun stops reception until cleared; the lost byte shows up
         * as a checksum or framing error on the host side. */
        if (isr & TK_USART_ISR_ORE) {
            usart->ICR = TK_USART_ICR_ORECF;
        }
    }
}
