/* TRANSPOSE int8: a byte permutation, as TF Lite Micro's reference Transpose. */
#include "tinykit/movement.h"
#include "tinykit/invoke.h"

tk_status tk_transpose_s8(const tk_context *ctx, const tk_transpose_params *params, const tk_dims *input_dims,
                          const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t in_extents[4] = {input_dims->n, input_dims->h, input_dims->w, input_dims->c};
    const int32_t out_extents[4] = {output_dims->n, output_dims->h, output_dims->w, output_dims->c};
    int32_t in_strides[4];
    int32_t step[4]; /* input stride of each output axis */
    int32_t seen = 0;
    int32_t i;
    (void)ctx;
    tk_dims_strides(input_dims, in_strides);
    for (i = 0; i < 4; ++i) {
        const int32_t axis = params->perm[i];
        if (axis < 0 || axis > 3 || (seen & (1 << axis)) != 0 || out_extents[i] != in_extents[axis]) {
            return TK_ERROR_ARGUMENT;
        }
        seen |= 1 << axis;
        step[i] = in_strides[axis];
    }
    tk_copy_block_s8(input, step, out_extents, output);
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_transpose_s8)
