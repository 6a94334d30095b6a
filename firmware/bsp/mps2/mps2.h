/* The mps2 family's start-up pieces (everything else is tinykit/bsp.h). */
#ifndef TK_MPS2_H
#define TK_MPS2_H

/* Enable CMSDK UART0 transmit and receive. */
void tk_mps2_console_init(void);

/* Start SysTick as the free-running counter behind tk_bsp_cycles(). */
void tk_mps2_cycles_start(void);

#endif /* TK_MPS2_H */
