/* tk_bsp_init for the STM32L4+: 120 MHz (flash ART caches enabled with the
 * wait states; the M4 has no L1 caches), console, DWT counter. */
#include <stdint.h>

#include "cortexm.h"
#include "stm32l4.h"
#include "tinykit/bsp.h"

void tk_bsp_init(void)
{
    tk_stm32l4_clock_init();
    tk_stm32l4_console_init();
    tk_cortexm_dwt_start();
}

uint32_t tk_bsp_cycles(void)
{
    return tk_cortexm_dwt_cycles();
}

uint32_t tk_bsp_cpu_hz(void)
{
    return TK_STM32L4_SYSCLK_HZ;
}

const char *tk_bsp_clock_source(void)
{
    return "dwt";
}
