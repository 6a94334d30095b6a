/* DEPTHWISE_CONV_2D with a 3x3 filter, depth multiplier 1 and no dilation
 * (MobileNet's and DS-CNN's depthwise layers), for cores with the DSP
 * extension: the contract and results of tk_depthwise_conv_s8 (reference/).
 *
 * Four channels per step as tinykit/depthwise_dm1.h describes. A pixel whose
 * window lies inside the image (all but the border rows and columns) runs the
 * nine taps unrolled, with the row and column steps as constant multiples; a
 * border pixel loops over its taps inside the image. Chosen at build time
 * from the filter shape (tinykit/schedule/kernels/conv.py).
 */
#include "tinykit/depthwise_dm1.h"

/* All channels of one output pixel whose 3x3 window is inside the image. */
static void interior_pixel(const tk_dw_dm1 *layer, const int8_t *in_first, const int8_t *filter, int8_t *out_px)
{
    const int32_t channels = layer->channels;
    const int32_t row_step = layer->row_step;
    int32_t c = 0;
    for (; c + 4 <= channels; c += 4) {
        tk_dw_acc4 acc = {0, 0, 0, 0};
        const int8_t *in_row = in_first + c;
        const int8_t *filter_row = filter + c;
        for (int32_t ky = 0; ky < 3; ++ky, in_row += row_step, filter_row += 3 * channels) {
            tk_dw_tap4(in_row, filter_row, layer->offset_pair, &acc);
            tk_dw_tap4(in_row + channels, filter_row + channels, layer->offset_pair, &acc);
            tk_dw_tap4(in_row + 2 * channels, filter_row + 2 * channels, layer->offset_pair, &acc);
        }
        tk_dw_store4(layer, &acc, c, out_px);
    }
    if (c < channels) {
        /* The last channels % 4 channels: the general path does them. */
        tk_dw_dm1_pixel_channels(layer, in_first, filter, 3, 3, c, out_px);
    }
}

tk_status tk_depthwise_conv_3x3_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
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
        tk_dw_dm1_of(params, quant, bias, &g, &layer) != TK_OK || g.filter_h != 3 || g.filter_w != 3 ||
        params->dilation_h != 1 || params->dilation_w != 1) {
        return TK_ERROR_ARGUMENT;
    }
    for (int32_t b = 0; b < g.batches; ++b) {
        for (int32_t out_y = 0; out_y < g.out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            const int32_t ky_first = tk_dw_first_inside(in_y_origin, 1);
            const int32_t ky_end = tk_dw_end_inside(in_y_origin, 1, g.in_h, 3);
            for (int32_t out_x = 0; out_x < g.out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                const int32_t kx_first = tk_dw_first_inside(in_x_origin, 1);
                const int32_t kx_end = tk_dw_end_inside(in_x_origin, 1, g.in_w, 3);
                int8_t *out_px = output + ((b * g.out_h + out_y) * g.out_w + out_x) * g.out_c;
                if (ky_first >= ky_end || kx_first >= kx_end) {
                    tk_dw_dm1_pixel(&layer, input, filter, 0, 0, out_px); /* wholly in the padding */
                    continue;
                }
                const int8_t *in_first =
                    input + ((b * g.in_h + in_y_origin + ky_first) * g.in_w + in_x_origin + kx_first) * g.out_c;
                if (ky_end - ky_first == 3 && kx_end - kx_first == 3) {
                    interior_pixel(&layer, in_first, filter, out_px);
                } else {
                    tk_dw_dm1_pixel(&layer, in_first, filter + (ky_first * 3 + kx_first) * g.out_c, ky_end - ky_first,
                                    kx_end - kx_first, out_px);
                }
            }
        }
    }
    return TK_OK;
}
