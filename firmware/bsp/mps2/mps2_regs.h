/* The QEMU MPS2 machines: console UART and SysTick clock.
 *
 * mps2-an386 / mps2-an500 (QEMU hw/arm/mps2.c): CMSDK APB UART0 at
 * 0x40004000, 25 MHz system clock feeding SysTick's processor clock source.
 * mps2-an505 (hw/arm/mps2-tz.c, IoT Kit): boots secure; UART0 sits at
 * 0x40200000 with its secure alias at 0x50200000 (address bit 28 selects the
 * secure view), 20 MHz main clock.
 */
#ifndef TK_MPS2_REGS_H
#define TK_MPS2_REGS_H

#include <stdint.h>

/* ARM CMSDK APB UART (Cortex-M System Design Kit TRM). */
typedef struct {
    volatile uint32_t DATA;    /* 0x00 write: transmit, read: received byte */
    volatile uint32_t STATE;   /* 0x04 bit 0 TX buffer full, bit 1 RX buffer full */
    volatile uint32_t CTRL;    /* 0x08 bit 0 TX enable, bit 1 RX enable */
    volatile uint32_t INTSTATUS;
    volatile uint32_t BAUDDIV; /* 0x10 system clock / baud, at least 16 */
} tk_cmsdk_uart;

#define TK_CMSDK_UART_STATE_TX_FULL (1u << 0)
#define TK_CMSDK_UART_STATE_RX_FULL (1u << 1)
#define TK_CMSDK_UART_CTRL_TX_EN (1u << 0)
#define TK_CMSDK_UART_CTRL_RX_EN (1u << 1)

#if defined(TK_MPS2_AN505)
#define TK_MPS2_UART0_BASE 0x50200000u
#define TK_MPS2_SYSCLK_HZ 20000000u
#else
#define TK_MPS2_UART0_BASE 0x40004000u
#define TK_MPS2_SYSCLK_HZ 25000000u
#endif

#if defined(TK_BSP_FAKE_REGISTERS)
extern tk_cmsdk_uart tk_fake_uart0;
#define TK_MPS2_UART0 (&tk_fake_uart0)
#else
#define TK_MPS2_UART0 ((tk_cmsdk_uart *)TK_MPS2_UART0_BASE)
#endif

/* QEMU -icount shift=0 retires one instruction per nanosecond of virtual
 * time, so each SysTick tick of the system clock is this many instructions. */
#define TK_MPS2_INSTRUCTIONS_PER_TICK (1000000000u / TK_MPS2_SYSCLK_HZ)

#endif /* TK_MPS2_REGS_H */
