/* MAX_POOL_2D, int8, input and output sharing one quantization.
 *
 * Follows TF Lite Micro's reference int8 MaxPool: the largest raw value of
 * the window's part inside the input, clamped to the fused activation's range.
 */
#include "tinykit/pool.h"
#include "tinykit/pool_window.h"
#include "tinykit/invoke.h"

static tk_status largest(const tk_pool_window *window, int32_t channel, int32_t *value)
{
    int32_t result = INT8_MIN;
    for (int32_t y = 0; y < window->rows; ++y) {
        for (int32_t x = 0; x < window->cols; ++x) {
            result = tk_pool_max_i32(result, window->first[y * window->row_stride + x * window->channels + channel]);
        }
    }
    *value = result;
    return TK_OK;
}

tk_status tk_max_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    return tk_pool_each_window(params, input_dims, input, output_dims, output, largest);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_max_pool_s8)
