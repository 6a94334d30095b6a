/* Binary arithmetic int8 kernels with broadcasting: ADD (broadcasting form),
 * SUB, MUL, SQUARED_DIFFERENCE, MAXIMUM and MINIMUM.
 *
 * Each follows TF Lite Micro's reference int8 kernel; the constants (offsets,
 * multipliers, clamps) are computed at build time by
 * tinykit/codegen/ops/arithmetic.py the way TF Lite Micro's Prepare computes
 * them. The operand walk is described by a tk_broadcast (broadcast.h).
 */
#ifndef TINYKIT_ARITHMETIC_H
#define TINYKIT_ARITHMETIC_H

#include <stdint.h>

#include "tinykit/broadcast.h"
#include "tinykit/elementwise.h"
#include "tinykit/requantize.h"
#include "tinykit/types.h"

/* An ADD/SUB-family input brought to the common scale: its zero point removed,
 * shifted left by params->left_shift, then scaled (shift <= 0). */
static inline int32_t tk_add_scaled_input(int32_t offset, int32_t left_shift, const tk_per_tensor_quant *quant,
                                          int8_t x)
{
    const int32_t shifted = (offset + x) * (INT32_C(1) << left_shift);
    return tk_requantize(shifted, quant->multiplier, quant->shift);
}

/* The ADD/SUB-family raw result scaled to the output, offset and clamped. */
static inline int8_t tk_add_output(const tk_add_params *params, const tk_add_quant *quant, int32_t raw)
{
    const int32_t out = tk_requantize(raw, quant->output.multiplier, quant->output.shift) + params->output_offset;
    return (int8_t)tk_clamp(out, params->activation.min, params->activation.max);
}

/* ADD of two int8 tensors with broadcasting (same arithmetic as tk_add_s8). */
tk_status tk_add_broadcast_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                              const tk_broadcast *shape, const int8_t *input1, const int8_t *input2,
                              int8_t *output);

/* SUB: as ADD, with the second scaled input subtracted. TF Lite Micro forms
 * SUB's multipliers in float32 where ADD's are in float64 (see arithmetic.py). */
tk_status tk_sub_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                    const tk_broadcast *shape, const int8_t *input1, const int8_t *input2, int8_t *output);

/* SQUARED_DIFFERENCE: both inputs brought to a common scale with left_shift 7,
 * subtracted, squared, and the square scaled to the output (quant->output may
 * have shift > 0); the clamp is the whole int8 range. */
tk_status tk_squared_difference_s8(const tk_context *ctx, const tk_add_params *params, const tk_add_quant *quant,
                                   const tk_broadcast *shape, const int8_t *input1, const int8_t *input2,
                                   int8_t *output);

/* MUL: (input1 - zp1) * (input2 - zp2) requantized once to the output. */
typedef struct {
    int32_t input1_offset; /* minus the first input's zero point */
    int32_t input2_offset; /* minus the second input's zero point */
    int32_t output_offset; /* the output's zero point */
    tk_activation activation;
} tk_mul_params;

tk_status tk_mul_s8(const tk_context *ctx, const tk_mul_params *params, const tk_per_tensor_quant *quant,
                    const tk_broadcast *shape, const int8_t *input1, const int8_t *input2, int8_t *output);

/* MAXIMUM and MINIMUM compare the raw int8 values, as TF Lite Micro does; the
 * code generator accepts them only when both inputs and the output share one
 * quantization, where that is the right answer. */
/* One row of MAXIMUM (*(const int *)op != 0) or MINIMUM: the row both kernels run. */
static inline void tk_extreme_row(const void *op, const int8_t *input1, int32_t step1, const int8_t *input2,
                                  int32_t step2, int8_t *output, int32_t count)
{
    const int largest = *(const int *)op;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const int8_t a = input1[i * step1];
        const int8_t b = input2[i * step2];
        output[i] = (largest ? a > b : a < b) ? a : b;
    }
}

tk_status tk_maximum_s8(const tk_context *ctx, const tk_broadcast *shape, const int8_t *input1,
                        const int8_t *input2, int8_t *output);

tk_status tk_minimum_s8(const tk_context *ctx, const tk_broadcast *shape, const int8_t *input1,
                        const int8_t *input2, int8_t *output);

#endif /* TINYKIT_ARITHMETIC_H */
