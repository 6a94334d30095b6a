/* TRANSPOSE_CONV int8 with per-output-channel requantization.
 *
 * Follows TF Lite Micro's reference integer TransposeConv: every input pixel
 * adds filter * (input - input zero point) to the int32 accumulators of the
 * output pixels its filter window covers (taps falling outside the output
 * are dropped), then each accumulator gets its bias, is requantized, moved to
 * the output zero point and clamped, as CONV_2D's. The accumulators live in
 * the op's scratch, placed by the planner.
 */
#include <string.h>

#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

int32_t tk_transpose_conv_s8_get_buffer_size(const tk_conv_params *params, const tk_dims *input_dims,
                                             const tk_dims *filter_dims, const tk_dims *output_dims)
{
    (void)params;
    (void)input_dims;
    (void)filter_dims;
    return tk_dims_count(output_dims) * (int32_t)sizeof(int32_t);
}

tk_status tk_transpose_conv_s8(const tk_context *ctx, const tk_conv_params *params, const tk_per_channel_quant *quant,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *bias,
                               const tk_dims *output_dims, int8_t *output)
{
    tk_conv_geometry g;
    const int32_t count = tk_dims_count(output_dims);
    if (ctx == NULL || ctx->buf == NULL ||
        ctx->size < tk_transpose_conv_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
        return TK_ERROR_SCRATCH;
    }
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK || filter_dims->n != g.out_c ||
        g.filter_c != g.in_c) {
        return TK_ERROR_ARGUMENT;
    }
    int32_t *acc = (int32_t *)ctx->buf;
    memset(acc, 0, (size_t)count * sizeof(int32_t));

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t in_y = 0; in_y < g.in_h; ++in_y) {
            const int32_t out_y_origin = in_y * params->stride_h - params->pad_h;
            for (int32_t in_x = 0; in_x < g.in_w; ++in_x) {
                const int32_t out_x_origin = in_x * params->stride_w - params->pad_w;
                const int8_t *in_px = input + ((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c;
                for (int32_t ky = 0; ky < g.filter_h; ++ky) {
                    const int32_t out_y = out_y_origin + ky;
                    if (out_y < 0 || out_y >= g.out_h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < g.filter_w; ++kx) {
                        const int32_t out_x = out_x_origin + kx;
                        if (out_x < 0 || out_x >= g.out_w) {
                            continue;
                        }
                        int32_t *out_px = acc + ((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c;
                        for (int32_t oc = 0; oc < g.out_c; ++oc) {
                            const int8_t *taps = filter + ((oc * g.filter_h + ky) * g.filter_w + kx) * g.filter_c;
                            int32_t sum = 0;
                            for (int32_t ic = 0; ic < g.in_c; ++ic) {
                                sum += (int32_t)taps[ic] * ((int32_t)in_px[ic] + params->input_offset);
                            }
                            out_px[oc] += sum;
                        }
                    }
                }
            }
        }
    }
    for (int32_t i = 0; i < count; ++i) {
        output[i] = tk_conv_output(acc[i], bias, quant, i % g.out_c, params->output_offset, params->activation);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_transpose_conv_s8)
