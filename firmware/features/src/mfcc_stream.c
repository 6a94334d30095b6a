/* The streaming ring: one frame per 320 new samples, the window of the last
 * 49 frames rescaled to its largest sample on request (see mfcc.h). */
#include <string.h>

#include "mfcc_internal.h"

#define OVERLAP (TK_MFCC_WINDOW - TK_MFCC_STRIDE)

void tk_mfcc_stream_init(tk_mfcc_stream *stream)
{
    memset(stream, 0, sizeof *stream);
}

size_t tk_mfcc_stream_bytes(void)
{
    return sizeof(tk_mfcc_stream);
}

void tk_mfcc_stream_push(tk_mfcc_stream *stream, const int16_t samples[TK_MFCC_STRIDE])
{
    memmove(stream->samples, &stream->samples[TK_MFCC_STRIDE], OVERLAP * sizeof stream->samples[0]);
    memcpy(&stream->samples[OVERLAP], samples, TK_MFCC_STRIDE * sizeof stream->samples[0]);
    if (stream->samples_seen < TK_MFCC_WINDOW) {
        stream->samples_seen += TK_MFCC_STRIDE;
        if (stream->samples_seen < TK_MFCC_WINDOW) {
            return;
        }
    }
    tk_mfcc_frame(stream->samples, TK_MFCC_SILENT_GAIN, &stream->scratch, stream->frames[stream->next]);
    stream->peaks[stream->next] = tk_mfcc_peak(stream->samples, TK_MFCC_WINDOW);
    stream->next = (stream->next + 1) % TK_MFCC_FRAMES;
    if (stream->frames_done < TK_MFCC_FRAMES) {
        stream->frames_done += 1;
    }
}

int32_t tk_mfcc_stream_full(const tk_mfcc_stream *stream)
{
    return stream->frames_done == TK_MFCC_FRAMES;
}

void tk_mfcc_stream_window(const tk_mfcc_stream *stream, float out[TK_MFCC_FEATURES])
{
    int16_t peak = tk_mfcc_peak(stream->peaks, TK_MFCC_FRAMES);
    /* ln(window gain / frame gain) moves every log-mel band alike, so only
     * coefficient 0 changes, by that times the sum of DCT row 0. */
    float shift = 0.0f;
    int32_t frame;
    if (peak > 0) {
        shift = TK_MFCC_DCT0_SUM * tk_mfcc_log((1.0f / (float)peak) / TK_MFCC_SILENT_GAIN);
    }
    for (frame = 0; frame < TK_MFCC_FRAMES; ++frame) {
        const float *source = stream->frames[(stream->next + frame) % TK_MFCC_FRAMES];
        float *target = &out[frame * TK_MFCC_COEFFS];
        memcpy(target, source, TK_MFCC_COEFFS * sizeof target[0]);
        target[0] = target[0] + shift;
    }
}
