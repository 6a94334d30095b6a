/* The board support API: what a firmware app may ask of any board.
 *
 * Every family under firmware/bsp/<family>/ implements all of it. Boards are
 * described by boards/<name>.toml; the family code holds the register-level
 * facts (clock tree, console UART and pins, cycle counter).
 */
#ifndef TINYKIT_BSP_H
#define TINYKIT_BSP_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, caches, console UART and cycle counter. Call once, first thing in main(). */
void tk_bsp_init(void);

/* Console out, blocking until every byte is handed to the UART. */
void tk_bsp_write(const char *data, size_t len);

/* Console in, blocking; returns the byte read, 0..255. */
int tk_bsp_read_byte(void);

/* Free-running counter that wraps at 32 bits: differences give cycles.
 * Real boards: DWT CYCCNT. QEMU: SysTick under -icount, scaled to retired
 * instructions. Host: nanoseconds. */
uint32_t tk_bsp_cycles(void);

/* The clock the tk_bsp_cycles() figures refer to, in Hz. */
uint32_t tk_bsp_cpu_hz(void);

/* Where the cycle figures come from: "dwt", "qemu-icount" or "host". */
const char *tk_bsp_clock_source(void);

/* Deepest stack use since boot in bytes (the stack is painted at reset). */
uint32_t tk_bsp_stack_used(void);

/* Bytes the linker script reserves for the stack. */
uint32_t tk_bsp_stack_reserve(void);

/* Bytes of statically allocated RAM: .data + .bss (the arena included). */
uint32_t tk_bsp_static_bytes(void);

#endif /* TINYKIT_BSP_H */
