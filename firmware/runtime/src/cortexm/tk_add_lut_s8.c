/* ADD int8 of inputs of one shape (tk_add_s8's results), each input's
 * rescaling looked up in a table the build computed.
 *
 * tk_add_s8 brings each input element x to the common scale with
 * tk_add_scaled_input: (x + offset) << 20, then a fixed-point multiply and a
 * rounding shift. That depends on x alone, an int8, so the build tabulates it
 * for all 256 values (tinykit/codegen/ops/elementwise.py, with
 * tinykit.codegen.quant.requantize, TFLite's arithmetic on Python ints), and
 * stores each value doubled: per element two loads and an add give
 * raw2 = 2 * raw, twice the reference's sum (the build checks it fits in int32;
 * with TFLite's input multipliers of at most 1/2 it is below 2^29). Tables are
 * indexed by the input byte as unsigned (x & 0xff), so no offset is added to
 * form the index; 1 KiB of flash per input. params->input*_offset,
 * params->left_shift and quant->input1/input2 are not read.
 *
 * The sum's requantization to the output, for a right shift e in 1..23 and a
 * multiplier of more than 2^30 (ADD's output scaling in practice), is one
 * SMMLAR of raw2: SMMLAR(raw2, m, h) = floor((raw * m + 2^30) / 2^31) + h, the
 * reference's rounding doubling high multiply y plus h; with
 *   h = 2^(e - 1) + output offset * 2^e - (raw < 0)
 * its arithmetic shift right by e is y divided by 2^e to nearest, ties away
 * from zero, plus the output offset (y < 0 exactly when raw < 0 for such m;
 * tk_requantize_right derives the nudge). e <= 23 keeps h and the sum inside
 * int32. Other output scalings take tk_requantize of raw2 / 2.
 */
#include "tinykit/acle.h"
#include "tinykit/arithmetic.h"
#include "tinykit/shape.h"
#include "tinykit/invoke.h"

/* The output byte of one element from its doubled raw sum (the fast scaling
 * above); full_range (the clamp is the whole int8 range, as without a fused
 * activation or with a ReLU whose zero point is -128) makes the clamp one SSAT.
 * Forced inline so that each loop below gets its own copy with full_range a constant. */
static inline __attribute__((always_inline)) int8_t add_output_fast(int32_t raw2, int32_t multiplier, int32_t high,
                                                                    int32_t e, int32_t lo, int32_t hi, int full_range)
{
    const int32_t out = tk_smmlar(raw2, multiplier, high + (raw2 >> 31)) >> e;
    return (int8_t)(full_range ? __ssat(out, 8) : tk_clamp(out, lo, hi));
}

/* The fast scaling's loop over count elements, four per pass (the loop's count
 * and branch once per four). */
static inline __attribute__((always_inline)) void add_fast(const int32_t *table1, const int32_t *table2,
                                                           const uint8_t *in1, const uint8_t *in2, int8_t *output,
                                                           int32_t count, int32_t multiplier, int32_t high, int32_t e,
                                                           int32_t lo, int32_t hi, int full_range)
{
    int32_t i = 0;
    for (; i + 4 <= count; i += 4) {
        output[i] = add_output_fast(table1[in1[i]] + table2[in2[i]], multiplier, high, e, lo, hi, full_range);
        output[i + 1] = add_output_fast(table1[in1[i + 1]] + table2[in2[i + 1]], multiplier, high, e, lo, hi,
                                        full_range);
        output[i + 2] = add_output_fast(table1[in1[i + 2]] + table2[in2[i + 2]], multiplier, high, e, lo, hi,
                                        full_range);
        output[i + 3] = add_output_fast(table1[in1[i + 3]] + table2[in2[i + 3]], multiplier, high, e, lo, hi,
                                        full_range);
    }
    for (; i < count; ++i) {
        output[i] = add_output_fast(table1[in1[i]] + table2[in2[i]], multiplier, high, e, lo, hi, full_range);
    }
}

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
    const int32_t e = -shift;
    if (e >= 1 && e <= 23 && multiplier > (INT32_C(1) << 30)) {
        const int32_t high = (INT32_C(1) << (e - 1)) + output_offset * (INT32_C(1) << e);
        if (lo == -128 && hi == 127) {
            add_fast(table1, table2, in1, in2, output, count, multiplier, high, e, lo, hi, 1);
        } else {
            add_fast(table1, table2, in1, in2, output, count, multiplier, high, e, lo, hi, 0);
        }
        return TK_OK;
    }
    for (int32_t i = 0; i < count; ++i) {
        const int32_t raw = (table1[in1[i]] + table2[in2[i]]) / 2; /* both even: exact */
        output[i] = (int8_t)tk_clamp(tk_requantize(raw, multiplier, shift) + output_offset, lo, hi);
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_11(tk_add_lut_s8)
