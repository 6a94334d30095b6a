/* The MFCC front end dressed as a model, so the profiler app (its serial
 * protocol, input loading with CRC check, per-op cycle counts and raw output
 * dump) can run it on a board: build the profiler's sources with this
 * folder's model.c instead of a generated model.
 *
 * Input (32008 bytes): 16000 int16 samples, then the float32 input scale and
 * the int32 zero point to quantize with (all little-endian).
 * Ops (for per-op timing): 0 the clip's gain, 1..49 one frame each, 50
 * quantize; a whole inference calls tk_mfcc_clip.
 * Output: the 490 int8 features, frame-major. */
#ifndef TK_MODEL_H
#define TK_MODEL_H

#include "tinykit/mfcc.h"
#include "tinykit/model_api.h"

#define TK_MODEL_NAME "mfcc"
#define TK_MODEL_BUILD_HASH "00000000000mfcc0"
#define TK_MODEL_NUM_OPS (TK_MFCC_FRAMES + 2)
#define TK_MODEL_NUM_INPUTS 1
#define TK_MODEL_NUM_OUTPUTS 1
#define TK_MODEL_INPUTS_TOTAL_BYTES (TK_MFCC_CLIP_SAMPLES * 2 + 8)
#define TK_MODEL_ARENA_BYTES ((int32_t)sizeof(features_arena))

typedef struct {
    int16_t pcm[TK_MFCC_CLIP_SAMPLES];
    float scale;
    int32_t zero_point;
    float gain;
    float mfcc[TK_MFCC_FEATURES];
    tk_mfcc_scratch scratch;
    int8_t features[TK_MFCC_FEATURES];
} features_arena;

#endif /* TK_MODEL_H */
