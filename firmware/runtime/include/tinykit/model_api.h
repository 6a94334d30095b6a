/* The functions of the model API every model.h declares: the generated one
 * (tinykit/codegen/templates/model.h.j2; the runtime's tk_model.c defines
 * them over the generated model's data, tinykit/model_data.h) and the
 * hand-written stand-ins the profiler app also runs
 * (firmware/apps/features_check, the tests' copy model, which define them).
 * A model.h defines the TK_MODEL_* constants, then includes this. */
#ifndef TINYKIT_MODEL_API_H
#define TINYKIT_MODEL_API_H

#include <stdint.h>

#include "tinykit/types.h"

/* Run every op of the model in order. */
tk_status tk_model_invoke(void);

/* Run one op (0 .. TK_MODEL_NUM_OPS-1); running them all in order equals
 * tk_model_invoke(). Used to time each layer. */
tk_status tk_model_invoke_op(int32_t op_index);

/* Where to write inputs and read outputs (inside the arena), and their sizes. */
void *tk_model_input(int32_t index);
int32_t tk_model_input_bytes(int32_t index);
void *tk_model_output(int32_t index);
int32_t tk_model_output_bytes(int32_t index);

#endif /* TINYKIT_MODEL_API_H */
