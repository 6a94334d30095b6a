/* DEPTH_TO_SPACE int8: output pixel (y, x) channel c reads input pixel
 * (y / block, x / block) channel ((y % block) * block + x % block) * depth + c. */
#include <string.h>

#include "tinykit/spatial.h"
#include "tinykit/invoke.h"

tk_status tk_depth_to_space_s8(const tk_context *ctx, const tk_block_params *params, const tk_dims *input_dims,
                               const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t block = params->block_size;
    const size_t depth = (size_t)output_dims->c;
    (void)ctx;
    if (block < 1 || input_dims->n != output_dims->n || input_dims->h * block != output_dims->h ||
        input_dims->w * block != output_dims->w || input_dims->c != output_dims->c * block * block) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t y = 0; y < output_dims->h; ++y) {
            for (int32_t x = 0; x < output_dims->w; ++x) {
                const int8_t *pixel = input + (((size_t)b * (size_t)input_dims->h + (size_t)(y / block)) *
                                                   (size_t)input_dims->w + (size_t)(x / block)) * (size_t)input_dims->c;
                memcpy(output, pixel + (size_t)((y % block) * block + x % block) * depth, depth);
                output += depth;
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_depth_to_space_s8)
