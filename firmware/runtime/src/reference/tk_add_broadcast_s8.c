/* ADD int8 with broadcasting: TF Lite Micro's BroadcastAdd6DSlow, whose
 * per-element arithmetic is the one of tk_add_s8. */
#include "tinykit/arithmetic.h"
#include "tinykit/invoke.h"

typedef struct {
    const tk_add_params *params;
    const tk_add_quant *quant;
} tk_add_op;

static void add_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2, int32_t step2,
                    int8_t *output, int32_t count)
{
    const tk_add_op *add = (const tk_add_op *)op;
    const tk_add_params *p = add->params;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int32_t scaled1 = tk_add_scaled_input(p->input1_offset, p->left_shift, &add->quant->input1, input1[i * step1]);
        const int32_t scaled2 = tk_add_scaled_input(p->input2_offset, p->left_shift, &add->quant->input2, input2[i * step2]);
        output[i] = tk_add_output(p, add->quant, scaled1 + scaled2);
    }
}

tk_status tk_add_broadcast_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                              const tk_broadcast *shape, const int8_t *input1, const int8_t *input2,
                              int8_t *output)
{
    const tk_add_op op = {params, quant};
    (void)ctx;
    return tk_broadcast_rows(shape, input1, input2, output, add_row, &op);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_add_broadcast_s8)
