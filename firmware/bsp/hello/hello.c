/* Board bring-up program: prints a banner and the BSP's view of the board,
 * times a fixed workload, then echoes console input. Sending '!' executes an
 * undefined instruction, to check that the fault handler reports the crash.
 *
 * Build it for any board with the board's linker script and BSP folders; the
 * BSP tests boot it in QEMU and read it over the serial socket.
 */
#include <stdint.h>

#include "tinykit/bsp.h"

static void write_text(const char *text)
{
    size_t len = 0;
    while (text[len] != '\0') {
        len++;
    }
    tk_bsp_write(text, len);
}

static void write_field(const char *name, uint32_t value)
{
    char digits[10];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    write_text(name);
    while (count > 0) {
        tk_bsp_write(&digits[--count], 1);
    }
}

/* A fixed amount of integer work whose result depends on every step, so the
 * compiler cannot drop it. */
static uint32_t workload(void)
{
    uint32_t acc = 1u;
    for (uint32_t i = 0; i < 10000u; i++) {
        acc = acc * 1664525u + 1013904223u + i;
    }
    return acc;
}

int main(void)
{
    tk_bsp_init();
    write_text("tinykit-hello\r\n");
    write_text("clock-source=");
    write_text(tk_bsp_clock_source());
    write_field(" cpu-hz=", tk_bsp_cpu_hz());
    write_text("\r\n");

    uint32_t start = tk_bsp_cycles();
    uint32_t result = workload();
    uint32_t cycles = tk_bsp_cycles() - start;
    write_field("workload-cycles=", cycles);
    write_field(" result=", result);
    write_text("\r\n");
    write_field("stack-used=", tk_bsp_stack_used());
    write_field(" stack-reserve=", tk_bsp_stack_reserve());
    write_field(" static-bytes=", tk_bsp_static_bytes());
    write_text("\r\nready\r\n");

    for (;;) {
        char byte = (char)tk_bsp_read_byte();
        if (byte == '!') {
            __asm__ volatile("udf #0");
        }
        tk_bsp_write(&byte, 1);
    }
}
