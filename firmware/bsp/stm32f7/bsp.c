/* tk_bsp_init for the STM32F7: 216 MHz, L1 caches on, console, DWT counter. */
#include <stdint.h>

#include "cortexm.h"
#include "stm32f7.h"
#include "tinykit/bsp.h"

void tk_bsp_init(void)
{
    tk_stm32f7_clock_init();
    tk_cortexm_enable_caches();
    tk_stm32f7_console_init();
    tk_cortexm_dwt_start();
}

uint32_t tk_bsp_cycles(void)
{
    return tk_cortexm_dwt_cycles();
}

uint32_t tk_bsp_cpu_hz(void)
{
    return TK_STM32F7_SYSCLK_HZ;
}

const char *tk_bsp_clock_source(void)
{
    return "dwt";
}
