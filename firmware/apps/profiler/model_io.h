/* The model's inputs (and outputs) seen as one run of bytes: MLPerf Tiny
 * loads "the input" as a single buffer, so with several inputs the `db`
 * bytes fill input 0, then input 1, and so on. */
#ifndef TK_PROFILER_MODEL_IO_H
#define TK_PROFILER_MODEL_IO_H

#include <stdint.h>

/* The bytes `db` loads: the inputs' total, or with an MLPerf input crop
 * (model.h's TK_MODEL_MLPERF_INPUT_CROP) what the runner sends, of which
 * the model takes a crop. */
int32_t model_input_total_bytes(void);
/* Byte `position` (0 <= position < total) of the loaded input, a copy kept
 * outside the arena (ops may overwrite the input tensor while they run). */
uint8_t *model_input_byte(int32_t position);
/* Copies the loaded input into the model's input tensor(s); every inference
 * starts with this, so each run sees the input that was loaded. */
void model_inputs_restore(void);

int32_t model_output_total_bytes(void);
const uint8_t *model_output_byte(int32_t position);

#endif /* TK_PROFILER_MODEL_IO_H */
