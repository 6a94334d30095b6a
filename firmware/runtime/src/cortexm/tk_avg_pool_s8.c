/* AVERAGE_POOL_2D for cores with the DSP extension: the contract and results
 * of reference/tk_avg_pool_s8.c.
 *
 * The reference reduces one channel of a window at a time; here each window's
 * channels are summed four at a time with SXTAB16 (tinykit/sum4.h: two
 * channels per instruction, one word load per pixel), the last channels % 4
 * one by one. The division rounds halves away from zero as the reference's.
 */
#include "tinykit/pool.h"
#include "tinykit/pool_window.h"
#include "tinykit/sum4.h"
#include "tinykit/invoke.h"

static int8_t average_of(int32_t sum, int32_t count, tk_activation activation)
{
    /* C division truncates, so offsetting by half the count first rounds halves away from zero. */
    const int32_t value = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return (int8_t)tk_clamp(value, activation.min, activation.max);
}

tk_status tk_avg_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t channels = input_dims->c;
    const int32_t channels4 = channels - channels % 4;
    const tk_activation activation = params->activation;
    if (output_dims->c != channels || output_dims->n != input_dims->n) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < output_dims->h; ++out_y) {
            for (int32_t out_x = 0; out_x < output_dims->w; ++out_x) {
                const tk_pool_window w = tk_pool_window_at(params, input_dims, input, b, out_y, out_x);
                /* A window entirely in the padding has nothing to average. */
                if (w.rows <= 0 || w.cols <= 0) {
                    return TK_ERROR_ARGUMENT;
                }
                const int32_t count = w.rows * w.cols;
                /* A window as wide as the input (global pooling) is one run of rows * cols pixels. */
                const int32_t run_rows = w.cols == input_dims->w ? 1 : w.rows;
                const int32_t run_cols = w.cols == input_dims->w ? count : w.cols;
                int8_t *out_px = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * channels;
                for (int32_t c = 0; c < channels4; c += 4) {
                    int32_t sums[4] = {0, 0, 0, 0};
                    tk_sum4_s8(w.first + c, run_rows, run_cols, w.row_stride, channels, sums);
                    for (int32_t k = 0; k < 4; ++k) {
                        out_px[c + k] = average_of(sums[k], count, activation);
                    }
                }
                for (int32_t c = channels4; c < channels; ++c) {
                    int32_t sum = 0;
                    for (int32_t y = 0; y < w.rows; ++y) {
                        for (int32_t x = 0; x < w.cols; ++x) {
                            sum += w.first[y * w.row_stride + x * channels + c];
                        }
                    }
                    out_px[c] = average_of(sum, count, activation);
                }
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_avg_pool_s8)
