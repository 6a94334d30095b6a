/* DEPTHWISE_CONV_2D, int8 with per-output-channel requantization.
 *
 * Follows TF Lite Micro's reference DepthwiseConvPerChannel: output channel
 * ic * depth_multiplier + m filters input channel ic alone; out-of-image taps
 * are skipped (implicit zero-point padding).
 */
#include "tinykit/conv.h"
#include "tinykit/requantize.h"

tk_status tk_depthwise_conv_s8(const tk_depthwise_conv_params *params, const tk_per_channel_quant *quant,
                               const tk_dims *input_dims, const int8_t *input,
                               const tk_dims *filter_dims, const int8_t *filter,
                               const int32_t *bias,
                               const tk_dims *output_dims, int8_t *output)
{
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t filter_h = filter_dims->h;
    const int32_t filter_w = filter_dims->w;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t multiplier = params->depth_multiplier;

    if (multiplier <= 0 || in_c * multiplier != out_c || filter_dims->c != out_c || input_dims->n != output_dims->n) {
        return TK_ERROR_ARGUMENT;
    }

    for (int32_t b = 0; b < output_dims->n; ++b) {
        for (int32_t out_y = 0; out_y < out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            for (int32_t out_x = 0; out_x < out_w; ++out_x) {
                const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t ic = oc / multiplier;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < filter_h; ++ky) {
                        const int32_t in_y = in_y_origin + params->dilation_h * ky;
                        if (in_y < 0 || in_y >= in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < filter_w; ++kx) {
                            const int32_t in_x = in_x_origin + params->dilation_w * kx;
                            if (in_x < 0 || in_x >= in_w) {
                                continue;
                            }
                            const int32_t in_val = input[((b * in_h + in_y) * in_w + in_x) * in_c + ic];
                            const int32_t tap = filter[(ky * filter_w + kx) * out_c + oc];
                            acc += tap * (in_val + params->input_offset);
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    acc = tk_requantize(acc, quant->multiplier[oc], quant->shift[oc]) + params->output_offset;
                    acc = tk_clamp(acc, params->activation.min, params->activation.max);
                    output[((b * out_h + out_y) * out_w + out_x) * out_c + oc] = (int8_t)acc;
                }
            }
        }
    }
    return TK_OK;
}
