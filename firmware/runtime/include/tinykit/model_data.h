/* What a generated model.c defines (tinykit/codegen/templates/model.c.j2)
 * and the runtime's tk_model.c reads: the model as data.
 *
 * The generated model.c holds no code: the op table, each op's argument
 * table and parameter structs, the arena, and this description. The model
 * API's functions (tinykit/model_api.h) and the accessors the profiler app
 * reads the model's figures through live in tk_model.c, which is compiled
 * like the kernels, without link-time optimization: no model constant (op
 * count, arena size, MLPerf coefficients) is ever folded into an
 * instruction, so the code of every image is the same whatever the model,
 * and its flash is predicted exactly (tinykit/latency/resources.py). */
#ifndef TINYKIT_MODEL_DATA_H
#define TINYKIT_MODEL_DATA_H

#include <stdint.h>

#include "tinykit/invoke.h"

/* How the profiler prints MLPerf Tiny's m-results line (tinykit/mlperf.py). */
#define TK_MLPERF_RAW 0         /* the int8 outputs as integers */
#define TK_MLPERF_MILLI_TABLE 1 /* each output's printed value from a table of steps */
#define TK_MLPERF_MSE 2         /* one anomaly score from integer coefficients */

/* The strings' room, fixed so that every model's description has the same size: a longer
 * name is cut (the firmware reports its first TK_MODEL_NAME_CAPACITY - 1 bytes). */
#define TK_MODEL_NAME_CAPACITY 32
#define TK_MODEL_BUILD_HASH_CAPACITY 20 /* 16 hex digits */
#define TK_MODEL_MLPERF_ID_CAPACITY 12  /* kws01, ..., strww01 */

typedef struct {
    const tk_op_entry *ops;
    int32_t num_ops;
    int32_t arena_bytes;
    int32_t num_inputs;
    int32_t num_outputs;
    void *const *inputs;
    const int32_t *input_bytes;
    void *const *outputs;
    const int32_t *output_bytes;
    char name[TK_MODEL_NAME_CAPACITY];
    char build_hash[TK_MODEL_BUILD_HASH_CAPACITY];
    char mlperf_id[TK_MODEL_MLPERF_ID_CAPACITY]; /* MLPerf Tiny's benchmark id, "" for none */
    int32_t mlperf_results; /* TK_MLPERF_* */
    /* TK_MLPERF_MILLI_TABLE: the value printed for q = -128 in thousandths, then per step i
     * (0..254) milli_step plus the milli_bits-bit field at bit i * milli_bits of milli_extra. */
    int32_t milli_first;
    int32_t milli_step;
    uint32_t milli_bits;
    uint32_t milli_mask;
    const uint32_t *milli_extra;
    /* TK_MLPERF_MSE: with a = q_out - output zero point and b = q_in - input zero point summed
     * over all values, (out_out * sum(a*a) + out_in * sum(a*b) + in_in * sum(b*b)) >> shift. */
    int32_t mse_output_zero_point;
    int32_t mse_input_zero_point;
    int64_t mse_out_out;
    int64_t mse_out_in;
    int64_t mse_in_in;
    int32_t mse_shift;
} tk_model_data;

/* The one tk_model_data a generated model.c defines. */
extern const tk_model_data tk_model;

/* The description, for the app: a function compiled without link-time optimization, so the
 * app's code does not depend on the figures. */
const tk_model_data *tk_model_description(void);
/* MLPerf Tiny's benchmark id, else the model's name. */
const char *tk_model_mlperf_id(void);

/* A kernel call an op does not need (a RESHAPE planned in place, an op a patch stage computes). */
tk_status tk_nop_invoke(void *const *args);

#endif /* TINYKIT_MODEL_DATA_H */
