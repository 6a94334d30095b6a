/* DEPTHWISE_CONV_2D, int8 with per-output-channel requantization.
 *
 * Follows TF Lite Micro's reference DepthwiseConvPerChannel: output channel
 * ic * depth_multiplier + m filters input channel ic alone; out-of-image taps
 * are skipped (implicit zero-point padding).
 */
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/invoke.h"

tk_status tk_depthwise_conv_s8(const tk_context *ctx, const tk_depthwise_conv_params *params, const tk_per_channel_quant *quant,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *bias,
                               const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    tk_conv_geometry g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t multiplier = params->depth_multiplier;
    if (multiplier <= 0 || g.in_c * multiplier != g.out_c || g.filter_c != g.out_c) {
        return TK_ERROR_ARGUMENT;
    }

    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                for (int32_t oc = 0; oc < g.out_c; ++oc) {
                    const int32_t ic = oc / multiplier;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < g.filter_h; ++ky) {
                        const int32_t in_y = in_y_origin + params->dilation_h * ky;
                        if (in_y < 0 || in_y >= g.in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < g.filter_w; ++kx) {
                            const int32_t in_x = in_x_origin + params->dilation_w * kx;
                            if (in_x < 0 || in_x >= g.in_w) {
                                continue;
                            }
                            const int32_t in_val = input[((b * g.in_h + in_y) * g.in_w + in_x) * g.in_c + ic];
                            const int32_t tap = filter[(ky * g.filter_w + kx) * g.out_c + oc];
                            acc += tap * (in_val + params->input_offset);
                        }
                    }
                    output[((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c + oc] =
                        tk_conv_output(acc, bias, quant, oc, params->output_offset, params->activation);
                }
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_depthwise_conv_s8)
