/* SPACE_TO_DEPTH int8: input pixel (y, x) channel c goes to output pixel
 * (y / block, x / block) channel ((y % block) * block + x % block) * depth + c. */
#include <string.h>

#include "tinykit/spatial.h"
#include "tinykit/invoke.h"

tk_status tk_space_to_depth_s8(const tk_context *ctx, const tk_block_params *params, const tk_dims *input_dims,
                               const int8_t *input, const tk_dims *output_dims, int8_t *output)
{
    const int32_t block = params->block_size;
    const size_t depth = (size_t)input_dims->c;
    (void)ctx;
    if (block < 1 || input_dims->n != output_dims->n || output_dims->h * block != input_dims->h ||
        output_dims->w * block != input_dims->w || output_dims->c != input_dims->c * block * block) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        for (int32_t y = 0; y < input_dims->h; ++y) {
            for (int32_t x = 0; x < input_dims->w; ++x) {
                int8_t *pixel = output + (((size_t)b * (size_t)output_dims->h + (size_t)(y / block)) *
                                              (size_t)output_dims->w + (size_t)(x / block)) * (size_t)output_dims->c;
                memcpy(pixel + (size_t)((y % block) * block + x % block) * depth, input, depth);
                input += depth;
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_space_to_depth_s8)
