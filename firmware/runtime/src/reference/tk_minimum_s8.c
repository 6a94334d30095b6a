/* MINIMUM int8: the smaller raw value, as TF Lite Micro's MaximumMinimumBroadcastSlow. */
#include "tinykit/arithmetic.h"

static void minimum_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2, int32_t step2,
                        int8_t *output, int32_t count)
{
    int32_t i;
    (void)op;
    for (i = 0; i < count; ++i) {
        const int8_t a = input1[i * step1];
        const int8_t b = input2[i * step2];
        output[i] = a < b ? a : b;
    }
}

tk_status tk_minimum_s8(const tk_context *ctx, const tk_broadcast *shape, const int8_t *input1,
                        const int8_t *input2, int8_t *output)
{
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, minimum_row, NULL);
}
