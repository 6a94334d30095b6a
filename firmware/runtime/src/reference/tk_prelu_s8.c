/* PRELU int8: TF Lite Micro's reference Prelu / BroadcastPrelu4DSlow: at or
 * above the zero point the centred input is requantized by the identity slope;
 * below it, its product with the centred alpha by the alpha slope. */
#include "tinykit/activation.h"
#include "tinykit/requantize.h"
#include "tinykit/invoke.h"

typedef struct {
    const tk_prelu_params *params;
    const tk_two_slope_quant *quant;
} tk_prelu_op;

static void prelu_row(const void *op, const int8_t *input, int32_t step1, const int8_t *alpha, int32_t step2,
                      int8_t *output, int32_t count)
{
    const tk_prelu_op *prelu = (const tk_prelu_op *)op;
    const tk_prelu_params *p = prelu->params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t centred = p->input_offset + input[i * step1];
        int32_t out;
        if (centred >= 0) {
            out = tk_requantize(centred, prelu->quant->identity.multiplier, prelu->quant->identity.shift);
        } else {
            const int32_t product = centred * (p->alpha_offset + alpha[i * step2]);
            out = tk_requantize(product, prelu->quant->alpha.multiplier, prelu->quant->alpha.shift);
        }
        output[i] = (int8_t)tk_clamp(out + p->output_offset, INT8_MIN, INT8_MAX);
    }
}

tk_status tk_prelu_s8(const tk_context *ctx, const tk_prelu_params *params, const tk_two_slope_quant *quant,
                      const tk_broadcast *shape, const int8_t *input, const int8_t *alpha, int8_t *output)
{
    const tk_prelu_op op = {params, quant};
    (void)ctx;
    return tk_broadcast_rows(shape, input, alpha, output, prelu_row, &op);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_prelu_s8)
