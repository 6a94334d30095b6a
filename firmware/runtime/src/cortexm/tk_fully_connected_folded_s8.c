/* FULLY_CONNECTED for cores with the DSP extension: the results of
 * tk_fully_connected_s8 from constants the build prepared for this kernel.
 *
 * Two things depend only on constants, so the host does them
 * (tinykit/codegen/ops/conv.py, weight layout "fc_blocks4"):
 * - the input offset's contribution is folded into the bias: sum over d of
 *   w[u][d] * (x[d] + input_offset) = sum w[u][d] * x[d] + input_offset * sum w[u][d],
 *   so bias[u] arrives as bias + input_offset * row sum (never NULL) and the
 *   inner loop multiplies raw int8 inputs (params->input_offset is not read);
 * - the weights come in blocks of four units: for every four depths, the four
 *   units' four bytes one after the other, then the depth % 4 tail with the
 *   four units' bytes interleaved per depth. Units beyond the last full block
 *   follow row by row, as in TFLite.
 * A block shares each input word between four units: one load and two
 * SXTB16 (bytes 0 and 2, then bytes 1 and 3 after a rotate by 8) of the input
 * serve four weight words, each widened by two SXTB16 into two SMLADs.
 * Integer sums wrap identically in either order, so the outputs equal the
 * reference's bit for bit.
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/invoke.h"

#define TK_FC_BLOCK 4

static inline int32_t load_word(const int8_t *p)
{
    int32_t word;
    memcpy(&word, p, sizeof word); /* unaligned-safe; one LDR on the core */
    return word;
}

/* acc + the dot product of the four weights in w with the widened input pairs. */
static inline int32_t mac4(int32_t w, int32_t inputs_02, int32_t inputs_13, int32_t acc)
{
    acc = __smlad(__sxtb16(w), inputs_02, acc);
    return __smlad(tk_sxtb16_ror8(w), inputs_13, acc);
}

tk_status tk_fully_connected_folded_s8(const tk_context *ctx, const tk_fully_connected_params *params,
                                       const tk_per_channel_quant *quant,
                                       const tk_dims *input_dims, const int8_t *input,
                                       const tk_dims *filter_dims, const int8_t *filter,
                                       const int32_t *bias,
                                       const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t batches = input_dims->n;
    const int32_t depth = input_dims->c;
    const int32_t units = output_dims->c;
    if (filter_dims->c != depth || filter_dims->n != units || output_dims->n != batches || bias == NULL) {
        return TK_ERROR_ARGUMENT;
    }
    /* The bias pointer is left out: it initializes the accumulators. */
    const tk_conv_requant requant = tk_conv_requant_of(NULL, quant, params->output_offset, params->activation);
    const int32_t blocked_units = units - units % TK_FC_BLOCK;
    const int32_t depth4 = depth - depth % 4;

    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *in_row = input + b * depth;
        int8_t *out_row = output + b * units;
        const int8_t *w = filter;
        for (int32_t u = 0; u < blocked_units; u += TK_FC_BLOCK) {
            int32_t acc0 = bias[u];
            int32_t acc1 = bias[u + 1];
            int32_t acc2 = bias[u + 2];
            int32_t acc3 = bias[u + 3];
            int32_t d = 0;
            /* Two input words per pass: fewer loop steps, four widened input pairs in registers. */
            for (; d + 8 <= depth4; d += 8) {
                const int32_t x = load_word(in_row + d);
                const int32_t y = load_word(in_row + d + 4);
                const int32_t inputs_02 = __sxtb16(x);
                const int32_t inputs_13 = tk_sxtb16_ror8(x);
                const int32_t inputs_46 = __sxtb16(y);
                const int32_t inputs_57 = tk_sxtb16_ror8(y);
                acc0 = mac4(load_word(w + 16), inputs_46, inputs_57, mac4(load_word(w), inputs_02, inputs_13, acc0));
                acc1 = mac4(load_word(w + 20), inputs_46, inputs_57, mac4(load_word(w + 4), inputs_02, inputs_13, acc1));
                acc2 = mac4(load_word(w + 24), inputs_46, inputs_57, mac4(load_word(w + 8), inputs_02, inputs_13, acc2));
                acc3 = mac4(load_word(w + 28), inputs_46, inputs_57, mac4(load_word(w + 12), inputs_02, inputs_13, acc3));
                w += 8 * TK_FC_BLOCK;
            }
            for (; d < depth4; d += 4) {
                const int32_t x = load_word(in_row + d);
                const int32_t inputs_02 = __sxtb16(x);
                const int32_t inputs_13 = tk_sxtb16_ror8(x);
                acc0 = mac4(load_word(w), inputs_02, inputs_13, acc0);
                acc1 = mac4(load_word(w + 4), inputs_02, inputs_13, acc1);
                acc2 = mac4(load_word(w + 8), inputs_02, inputs_13, acc2);
                acc3 = mac4(load_word(w + 12), inputs_02, inputs_13, acc3);
                w += 4 * TK_FC_BLOCK;
            }
            for (int32_t d = depth4; d < depth; ++d) {
                const int32_t x = in_row[d];
                acc0 += w[0] * x;
                acc1 += w[1] * x;
                acc2 += w[2] * x;
                acc3 += w[3] * x;
                w += TK_FC_BLOCK;
            }
            out_row[u] = tk_conv_requant_output(&requant, acc0, u);
            out_row[u + 1] = tk_conv_requant_output(&requant, acc1, u + 1);
            out_row[u + 2] = tk_conv_requant_output(&requant, acc2, u + 2);
            out_row[u + 3] = tk_conv_requant_output(&requant, acc3, u + 3);
        }
        for (int32_t u = blocked_units; u < units; ++u) {
            int32_t acc = bias[u];
            int32_t d = 0;
            for (; d < depth4; d += 4) {
                const int32_t x = load_word(in_row + d);
                acc = mac4(load_word(w + d), __sxtb16(x), tk_sxtb16_ror8(x), acc);
            }
            for (; d < depth; ++d) {
                acc += w[d] * in_row[d];
            }
            w += depth;
            out_row[u] = tk_conv_requant_output(&requant, acc, u);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_10(tk_fully_connected_folded_s8)
