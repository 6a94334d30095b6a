/* SOFTMAX int8 -> int8 along the last (channel) axis, as TF Lite Micro's
 * reference kernel computes it: each input's difference to the row maximum is
 * scaled by beta * input_scale into Q5.26, exponentiated in fixed point,
 * summed in Q12.19, and multiplied by the reciprocal of the sum. The output
 * has scale 1/256 and zero point -128. */
#ifndef TINYKIT_SOFTMAX_H
#define TINYKIT_SOFTMAX_H

#include <stdint.h>

#include "tinykit/types.h"

typedef struct {
    /* Differences below diff_min would overflow Q5.26; their exp counts as 0. */
    int32_t diff_min;
} tk_softmax_params;

/* quant scales an input difference to Q5.26 (shift >= 0). */
tk_status tk_softmax_s8(const tk_context *ctx, const tk_softmax_params *params, const tk_per_tensor_quant *quant,
                        const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                        int8_t *output);

#endif /* TINYKIT_SOFTMAX_H */
