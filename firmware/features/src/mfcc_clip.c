/* A whole 1 s clip, scaled by 1 / its largest sample as MLPerf does. */
#include <string.h>

#include "mfcc_internal.h"

int16_t tk_mfcc_peak(const int16_t *pcm, size_t count)
{
    int16_t peak = INT16_MIN;
    size_t i;
    for (i = 0; i < count; ++i) {
        if (pcm[i] > peak) {
            peak = pcm[i];
        }
    }
    return peak;
}

float tk_mfcc_clip_gain(const int16_t *pcm, size_t count)
{
    int16_t peak = tk_mfcc_peak(pcm, count);
    return peak > 0 ? 1.0f / (float)peak : TK_MFCC_SILENT_GAIN;
}

void tk_mfcc_clip(const int16_t *pcm, size_t count, tk_mfcc_scratch *scratch, float out[TK_MFCC_FEATURES])
{
    size_t used = count < TK_MFCC_CLIP_SAMPLES ? count : TK_MFCC_CLIP_SAMPLES;
    float gain = tk_mfcc_clip_gain(pcm, used);
    int16_t padded[TK_MFCC_WINDOW];
    int32_t frame;
    for (frame = 0; frame < TK_MFCC_FRAMES; ++frame) {
        size_t start = (size_t)frame * TK_MFCC_STRIDE;
        const int16_t *window = &pcm[start];
        if (start + TK_MFCC_WINDOW > used) {
            /* a short clip: this frame runs into the zero padding */
            size_t have = start < used ? used - start : 0;
            memset(padded, 0, sizeof padded);
            if (have > 0) {
                memcpy(padded, &pcm[start], have * sizeof padded[0]);
            }
            window = padded;
        }
        tk_mfcc_frame(window, gain, scratch, &out[frame * TK_MFCC_COEFFS]);
    }
}
