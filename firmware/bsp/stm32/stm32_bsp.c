/* tk_bsp_init and the cycle counter of every STM32 board: the family's clock
 * tree, the M7's L1 caches, the console, then the DWT counter, which counts
 * core cycles on every STM32 tinykit supports. */
#include <stdint.h>

#include "cortexm.h"
#include "stm32_bsp.h"
#include "tinykit/bsp.h"

void tk_bsp_init(void)
{
    tk_stm32_this_family.clock_init();
    if (tk_stm32_this_family.has_l1_caches) {
        tk_cortexm_enable_caches();
    }
    tk_stm32_console_init(&tk_stm32_this_family.console);
    tk_cortexm_dwt_start();
}

uint32_t tk_bsp_cycles(void)
{
    return tk_cortexm_dwt_cycles();
}

uint32_t tk_bsp_cpu_hz(void)
{
    return tk_stm32_this_family.sysclk_hz;
}

const char *tk_bsp_clock_source(void)
{
    return "dwt";
}
