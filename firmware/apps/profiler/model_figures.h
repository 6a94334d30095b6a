/* The model's figures as the app reads them. A generated model (model.h
 * defines TK_MODEL_DATA) is read at run time through the runtime's
 * accessors (tinykit/model_data.h), never as compile-time constants: then
 * the app's code is the same for every model and only the model's data
 * decides the image's flash, which tinykit predicts exactly. A hand-written
 * stand-in model gives its numbers as macros. */
#ifndef MODEL_FIGURES_H
#define MODEL_FIGURES_H

#include "model.h"

#if defined(TK_MODEL_DATA)
#include "tinykit/model_data.h"
#define APP_MODEL_NUM_OPS (tk_model_description()->num_ops)
#define APP_MODEL_NUM_INPUTS (tk_model_description()->num_inputs)
#define APP_MODEL_NUM_OUTPUTS (tk_model_description()->num_outputs)
#define APP_MODEL_ARENA_BYTES (tk_model_description()->arena_bytes)
#define APP_MODEL_NAME (tk_model_description()->name)
#define APP_MODEL_BUILD_HASH (tk_model_description()->build_hash)
/* MLPerf Tiny's benchmark id, else the model's name. */
#define APP_MODEL_MLPERF_ID \
    (tk_model_description()->mlperf_id[0] != '\0' ? tk_model_description()->mlperf_id : tk_model_description()->name)
#else
#define APP_MODEL_NUM_OPS TK_MODEL_NUM_OPS
#define APP_MODEL_NUM_INPUTS TK_MODEL_NUM_INPUTS
#define APP_MODEL_NUM_OUTPUTS TK_MODEL_NUM_OUTPUTS
#define APP_MODEL_ARENA_BYTES TK_MODEL_ARENA_BYTES
#define APP_MODEL_NAME TK_MODEL_NAME
#define APP_MODEL_BUILD_HASH TK_MODEL_BUILD_HASH
#define APP_MODEL_MLPERF_ID TK_MODEL_NAME
#endif

#endif /* MODEL_FIGURES_H */
