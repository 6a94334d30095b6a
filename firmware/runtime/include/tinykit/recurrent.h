/* UNIDIRECTIONAL_SEQUENCE_LSTM as TF Lite quantizes it: int8 input, output and
 * hidden state, int8 weights, int32 biases, an int16 cell state. Every gate is
 * computed as TF Lite Micro's integer LSTM computes it: two int8 products
 * (input and hidden state) requantized to int16 in Q3.12 and added with
 * saturation, then a sigmoid or tanh into Q0.15 by linear interpolation in a
 * 256-entry table; the cell and hidden updates are int16 products requantized
 * to the cell state's and the hidden state's scales. The hidden and cell state
 * persist across calls (the caller owns them). */
#ifndef TINYKIT_RECURRENT_H
#define TINYKIT_RECURRENT_H

#include <stdint.h>

#include "tinykit/types.h"

/* One gate: its weights for the input and for the hidden state, its bias (added
 * to the input product) and the two requantizations into Q3.12. */
typedef struct {
    const int8_t *input_weights;     /* [units][features] */
    const int8_t *recurrent_weights; /* [units][units] */
    const int32_t *bias;             /* [units] */
    tk_per_tensor_quant input_quant;
    tk_per_tensor_quant recurrent_quant;
} tk_lstm_gate;

typedef struct {
    tk_lstm_gate input_gate;
    tk_lstm_gate forget_gate;
    tk_lstm_gate cell_gate;
    tk_lstm_gate output_gate;
    int32_t time_major; /* input [steps][batches][features] when set, else [batches][steps][features] */
    int32_t batches;
    int32_t steps;
    int32_t features;
    int32_t units;
    int32_t input_offset;      /* minus the input's zero point */
    int32_t hidden_offset;     /* minus the hidden state's zero point */
    int32_t hidden_zero_point;
    tk_per_tensor_quant forget_quant; /* forget gate x cell state -> cell state */
    tk_per_tensor_quant update_quant; /* input gate x cell gate -> cell state */
    tk_per_tensor_quant hidden_quant; /* output gate x tanh(cell state) -> hidden state */
    /* tanh of the cell state: x * multiplier, rounded right by shift, into Q3.12 x 3 as the table wants */
    int32_t cell_tanh_multiplier;
    int32_t cell_tanh_shift;
    int32_t clip_cell; /* set: clamp the cell state to [-cell_clip, cell_clip] after each update */
    int16_t cell_clip;
    const uint16_t *sigmoid_table; /* 256 entries: sigmoid(i / 24) in Q0.16 */
} tk_lstm_params;

/* Four int16 vectors of (time_major ? batches : 1) x units. */
int32_t tk_unidirectional_sequence_lstm_s8_get_buffer_size(const tk_lstm_params *params);

tk_status tk_unidirectional_sequence_lstm_s8(const tk_context *ctx, const tk_lstm_params *params, const int8_t *input,
                                            int8_t *hidden_state, int16_t *cell_state, int8_t *output);

#endif /* TINYKIT_RECURRENT_H */
