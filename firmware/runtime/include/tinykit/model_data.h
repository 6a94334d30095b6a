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

/* How the profiler computes MLPerf Tiny's m-results values, in thousandths
 * (tinykit/mlperf.py): the value printed at ``position`` of the output (or
 * the one anomaly score), from the build's ``coefficients``, the model's
 * int8 output and the input it ran on, ``count`` values each. Such a
 * function is a runtime source of its own (tk_mlperf_milli.c,
 * tk_mlperf_mse.c) that only a model whose benchmark prints such values
 * links, through its description: the image holds the code its results
 * need, counted by the flash model like a kernel's source. */
typedef int32_t (*tk_mlperf_fn)(const void *coefficients, const int8_t *output, const int8_t *input,
                                int32_t count, int32_t position);

/* tk_mlperf_milli's coefficients: the value printed for q = -128 in thousandths, then per step i
 * (0..254) step plus the bits-bit field at bit i * bits of extra. */
typedef struct {
    int32_t first;
    int32_t step;
    uint32_t bits;
    uint32_t mask;
    const uint32_t *extra;
} tk_mlperf_milli_table;

/* tk_mlperf_mse_milli's coefficients: with a = q_out - output_zero_point and b = q_in -
 * input_zero_point summed over all values, (out_out * sum(a*a) + out_in * sum(a*b) + in_in *
 * sum(b*b)) >> shift. Each 64-bit coefficient as two words, low first: the struct is of whole
 * words with a word's alignment, as every object of the model's data section. */
typedef struct {
    int32_t output_zero_point;
    int32_t input_zero_point;
    uint32_t out_out[2];
    uint32_t out_in[2];
    uint32_t in_in[2];
    int32_t shift;
} tk_mlperf_mse;

int32_t tk_mlperf_milli(const void *coefficients, const int8_t *output, const int8_t *input, int32_t count,
                        int32_t position);
int32_t tk_mlperf_mse_milli(const void *coefficients, const int8_t *output, const int8_t *input, int32_t count,
                            int32_t position);

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
    /* m-results: NULL prints the raw int8 outputs; else mlperf_values values in thousandths,
     * mlperf_milli's over mlperf_coefficients (a model with one input and one output). */
    tk_mlperf_fn mlperf_milli;
    const void *mlperf_coefficients;
    int32_t mlperf_values;
} tk_model_data;

/* The one tk_model_data a generated model.c defines. */
extern const tk_model_data tk_model;

/* The description, for the app: a function compiled without link-time optimization, so the
 * app's code does not depend on the figures. Declared const (it always returns the same
 * pointer): the compiler calls it once where the app reads several figures. */
#if defined(__GNUC__)
__attribute__((const))
#endif
const tk_model_data *tk_model_description(void);

/* A kernel call an op does not need (a RESHAPE planned in place, an op a patch stage computes). */
tk_status tk_nop_invoke(void *const *args);

#endif /* TINYKIT_MODEL_DATA_H */
