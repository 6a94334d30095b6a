/* SQUARED_DIFFERENCE int8: TF Lite Micro's quantized SquaredDifference. The
 * inputs are brought to a common scale with left_shift 7 (so the square of
 * their difference stays below 2^31), and the square is scaled to the output. */
#include "tinykit/arithmetic.h"
#include "tinykit/invoke.h"

typedef struct {
    const tk_add_params *params;
    const tk_add_quant *quant;
} tk_squared_difference_op;

static void squared_difference_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2,
                                   int32_t step2, int8_t *output, int32_t count)
{
    const tk_squared_difference_op *sd = (const tk_squared_difference_op *)op;
    const tk_add_params *p = sd->params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = tk_add_scaled_input(p->input1_offset, p->left_shift, &sd->quant->input1, input1[i * step1]);
        const int32_t scaled2 = tk_add_scaled_input(p->input2_offset, p->left_shift, &sd->quant->input2, input2[i * step2]);
        const int32_t difference = scaled1 - scaled2;
        output[i] = tk_add_output(p, sd->quant, difference * difference);
    }
}

tk_status tk_squared_difference_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                                   const tk_broadcast *shape, const int8_t *input1, const int8_t *input2,
                                   int8_t *output)
{
    const tk_squared_difference_op op = {params, quant};
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, squared_difference_row, &op);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_squared_difference_s8)
