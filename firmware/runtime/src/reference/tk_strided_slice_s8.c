/* STRIDED_SLICE (and SLICE) int8: a strided window copied out, as TF Lite
 * Micro's reference StridedSlice, with begin and strides already resolved
 * against the input shape at build time. */
#include "tinykit/movement.h"
#include "tinykit/invoke.h"

tk_status tk_strided_slice_s8(const tk_context *ctx, const tk_strided_slice_params *params,
                              const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                              int8_t *output)
{
    const int32_t in_extents[4] = {input_dims->n, input_dims->h, input_dims->w, input_dims->c};
    const int32_t out_extents[4] = {output_dims->n, output_dims->h, output_dims->w, output_dims->c};
    const int32_t begin[4] = {params->begin.n, params->begin.h, params->begin.w, params->begin.c};
    const int32_t stride[4] = {params->stride.n, params->stride.h, params->stride.w, params->stride.c};
    int32_t in_strides[4];
    int32_t step[4]; /* input elements between neighbours along each output axis */
    int32_t i;
    (void)ctx;
    tk_dims_strides(input_dims, in_strides);
    for (i = 0; i < 4; ++i) {
        if (out_extents[i] < 0) {
            return TK_ERROR_ARGUMENT;
        }
        if (out_extents[i] == 0) {
            return TK_OK; /* an empty window: nothing to copy */
        }
        /* The first and the last index read along the axis must lie inside it. */
        {
            const int32_t last = begin[i] + (out_extents[i] - 1) * stride[i];
            if (begin[i] < 0 || begin[i] >= in_extents[i] || last < 0 || last >= in_extents[i]) {
                return TK_ERROR_ARGUMENT;
            }
        }
        step[i] = stride[i] * in_strides[i];
    }
    input += begin[0] * in_strides[0] + begin[1] * in_strides[1] + begin[2] * in_strides[2] + begin[3];
    tk_copy_block_s8(input, step, out_extents, output);
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_strided_slice_s8)
