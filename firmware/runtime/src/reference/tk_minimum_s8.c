/* MINIMUM int8: the smaller raw value, as TF Lite Micro's MaximumMinimumBroadcastSlow. */
#include "tinykit/arithmetic.h"
#include "tinykit/invoke.h"

tk_status tk_minimum_s8(const tk_context *ctx, const tk_broadcast *shape, const int8_t *input1,
                        const int8_t *input2, int8_t *output)
{
    const int largest = 0;
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, tk_extreme_row, &largest);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_5(tk_minimum_s8)
