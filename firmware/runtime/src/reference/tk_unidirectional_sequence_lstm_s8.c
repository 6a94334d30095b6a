/* UNIDIRECTIONAL_SEQUENCE_LSTM int8 x int8 -> int16 cell (see tinykit/recurrent.h).
 *
 * Per time step, in TF Lite Micro's order: the forget, input and cell gates,
 * the cell update (forget x cell + input x cell gate, saturated, clipped), the
 * output gate, then hidden = output gate x tanh(cell), copied to the output.
 * The sigmoid and tanh read the same table with the integer interpolation TF
 * Lite uses for int16 (tanh(x) = 2 sigmoid(2x) - 1); the products, shifts and
 * saturations below are the ones that make the results equal its bit for bit. */
#include <string.h>

#include "tinykit/recurrent.h"
#include "tinykit/requantize.h"
#include "tinykit/invoke.h"

static int16_t saturate_int16(int32_t x)
{
    return (int16_t)tk_clamp(x, INT16_MIN, INT16_MAX);
}

/* Sigmoid of a Q3.12 value into Q0.15. */
static int16_t lstm_sigmoid(int16_t x, const uint16_t *table)
{
    const int32_t value = (int32_t)x * 3;
    const uint32_t magnitude = (uint32_t)(value < 0 ? -value : value);
    const uint32_t step = magnitude >> 9;
    uint32_t result;
    if (step >= 255u) {
        result = 0x7FFFu << 10;
    } else {
        const uint32_t low = table[step];
        const uint32_t high = table[step + 1u];
        result = (low << 9) + (magnitude & 0x1FFu) * (high - low);
    }
    result = value >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
    return (int16_t)(result >> 10);
}

/* Tanh of x * multiplier / 2^shift (a Q3.12 value times 3) into Q0.15. */
static int16_t lstm_tanh(int16_t x, int32_t multiplier, int32_t shift, const uint16_t *table)
{
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    const int32_t value = ((int32_t)x * multiplier + round) >> shift;
    const uint32_t magnitude = (uint32_t)(value < 0 ? -value : value);
    const uint32_t step = magnitude >> 8;
    int32_t result;
    if (step >= 255u) {
        result = 0xFFFF << 8;
    } else {
        const uint32_t low = table[step];
        const uint32_t high = table[step + 1u];
        result = (int32_t)((low << 8) + (magnitude & 0xFFu) * (high - low));
    }
    result = value >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(result >> 8);
}

/* out[u] = requantize(sum_d weights[u][d] * (in[d] + offset) (+ bias[u])) as int16. */
static void gate_product(const int8_t *in, int32_t depth, int32_t offset, const int8_t *weights, const int32_t *bias,
                         const tk_per_tensor_quant *quant, int32_t units, int16_t *out)
{
    for (int32_t u = 0; u < units; ++u) {
        const int8_t *row = weights + (size_t)u * (size_t)depth;
        int32_t acc = bias != NULL ? bias[u] : 0;
        for (int32_t d = 0; d < depth; ++d) {
            acc += (int32_t)row[d] * ((int32_t)in[d] + offset);
        }
        out[u] = saturate_int16(tk_requantize(acc, quant->multiplier, quant->shift));
    }
}

/* One gate for `rows` rows of input and hidden state: both products, their saturated sum, the nonlinearity. */
static void gate(const tk_lstm_params *params, const tk_lstm_gate *g, const int8_t *input, const int8_t *hidden,
                 int32_t rows, int32_t is_tanh, int16_t *out, int16_t *scratch)
{
    const int32_t units = params->units;
    for (int32_t r = 0; r < rows; ++r) {
        int16_t *gate_row = out + (size_t)r * (size_t)units;
        gate_product(input + (size_t)r * (size_t)params->features, params->features, params->input_offset,
                     g->input_weights, g->bias, &g->input_quant, units, gate_row);
        gate_product(hidden + (size_t)r * (size_t)units, units, params->hidden_offset, g->recurrent_weights, NULL,
                     &g->recurrent_quant, units, scratch);
        for (int32_t u = 0; u < units; ++u) {
            const int16_t sum = saturate_int16((int32_t)gate_row[u] + (int32_t)scratch[u]);
            gate_row[u] = is_tanh ? lstm_tanh(sum, 3, 0, params->sigmoid_table) : lstm_sigmoid(sum, params->sigmoid_table);
        }
    }
}

static int32_t product(int16_t a, int16_t b, const tk_per_tensor_quant *quant)
{
    return tk_requantize((int32_t)a * (int32_t)b, quant->multiplier, quant->shift);
}

/* One time step for `rows` rows (a batch row, or every batch row when time-major). */
static void step(const tk_lstm_params *params, const int8_t *input, int8_t *hidden, int16_t *cell, int16_t *buffers)
{
    const int32_t rows = params->time_major ? params->batches : 1;
    const size_t count = (size_t)rows * (size_t)params->units;
    int16_t *forget = buffers;
    int16_t *in_gate = buffers + count;
    int16_t *cell_gate = buffers + 2 * count;
    int16_t *scratch = buffers + 3 * count;
    gate(params, &params->forget_gate, input, hidden, rows, 0, forget, scratch);
    gate(params, &params->input_gate, input, hidden, rows, 0, in_gate, scratch);
    gate(params, &params->cell_gate, input, hidden, rows, 1, cell_gate, scratch);
    for (size_t i = 0; i < count; ++i) {
        const int32_t kept = saturate_int16(product(forget[i], cell[i], &params->forget_quant));
        const int32_t added = saturate_int16(product(in_gate[i], cell_gate[i], &params->update_quant));
        int16_t updated = saturate_int16(kept + added);
        if (params->clip_cell) {
            updated = (int16_t)tk_clamp(updated, -params->cell_clip, params->cell_clip);
        }
        cell[i] = updated;
    }
    int16_t *out_gate = in_gate; /* the input gate is spent */
    gate(params, &params->output_gate, input, hidden, rows, 0, out_gate, scratch);
    for (size_t i = 0; i < count; ++i) {
        const int16_t cell_tanh = lstm_tanh(cell[i], params->cell_tanh_multiplier, params->cell_tanh_shift,
                                            params->sigmoid_table);
        const int32_t value = params->hidden_zero_point + product(cell_tanh, out_gate[i], &params->hidden_quant);
        hidden[i] = (int8_t)tk_clamp(value, INT8_MIN, INT8_MAX);
    }
}

int32_t tk_unidirectional_sequence_lstm_s8_get_buffer_size(const tk_lstm_params *params)
{
    const int32_t rows = params->time_major ? params->batches : 1;
    return 4 * rows * params->units * (int32_t)sizeof(int16_t);
}

tk_status tk_unidirectional_sequence_lstm_s8(const tk_context *ctx, const tk_lstm_params *params, const int8_t *input,
                                            int8_t *hidden_state, int16_t *cell_state, int8_t *output)
{
    if (ctx == NULL || ctx->buf == NULL || ctx->size < tk_unidirectional_sequence_lstm_s8_get_buffer_size(params)) {
        return TK_ERROR_SCRATCH;
    }
    int16_t *buffers = (int16_t *)ctx->buf;
    const size_t features = (size_t)params->features;
    const size_t units = (size_t)params->units;
    if (params->time_major) {
        const size_t rows = (size_t)params->batches;
        for (int32_t t = 0; t < params->steps; ++t) {
            step(params, input + (size_t)t * rows * features, hidden_state, cell_state, buffers);
            memcpy(output + (size_t)t * rows * units, hidden_state, rows * units);
        }
        return TK_OK;
    }
    for (int32_t b = 0; b < params->batches; ++b) {
        int8_t *hidden = hidden_state + (size_t)b * units;
        int16_t *cell = cell_state + (size_t)b * units;
        for (int32_t t = 0; t < params->steps; ++t) {
            const size_t row = (size_t)b * (size_t)params->steps + (size_t)t;
            step(params, input + row * features, hidden, cell, buffers);
            memcpy(output + row * units, hidden, units);
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_6(tk_unidirectional_sequence_lstm_s8)
