/* Console on CMSDK UART0, which QEMU connects to the first -serial chardev. */
#include <stddef.h>
#include <stdint.h>

#include "mps2.h"
#include "mps2_regs.h"
#include "tinykit/bsp.h"

#define TK_MPS2_BAUD 115200u

void tk_mps2_console_init(void)
{
    /* QEMU ignores the rate, but a divider below 16 is reported as a guest error. */
    TK_MPS2_UART0->BAUDDIV = TK_MPS2_SYSCLK_HZ / TK_MPS2_BAUD;
    TK_MPS2_UART0->CTRL = TK_CMSDK_UART_CTRL_TX_EN | TK_CMSDK_UART_CTRL_RX_EN;
}

void tk_bsp_write(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (TK_MPS2_UART0->STATE & TK_CMSDK_UART_STATE_TX_FULL) {
        }
        TK_MPS2_UART0->DATA = (uint8_t)data[i];
    }
}

int tk_bsp_read_byte(void)
{
    while (!(TK_MPS2_UART0->STATE & TK_CMSDK_UART_STATE_RX_FULL)) {
    }
    return (int)(TK_MPS2_UART0->DATA & 0xFFu);
}
