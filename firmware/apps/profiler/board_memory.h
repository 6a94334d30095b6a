/* A board fact the profiler needs beyond the BSP contract of bsp.h: the
 * static RAM (.data + .bss) the firmware occupies, which only the BSP can
 * know (it owns the linker script and the names of its section symbols).
 * Every BSP defines it; it belongs in tinykit/bsp.h once that adopts it. */
#ifndef TK_PROFILER_BOARD_MEMORY_H
#define TK_PROFILER_BOARD_MEMORY_H

#include <stdint.h>

uint32_t tk_bsp_static_bytes(void);

#endif /* TK_PROFILER_BOARD_MEMORY_H */
