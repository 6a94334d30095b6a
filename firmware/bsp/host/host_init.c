#include "host_bsp.h"
#include "tinykit/bsp.h"

void tk_bsp_init(void)
{
    host_stack_paint();
    host_console_open();
}
