/* MEAN over height and width of an NHWC tensor, int8.
 *
 * tflite-micro runs int8 MEAN through the reference QuantizedMeanOrSum for
 * every keep_dims setting and whether or not input and output quantization
 * match (checked against the installed tflite-micro): the sum of
 * (input - input zero point) is requantized once by a multiplier that already
 * folds in 1 / (h * w); the emitter computes it as TFLite does.
 * Each output sums its own column directly, so no accumulator scratch is needed.
 */
#include "tinykit/pool.h"
#include "tinykit/requantize.h"
#include "tinykit/invoke.h"

tk_status tk_mean_s8(const tk_context *ctx, const tk_mean_params *params, const tk_per_tensor_quant *quant,
                     const tk_dims *input_dims, const int8_t *input,
                     const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t channels = input_dims->c;
    const int32_t count = input_dims->h * input_dims->w;

    if (output_dims->n != input_dims->n || output_dims->c != channels || output_dims->h * output_dims->w != 1) {
        return TK_ERROR_ARGUMENT;
    }

    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int8_t *image = input + b * count * channels;
        for (int32_t c = 0; c < channels; ++c) {
            int32_t sum = 0;
            for (int32_t i = 0; i < count; ++i) {
                sum += image[i * channels + c];
            }
            int32_t mean = tk_requantize(sum + params->input_offset * count, quant->multiplier, quant->shift);
            mean = tk_clamp(mean + params->output_offset, INT8_MIN, INT8_MAX);
            output[b * channels + c] = (int8_t)mean;
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_7(tk_mean_s8)
