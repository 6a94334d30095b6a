/* AVERAGE_POOL_2D, int8, input and output sharing one quantization.
 *
 * Follows TF Lite Micro's reference int8 AveragePool: the window is cut to
 * the part inside the input, the raw int8 values are summed and divided by
 * the number of elements summed, rounding halves away from zero.
 */
#include "tinykit/pool.h"
#include "tinykit/requantize.h"

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

tk_status tk_avg_pool_s8(const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t channels = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;

    if (output_dims->c != channels || output_dims->n != input_dims->n) {
        return TK_ERROR_ARGUMENT;
    }

    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t y_start = max_i32(0, -in_y_origin);
            const int32_t y_end = min_i32(params->filter_h, in_h - in_y_origin);
            for (int32_t out_x = 0; out_x < out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                const int32_t x_start = max_i32(0, -in_x_origin);
                const int32_t x_end = min_i32(params->filter_w, in_w - in_x_origin);
                /* A window entirely in the padding has nothing to average. */
                if (y_end <= y_start || x_end <= x_start) {
                    return TK_ERROR_ARGUMENT;
                }
                const int32_t count = (y_end - y_start) * (x_end - x_start);
                for (int32_t c = 0; c < channels; ++c) {
                    int32_t sum = 0;
                    for (int32_t fy = y_start; fy < y_end; ++fy) {
                        for (int32_t fx = x_start; fx < x_end; ++fx) {
                            const int32_t in_y = in_y_origin + fy;
                            const int32_t in_x = in_x_origin + fx;
                            sum += input[((b * in_h + in_y) * in_w + in_x) * channels + c];
                        }
                    }
                    /* C division truncates, so offsetting by half the count first
                     * rounds halves away from zero. */
                    int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                    avg = tk_clamp(avg, params->activation.min, params->activation.max);
                    output[((b * out_h + out_y) * out_w + out_x) * channels + c] = (int8_t)avg;
                }
            }
        }
    }
    return TK_OK;
}
