#include "model.h"

/* The one mutable global, as a generated model's arena. */
static features_arena arena;

tk_status tk_model_invoke_op(int32_t op_index)
{
    if (op_index == 0) {
        arena.gain = tk_mfcc_clip_gain(arena.pcm, TK_MFCC_CLIP_SAMPLES);
        return TK_OK;
    }
    if (op_index <= TK_MFCC_FRAMES) {
        int32_t frame = op_index - 1;
        tk_mfcc_frame(&arena.pcm[frame * TK_MFCC_STRIDE], arena.gain, &arena.scratch,
                      &arena.mfcc[frame * TK_MFCC_COEFFS]);
        return TK_OK;
    }
    if (op_index == TK_MODEL_NUM_OPS - 1) {
        tk_mfcc_quantize(arena.mfcc, TK_MFCC_FEATURES, arena.scale, arena.zero_point, arena.features);
        return TK_OK;
    }
    return TK_ERROR_ARGUMENT;
}

/* A whole inference goes through the clip function (the per-op path above
 * mirrors it, so `tk-layers` can time each frame). */
tk_status tk_model_invoke(void)
{
    tk_mfcc_clip(arena.pcm, TK_MFCC_CLIP_SAMPLES, &arena.scratch, arena.mfcc);
    tk_mfcc_quantize(arena.mfcc, TK_MFCC_FEATURES, arena.scale, arena.zero_point, arena.features);
    return TK_OK;
}

void *tk_model_input(int32_t index)
{
    return index == 0 ? (void *)&arena : (void *)0; /* pcm, scale, zero point */
}

int32_t tk_model_input_bytes(int32_t index)
{
    return index == 0 ? TK_MODEL_INPUTS_TOTAL_BYTES : 0;
}

void *tk_model_output(int32_t index)
{
    return index == 0 ? (void *)arena.features : (void *)0;
}

int32_t tk_model_output_bytes(int32_t index)
{
    return index == 0 ? TK_MFCC_FEATURES : 0;
}
