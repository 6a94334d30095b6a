/* Cortex-M7 L1 caches (ARMv7-M ARM, "Cache maintenance operations"; the M7
 * TRM for the CCSIDR layout). Caches come up disabled and with unknown
 * contents, so they are invalidated before being enabled. */
#include <stdint.h>

#include "cortexm.h"
#include "cortexm_regs.h"

static void invalidate_data_cache(void)
{
    TK_SCB_CSSELR = 0; /* level 1 data cache */
    tk_cortexm_barrier();
    uint32_t ccsidr = TK_SCB_CCSIDR;
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    /* DCISW takes the set at bit 5 (32-byte lines) and the way at bit 30 (4 ways on the M7). */
    for (uint32_t set = 0; set < sets; set++) {
        for (uint32_t way = 0; way < ways; way++) {
            TK_SCB_DCISW = (set << 5) | (way << 30);
        }
    }
    tk_cortexm_barrier();
}

void tk_cortexm_enable_caches(void)
{
    tk_cortexm_barrier();
    TK_SCB_ICIALLU = 0;
    TK_SCB_CCR |= TK_SCB_CCR_IC;
    tk_cortexm_barrier();
    invalidate_data_cache();
    TK_SCB_CCR |= TK_SCB_CCR_DC;
    tk_cortexm_barrier();
}
