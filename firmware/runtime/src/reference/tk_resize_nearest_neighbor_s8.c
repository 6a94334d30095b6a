/* RESIZE_NEAREST_NEIGHBOR int8: each output pixel copies the channels of the
 * input pixel the build-time tables name (TF Lite Micro's reference kernel
 * computes the same indices per pixel in float32). */
#include <string.h>

#include "tinykit/spatial.h"
#include "tinykit/invoke.h"

tk_status tk_resize_nearest_neighbor_s8(const tk_context *ctx, const tk_resize_nearest_params *params,
                                        const tk_dims *input_dims, const int8_t *input, const tk_dims *output_dims,
                                        int8_t *output)
{
    const size_t depth = (size_t)output_dims->c;
    (void)ctx;
    if (input_dims->n != output_dims->n || input_dims->c != output_dims->c) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t y = 0; y < output_dims->h; ++y) {
        if (params->source_rows[y] < 0 || params->source_rows[y] >= input_dims->h) {
            return TK_ERROR_ARGUMENT;
        }
    }
    for (int32_t x = 0; x < output_dims->w; ++x) {
        if (params->source_cols[x] < 0 || params->source_cols[x] >= input_dims->w) {
            return TK_ERROR_ARGUMENT;
        }
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t y = 0; y < output_dims->h; ++y) {
            const int8_t *row = input + ((size_t)b * (size_t)input_dims->h + (size_t)params->source_rows[y]) *
                                            (size_t)input_dims->w * depth;
            for (int32_t x = 0; x < output_dims->w; ++x) {
                memcpy(output, row + (size_t)params->source_cols[x] * depth, depth);
                output += depth;
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_resize_nearest_neighbor_s8)
