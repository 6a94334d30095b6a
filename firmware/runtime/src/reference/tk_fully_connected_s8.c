/* FULLY_CONNECTED, int8 with per-unit requantization.
 *
 * Follows TF Lite Micro's reference FullyConnected / FullyConnectedPerChannel:
 * each output is sum over depth of weight * (input - input zero point), plus
 * bias, requantized. Weights are symmetric (zero point 0), as TFLite requires.
 * Per-tensor weights come as a per-channel quant whose entries are all equal,
 * which gives the same result as TFLM's per-tensor path.
 */
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/invoke.h"

tk_status tk_fully_connected_s8(const tk_context *ctx, const tk_fully_connected_params *params, const tk_per_channel_quant *quant,
                                const tk_dims *input_dims, const int8_t *input,
                                const tk_dims *filter_dims, const int8_t *filter,
                                const int32_t *bias,
                                const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* the reference kernels need no scratch */
    const int32_t batches = input_dims->n;
    const int32_t depth = input_dims->c;
    const int32_t units = output_dims->c;

    if (filter_dims->c != depth || filter_dims->n != units || output_dims->n != batches) {
        return TK_ERROR_ARGUMENT;
    }

    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *in_row = input + b * depth;
        for (int32_t u = 0; u < units; ++u) {
            const int8_t *weights = filter + u * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int32_t)weights[d] * ((int32_t)in_row[d] + params->input_offset);
            }
            output[b * units + u] = tk_conv_output(acc, bias, quant, u, params->output_offset, params->activation);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_fully_connected_s8)
