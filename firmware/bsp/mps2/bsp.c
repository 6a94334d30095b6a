/* tk_bsp_init for the QEMU MPS2 machines: nothing to clock, no caches
 * (QEMU models none); console and the SysTick-based counter. */
#include "mps2.h"
#include "tinykit/bsp.h"

void tk_bsp_init(void)
{
    tk_mps2_console_init();
    tk_mps2_cycles_start();
}
