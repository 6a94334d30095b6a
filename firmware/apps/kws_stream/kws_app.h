/* Keyword spotting on a stream of 16 kHz PCM: one MFCC frame per 20 ms into
 * a ring (tk_mfcc_stream), the model run every stride on the ring's last
 * 49 frames (cut to the frames and coefficients the model takes), its
 * posteriors averaged over the last strides, a detection when the best
 * keyword's average reaches the threshold, then a suppression time. Everything is integer but the features, so the host
 * can replay a run exactly (tests/kws_stream_host.py). */
#ifndef TK_KWS_APP_H
#define TK_KWS_APP_H

#include <stdint.h>

#include "model.h"
#include "tinykit/mfcc.h"

#define KWS_SAMPLE_RATE 16000
/* Samples one tk-pcm command carries at most: 100 ms, five frames. */
#define KWS_CHUNK_MAX_SAMPLES (5 * TK_MFCC_STRIDE)
/* Most strides the posteriors can be averaged over. */
#define KWS_AVERAGE_MAX 16
#define KWS_CLASSES TK_MODEL_OUTPUT0_BYTES

/* The model's view of the window, from its input shape 1 x frames x
 * coefficients (x 1): its most recent KWS_FRAMES frames and the first
 * KWS_COEFFS coefficients of each (kws_app.c says why the most recent).
 * tinykit.kws.features.feature_resolution refuses other inputs before the
 * build; these checks stop a hand-made model.h. */
#define KWS_FRAMES TK_MODEL_INPUT0_DIM1
#define KWS_COEFFS TK_MODEL_INPUT0_DIM2
#if TK_MODEL_INPUT0_RANK < 3 || TK_MODEL_INPUT0_BYTES != KWS_FRAMES * KWS_COEFFS || KWS_FRAMES > TK_MFCC_FRAMES || \
    KWS_COEFFS > TK_MFCC_COEFFS
#error "the model's input must be 1 x frames x coefficients (x 1), at most 49 x 10 MFCCs"
#endif

typedef struct {
    int32_t stride_samples;   /* the model runs at the first frame ending at or after each multiple */
    int32_t average_strides;  /* posteriors averaged over this many strides (1..KWS_AVERAGE_MAX) */
    int32_t threshold;        /* detection: mean posterior >= this, in output steps above the zero point */
    int32_t suppress_samples; /* no new detection this soon after one */
    int32_t keywords;         /* classes 0..keywords-1 are keywords; the rest (silence, unknown) never fire */
} kws_settings;

typedef struct {
    tk_mfcc_stream mfcc;
    float window[TK_MFCC_FEATURES];
    int16_t chunk[KWS_CHUNK_MAX_SAMPLES];
    /* Each stride's outputs minus the zero point (0..255 for a softmax), a ring. */
    int16_t posteriors[KWS_AVERAGE_MAX][KWS_CLASSES];
    int32_t history;      /* strides in the ring, up to average_strides */
    int32_t history_next; /* ring slot of the next stride */
    kws_settings settings;
    uint32_t samples;        /* pushed since the last reset */
    uint32_t next_stride;    /* the next multiple of the stride */
    uint32_t last_detection; /* sample of the last detection */
    int32_t detected;        /* nonzero once there was a detection */
    uint32_t feature_cycles; /* front-end cycles since the last stride */
} kws_app;

/* Forget all audio; keep the settings. */
void kws_reset(kws_app *app);

/* Feed app->chunk[0 .. count) (count a multiple of 320): one frame per 320
 * samples, and at each stride an inference that prints an m-tk-stride
 * record and, for a detection, an m-tk-detect record. 0 if the model failed. */
int32_t kws_feed(kws_app *app, int32_t count);

#endif /* TK_KWS_APP_H */
