#include "model_io.h"

#include "model_figures.h"

/* The input loaded with `db`, kept apart from the arena: the memory planner
 * lets later ops reuse the input tensor's bytes (as TF Lite Micro's does),
 * so each inference starts by copying this back. MLPerf Tiny's harness keeps
 * its db buffer apart the same way. The one mutable global besides the
 * arena; on main()'s stack it would eat the stack reserve for large inputs. */
#ifdef TK_MODEL_MLPERF_INPUT_CROP
/* MLPerf Tiny's runner sends more than the model takes (kws01's 49 x 10
 * features to a model of fewer frames or coefficients): `db` loads what is
 * sent, and each inference copies the model's crop of it. */
#define LOADED_INPUT_BYTES (TK_MODEL_MLPERF_SENT_ROWS * TK_MODEL_MLPERF_SENT_COLUMNS)
#if TK_MODEL_NUM_INPUTS != 1 || TK_MODEL_INPUT0_BYTES != TK_MODEL_MLPERF_KEPT_ROWS * TK_MODEL_MLPERF_KEPT_COLUMNS
#error "an MLPerf input crop needs one int8 input of the kept rows x columns (tinykit/mlperf.py checks this)"
#endif
#else
#define LOADED_INPUT_BYTES TK_MODEL_INPUTS_TOTAL_BYTES
#endif
static uint8_t loaded_input[LOADED_INPUT_BYTES];

typedef void *(*tensor_pointer_fn)(int32_t index);
typedef int32_t (*tensor_bytes_fn)(int32_t index);

static int32_t total_bytes(int32_t count, tensor_bytes_fn bytes)
{
    int32_t total = 0;
    int32_t i;
    for (i = 0; i < count; ++i) {
        total += bytes(i);
    }
    return total;
}

static uint8_t *byte_at(int32_t count, tensor_pointer_fn pointer, tensor_bytes_fn bytes,
                        int32_t position)
{
    int32_t i;
    for (i = 0; i < count - 1 && position >= bytes(i); ++i) {
        position -= bytes(i);
    }
    return (uint8_t *)pointer(i) + position;
}

int32_t model_input_total_bytes(void)
{
#ifdef TK_MODEL_MLPERF_INPUT_CROP
    return LOADED_INPUT_BYTES;
#else
    return total_bytes(APP_MODEL_NUM_INPUTS, tk_model_input_bytes);
#endif
}

uint8_t *model_input_byte(int32_t position)
{
    return &loaded_input[position];
}

#ifdef TK_MODEL_MLPERF_INPUT_CROP
void model_inputs_restore(void)
{
    /* The first KEPT_COLUMNS of each of the first KEPT_ROWS rows, row-major
     * (tinykit.kws.features.crop_features on the host). */
    uint8_t *target = tk_model_input(0);
    int32_t row;
    int32_t column;
    for (row = 0; row < TK_MODEL_MLPERF_KEPT_ROWS; ++row) {
        const uint8_t *source = &loaded_input[row * TK_MODEL_MLPERF_SENT_COLUMNS];
        for (column = 0; column < TK_MODEL_MLPERF_KEPT_COLUMNS; ++column) {
            *target++ = source[column];
        }
    }
}
#else
void model_inputs_restore(void)
{
    /* A plain loop, not memcpy: the one call would link newlib's unrolled
     * memcpy (about 300 bytes) for a copy of a few hundred bytes, outside
     * the cycles tk-time and tk-layers count. */
    const uint8_t *source = loaded_input;
    int32_t i;
    for (i = 0; i < APP_MODEL_NUM_INPUTS; ++i) {
        uint8_t *target = tk_model_input(i);
        int32_t n;
        for (n = tk_model_input_bytes(i); n > 0; --n) {
            *target++ = *source++;
        }
    }
}
#endif

int32_t model_output_total_bytes(void)
{
    return total_bytes(APP_MODEL_NUM_OUTPUTS, tk_model_output_bytes);
}

const uint8_t *model_output_byte(int32_t position)
{
    return byte_at(APP_MODEL_NUM_OUTPUTS, tk_model_output, tk_model_output_bytes, position);
}
