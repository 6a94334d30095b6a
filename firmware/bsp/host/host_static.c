/* Static RAM of the host process: from the start of .data to the end of
 * .bss, between the symbols glibc's start files and the GNU linker define
 * (the host twin of a board linker script's section symbols). */
#include <stdint.h>

#include "tinykit/bsp.h"

extern char __data_start[];
extern char _end[];

uint32_t tk_bsp_static_bytes(void)
{
    return (uint32_t)((uintptr_t)_end - (uintptr_t)__data_start);
}
