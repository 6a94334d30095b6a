/* MUL int8: TF Lite Micro's reference MulElementwise / BroadcastMul6DSlow: the
 * product of the centred inputs requantized once to the output. */
#include "tinykit/arithmetic.h"
#include "tinykit/invoke.h"

typedef struct {
    const tk_mul_params *params;
    const tk_per_tensor_quant *quant;
} tk_mul_op;

static void mul_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2, int32_t step2,
                    int8_t *output, int32_t count)
{
    const tk_mul_op *mul = (const tk_mul_op *)op;
    const tk_mul_params *p = mul->params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t product = (p->input1_offset + input1[i * step1]) * (p->input2_offset + input2[i * step2]);
        const int32_t out = tk_requantize(product, mul->quant->multiplier, mul->quant->shift) + p->output_offset;
        output[i] = (int8_t)tk_clamp(out, p->activation.min, p->activation.max);
    }
}

tk_status tk_mul_s8(const tk_context *ctx, const tk_mul_params *params, const tk_per_tensor_quant *quant,
                    const tk_broadcast *shape, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const tk_mul_op op = {params, quant};
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, mul_row, &op);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_mul_s8)
