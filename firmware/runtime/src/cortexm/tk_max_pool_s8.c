/* MAX_POOL_2D for cores with the DSP extension: the contract and results of
 * reference/tk_max_pool_s8.c.
 *
 * The reference reduces one channel of a window at a time through a callback;
 * here each window is walked once per four channels, the four running maxima
 * in registers, the last channels % 4 one by one.
 */
#include "tinykit/pool.h"
#include "tinykit/pool_window.h"
#include "tinykit/invoke.h"

tk_status tk_max_pool_s8(const tk_context *ctx, const tk_pool_params *params,
                         const tk_dims *input_dims, const int8_t *input,
                         const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t channels = input_dims->c;
    const int32_t channels4 = channels - channels % 4;
    const int32_t lo = params->activation.min;
    const int32_t hi = params->activation.max;
    if (output_dims->c != channels || output_dims->n != input_dims->n) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < output_dims->h; ++out_y) {
            for (int32_t out_x = 0; out_x < output_dims->w; ++out_x) {
                /* An empty window (all padding) reads nothing: every channel is INT8_MIN, clamped. */
                const tk_pool_window w = tk_pool_window_at(params, input_dims, input, b, out_y, out_x);
                int8_t *out_px = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * channels;
                int32_t c = 0;
                for (; c < channels4; c += 4) {
                    int32_t m0 = INT8_MIN, m1 = INT8_MIN, m2 = INT8_MIN, m3 = INT8_MIN;
                    for (int32_t y = 0; y < w.rows; ++y) {
                        const int8_t *p = w.first + y * w.row_stride + c;
                        for (int32_t x = 0; x < w.cols; ++x, p += channels) {
                            m0 = tk_pool_max_i32(m0, p[0]);
                            m1 = tk_pool_max_i32(m1, p[1]);
                            m2 = tk_pool_max_i32(m2, p[2]);
                            m3 = tk_pool_max_i32(m3, p[3]);
                        }
                    }
                    out_px[c] = (int8_t)tk_clamp(m0, lo, hi);
                    out_px[c + 1] = (int8_t)tk_clamp(m1, lo, hi);
                    out_px[c + 2] = (int8_t)tk_clamp(m2, lo, hi);
                    out_px[c + 3] = (int8_t)tk_clamp(m3, lo, hi);
                }
                for (; c < channels; ++c) {
                    int32_t m = INT8_MIN;
                    for (int32_t y = 0; y < w.rows; ++y) {
                        for (int32_t x = 0; x < w.cols; ++x) {
                            m = tk_pool_max_i32(m, w.first[y * w.row_stride + x * channels + c]);
                        }
                    }
                    out_px[c] = (int8_t)tk_clamp(m, lo, hi);
                }
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_max_pool_s8)
