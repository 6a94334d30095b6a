/* SUB int8: TF Lite Micro's reference SubElementwise / BroadcastQuantSubSlow:
 * ADD's rescaling to a common scale, then the difference. */
#include "tinykit/arithmetic.h"
#include "tinykit/invoke.h"

typedef struct {
    const tk_add_params *params;
    const tk_add_quant *quant;
} tk_sub_op;

static void sub_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2, int32_t step2,
                    int8_t *output, int32_t count)
{
    const tk_sub_op *sub = (const tk_sub_op *)op;
    const tk_add_params *p = sub->params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = tk_add_scaled_input(p->input1_offset, p->left_shift, &sub->quant->input1, input1[i * step1]);
        const int32_t scaled2 = tk_add_scaled_input(p->input2_offset, p->left_shift, &sub->quant->input2, input2[i * step2]);
        output[i] = tk_add_output(p, sub->quant, scaled1 - scaled2);
    }
}

tk_status tk_sub_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                    const tk_broadcast *shape, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const tk_sub_op op = {params, quant};
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, sub_row, &op);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_sub_s8)
