/* MEAN over height and width of an NHWC tensor for cores with the DSP
 * extension: the contract and results of reference/tk_mean_s8.c.
 *
 * Four channels' columns are summed together with SXTAB16 (tinykit/sum4.h:
 * two channels per instruction, one word load per pixel), the last
 * channels % 4 one by one; each sum is then requantized as the reference does.
 */
#include "tinykit/pool.h"
#include "tinykit/requantize.h"
#include "tinykit/sum4.h"
#include "tinykit/invoke.h"

tk_status tk_mean_hw_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                        const tk_dims *input_dims, const int8_t *input,
                        const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t channels = input_dims->c;
    const int32_t channels4 = channels - channels % 4;
    const int32_t count = input_dims->h * input_dims->w;
    if (output_dims->n != input_dims->n || output_dims->c != channels || output_dims->h * output_dims->w != 1) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t offset_sum = params->input_offset * count;
    const int32_t multiplier = quant->multiplier;
    const int32_t shift = quant->shift;
    const int32_t output_offset = params->output_offset;
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int8_t *image = input + b * count * channels;
        int8_t *out = output + b * channels;
        for (int32_t c = 0; c < channels; c += 4) {
            int32_t sums[4] = {0, 0, 0, 0};
            const int32_t lanes = c < channels4 ? 4 : channels - c;
            if (lanes == 4) {
                tk_sum4_s8(image + c, 1, count, 0, channels, sums);
            } else {
                for (int32_t k = 0; k < lanes; ++k) {
                    for (int32_t i = 0; i < count; ++i) {
                        sums[k] += image[i * channels + c + k];
                    }
                }
            }
            for (int32_t k = 0; k < lanes; ++k) {
                const int32_t mean = tk_requantize(sums[k] + offset_sum, multiplier, shift) + output_offset;
                out[c + k] = (int8_t)tk_clamp(mean, INT8_MIN, INT8_MAX);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_mean_hw_s8)
