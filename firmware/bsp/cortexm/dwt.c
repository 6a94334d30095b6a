/* The DWT cycle counter: counts core clock cycles, wraps at 32 bits
 * (about 20 s at 216 MHz, far longer than any inference we time). */
#include <stdint.h>

#include "cortexm.h"
#include "cortexm_regs.h"

void tk_cortexm_dwt_start(void)
{
    TK_DEMCR |= TK_DEMCR_TRCENA;
    TK_DWT_LAR = TK_DWT_LAR_KEY;
    TK_DWT_CYCCNT = 0;
    TK_DWT_CTRL |= TK_DWT_CTRL_CYCCNTENA;
}

uint32_t tk_cortexm_dwt_cycles(void)
{
    return TK_DWT_CYCCNT;
}
