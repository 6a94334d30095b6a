/* The loop AVERAGE_POOL_2D and MAX_POOL_2D share (kernel-internal).
 *
 * Each pool visits every output position, cuts its window to the part inside
 * the input (TF Lite Micro's reference pools never count padding), reduces
 * that part to one value per channel, clamps it to the fused activation's
 * range and stores it. Only the reduction differs, so a kernel passes it as a
 * function; the loop is static inline, so the compiler calls it directly.
 */
#ifndef TINYKIT_POOL_WINDOW_H
#define TINYKIT_POOL_WINDOW_H

#include "tinykit/pool.h"
#include "tinykit/requantize.h"

/* One output position's window, cut to the input. */
typedef struct {
    const int8_t *first;  /* the window's first element inside the input, channel 0 */
    int32_t rows;         /* rows inside the input (0 or less: none) */
    int32_t cols;         /* columns inside the input (0 or less: none) */
    int32_t row_stride;   /* elements from one input row to the next */
    int32_t channels;     /* elements from one input column to the next */
} tk_pool_window;

/* Reduces one channel of a window to *value; a status other than TK_OK stops the kernel. */
typedef tk_status (*tk_pool_reduce)(const tk_pool_window *window, int32_t channel, int32_t *value);

static inline int32_t tk_pool_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t tk_pool_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

/* Output position (b, out_y, out_x)'s window, cut to the input. */
static inline tk_pool_window tk_pool_window_at(const tk_pool_params *params, const tk_dims *input_dims, const int8_t *input,
                                               int32_t b, int32_t out_y, int32_t out_x)
{
    const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
    const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
    const int32_t y_start = tk_pool_max_i32(0, -in_y_origin);
    const int32_t x_start = tk_pool_max_i32(0, -in_x_origin);
    const int32_t rows = tk_pool_min_i32(params->filter_h, input_dims->h - in_y_origin) - y_start;
    const int32_t cols = tk_pool_min_i32(params->filter_w, input_dims->w - in_x_origin) - x_start;
    /* An empty window (all padding) points nowhere outside the input. */
    const int32_t first = rows > 0 && cols > 0
        ? ((b * input_dims->h + in_y_origin + y_start) * input_dims->w + in_x_origin + x_start) * input_dims->c
        : 0;
    const tk_pool_window window = {
        .first = input + first,
        .rows = rows,
        .cols = cols,
        .row_stride = input_dims->w * input_dims->c,
        .channels = input_dims->c,
    };
    return window;
}

static inline tk_status tk_pool_each_window(const tk_pool_params *params,
                                            const tk_dims *input_dims, const int8_t *input,
                                            const tk_dims *output_dims, int8_t *output,
                                            tk_pool_reduce reduce)
{
    const int32_t channels = input_dims->c;
    if (output_dims->c != channels || output_dims->n != input_dims->n) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < output_dims->h; ++out_y) {
            for (int32_t out_x = 0; out_x < output_dims->w; ++out_x) {
                const tk_pool_window window = tk_pool_window_at(params, input_dims, input, b, out_y, out_x);
                int8_t *out_px = output + ((b * output_dims->h + out_y) * output_dims->w + out_x) * channels;
                for (int32_t c = 0; c < channels; ++c) {
                    int32_t value = 0;
                    const tk_status status = reduce(&window, c, &value);
                    if (status != TK_OK) {
                        return status;
                    }
                    out_px[c] = (int8_t)tk_clamp(value, params->activation.min, params->activation.max);
                }
            }
        }
    }
    return TK_OK;
}

#endif /* TINYKIT_POOL_WINDOW_H */
