/* DEPTHWISE_CONV_2D with depth multiplier 1, for cores with the DSP extension:
 * the contract and results of tk_depthwise_conv_s8 (reference/), four
 * channels per step (tinykit/depthwise_dm1.h), any filter size, stride and
 * dilation. Chosen at build time for depth multiplier 1 when the 3x3 kernel
 * (tk_depthwise_conv_3x3_s8) does not apply (tinykit/schedule/kernels/conv.py).
 */
#include "tinykit/depthwise_dm1.h"
#include "tinykit/invoke.h"

tk_status tk_depthwise_conv_dm1_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                   const tk_per_channel_quant *quant,
                                   const tk_dims *input_dims, const int8_t *input,
                                   const tk_dims *filter_dims, const int8_t *filter,
                                   const int32_t *bias,
                                   const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    tk_conv_geometry g;
    tk_dw_dm1 layer;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, &g) != TK_OK ||
        tk_dw_dm1_of(params, quant, bias, &g, &layer) != TK_OK) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t ky_first = tk_dw_first_inside(in_y_origin, params->dilation_h);
            const int32_t ky_end = tk_dw_end_inside(in_y_origin, params->dilation_h, g.in_h, g.filter_h);
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                const int32_t kx_first = tk_dw_first_inside(in_x_origin, params->dilation_w);
                const int32_t kx_end = tk_dw_end_inside(in_x_origin, params->dilation_w, g.in_w, g.filter_w);
                int8_t *out_px = output + ((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c;
                if (ky_first >= ky_end || kx_first >= kx_end) {
                    /* The window lies wholly in the padding: every tap contributes 0. */
                    tk_dw_dm1_pixel(&layer, input, filter, 0, 0, out_px);
                    continue;
                }
                const int8_t *in_first = input + ((b * g.in_h + in_y_origin + params->dilation_h * ky_first) * g.in_w +
                                                  in_x_origin + params->dilation_w * kx_first) * g.out_c;
                const int8_t *filter_first = filter + (ky_first * g.filter_w + kx_first) * g.out_c;
                tk_dw_dm1_pixel(&layer, in_first, filter_first, ky_end - ky_first, kx_end - kx_first, out_px);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_depthwise_conv_dm1_s8)
