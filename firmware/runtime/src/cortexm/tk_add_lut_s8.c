/* ADD int8 of inputs of one shape (tk_add_s8's results), each input's
 * rescaling looked up in a table the build computed.
 *
 * tk_add_s8 brings each input element x to the common scale with
 * tk_add_scaled_input: (x + offset) << 20, then a fixed-point multiply and a
 * rounding shift. That depends on x alone, an int8, so the build tabulates it
 * for all 256 values (tinykit/codegen/ops/elementwise.py, with
 * tinykit.codegen.quant.requantize, TFLite's arithmetic on Python ints): per
 * element two loads replace two requantizations, and only the sum's
 * requantization to the output remains. Tables are indexed by the input byte
 * as unsigned (x & 0xff), so no offset is added to form the index; 1 KiB of
 * flash per input. params->input*_offset, params->left_shift and
 * quant->input1/input2 are not read.
 */
#include "tinykit/arithmetic.h"
#include "tinykit/shape.h"

tk_status tk_add_lut_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                        const int32_t *table1, const int32_t *table2,
                        const tk_dims *input1_dims, const int8_t *input1, const tk_dims *input2_dims, const int8_t *input2,
                        const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    const int32_t count = tk_dims_count(output_dims);
    if (tk_dims_count(input1_dims) != count || tk_dims_count(input2_dims) != count) {
        return TK_ERROR_ARGUMENT;
    }
    /* Local copies: the int8 stores below may alias anything, so constants read
     * through the parameter pointers would be reloaded for every element. */
    const int32_t multiplier = quant->output.multiplier;
    const int32_t shift = quant->output.shift;
    const int32_t output_offset = params->output_offset;
    const int32_t lo = params->activation.min;
    const int32_t hi = params->activation.max;
    const uint8_t *in1 = (const uint8_t *)input1;
    const uint8_t *in2 = (const uint8_t *)input2;
    /* Element i of both inputs is read before output[i] is written, so output may alias either input. */
    if (shift < 0 && multiplier > 0) { /* ADD's output scaling in practice: the branch-free right shift */
        for (int32_t i = 0; i < count; ++i) {
            const int32_t raw = table1[in1[i]] + table2[in2[i]];
            output[i] = (int8_t)tk_clamp(tk_requantize_right(raw, multiplier, -shift) + output_offset, lo, hi);
        }
        return TK_OK;
    }
    for (int32_t i = 0; i < count; ++i) {
        const int32_t raw = table1[in1[i]] + table2[in2[i]];
        output[i] = (int8_t)tk_clamp(tk_requantize(raw, multiplier, shift) + output_offset, lo, hi);
    }
    return TK_OK;
}
