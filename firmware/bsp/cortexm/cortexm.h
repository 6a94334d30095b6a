/* Pieces of Cortex-M support shared by the families (not part of the BSP API). */
#ifndef TK_CORTEXM_H
#define TK_CORTEXM_H

#include <stdint.h>

/* Symbols defined by the linker script tinykit renders from the board file. */
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_bottom, _stack_top;

/* Fill the unused part of the stack with a known pattern (called at reset). */
void tk_cortexm_paint_stack(void);

/* Turn on the Cortex-M7 instruction and data caches (invalidating them first). */
void tk_cortexm_enable_caches(void);

/* Start the DWT cycle counter from 0; tk_cortexm_dwt_cycles() reads it. */
void tk_cortexm_dwt_start(void);
uint32_t tk_cortexm_dwt_cycles(void);

/* Write an unsigned number to the console in hexadecimal ("0x" + 8 digits). */
void tk_cortexm_write_hex(uint32_t value);

#endif /* TK_CORTEXM_H */
