/* AVERAGE_POOL_2D, int8, input and output sharing one quantization.
 *
 * Follows TF Lite Micro's reference int8 AveragePool: the window is cut to
 * the part inside the input, the raw int8 values are summed and divided by
 * the number of elements summed, rounding halves away from zero.
 */
#include "tinykit/pool.h"
#include "tinykit/pool_window.h"
#include "tinykit/invoke.h"

static tk_status average(const tk_pool_window *window, int32_t channel, int32_t *value)
{
    /* A window entirely in the padding has nothing to average. */
    if (window->rows <= 0 || window->cols <= 0) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t count = window->rows * window->cols;
    int32_t sum = 0;
    for (int32_t y = 0; y < window->rows; ++y) {
        for (int32_t x = 0; x < window->cols; ++x) {
            sum += window->first[y * window->row_stride + x * window->channels + channel];
        }
    }
    /* C division truncates, so offsetting by half the count first rounds
     * halves away from zero. */
    *value = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return TK_OK;
}

tk_status tk_avg_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    return tk_pool_each_window(params, input_dims, input, output_dims, output, average);
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_avg_pool_s8)
