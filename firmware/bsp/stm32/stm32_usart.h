/* STM32 USART / LPUART: the same register layout on F7, L4+ and H7 (the
 * "v2" USART with ISR/ICR/RDR/TDR; RM0385 / RM0432 / RM0433). */
#ifndef TK_STM32_USART_H
#define TK_STM32_USART_H

#include <stdint.h>

#include "stm32_layout.h"

typedef struct {
    volatile uint32_t CR1;  /* 0x00 bit 0 UE, bit 2 RE, bit 3 TE */
    volatile uint32_t CR2;  /* 0x04 */
    volatile uint32_t CR3;  /* 0x08 */
    volatile uint32_t BRR;  /* 0x0C baud-rate divisor */
    volatile uint32_t GTPR; /* 0x10 */
    volatile uint32_t RTOR; /* 0x14 */
    volatile uint32_t RQR;  /* 0x18 */
    volatile uint32_t ISR;  /* 0x1C bit 3 ORE, bit 5 RXNE, bit 7 TXE */
    volatile uint32_t ICR;  /* 0x20 bit 3 ORECF */
    volatile uint32_t RDR;  /* 0x24 */
    volatile uint32_t TDR;  /* 0x28 */
} tk_stm32_usart;

TK_STM32_CHECK_OFFSET(tk_stm32_usart, TDR, 0x28u);

#define TK_USART_CR1_UE (1u << 0)
#define TK_USART_CR1_RE (1u << 2)
#define TK_USART_CR1_TE (1u << 3)
#define TK_USART_ISR_ORE (1u << 3)
#define TK_USART_ISR_RXNE (1u << 5)
#define TK_USART_ISR_TXE (1u << 7)
#define TK_USART_ICR_ORECF (1u << 3)

/* BRR for 16x oversampling: the kernel clock over the baud rate, rounded. */
#define TK_USART_BRR(clock_hz, baud) (((clock_hz) + (baud) / 2u) / (baud))
/* BRR of an LPUART: 256 times the kernel clock over the baud rate, rounded. */
#define TK_LPUART_BRR(clock_hz, baud) \
    ((uint32_t)((256ull * (clock_hz) + (baud) / 2u) / (baud)))

/* 8 data bits, no parity, 1 stop bit, transmitter and receiver on. */
void tk_stm32_usart_init(tk_stm32_usart *usart, uint32_t brr);
void tk_stm32_usart_write(tk_stm32_usart *usart, const char *data, uint32_t len);
int tk_stm32_usart_read_byte(tk_stm32_usart *usart);

#endif /* TK_STM32_USART_H */
