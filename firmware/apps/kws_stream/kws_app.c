#include "kws_app.h"

#include "console.h"
#include "tinykit/bsp.h"

void kws_reset(kws_app *app)
{
    tk_mfcc_stream_init(&app->mfcc);
    app->history = 0;
    app->history_next = 0;
    app->samples = 0;
    app->next_stride = (uint32_t)app->settings.stride_samples;
    app->last_detection = 0;
    app->detected = 0;
    app->feature_cycles = 0;
}

static void print_stride(const kws_app *app, uint32_t feature_cycles, uint32_t infer_cycles, const int8_t *out)
{
    tk_record record;
    record_begin(&record, "stride");
    record_uint_field(&record, "sample", app->samples);
    record_uint_field(&record, "feature", feature_cycles);
    record_uint_field(&record, "infer", infer_cycles);
    record_key(&record, "out");
    record_hex(&record, (const uint8_t *)out, KWS_CLASSES);
    record_end(&record);
}

/* The best keyword's summed posteriors over the ring; a detection when its
 * mean reaches the threshold outside the suppression time. */
static void decide(kws_app *app)
{
    int32_t best = 0;
    int32_t best_sum = -1;
    int32_t c;
    int32_t s;
    tk_record record;

    for (c = 0; c < app->settings.keywords; ++c) {
        int32_t sum = 0;
        for (s = 0; s < app->history; ++s) {
            sum += app->posteriors[s][c];
        }
        if (sum > best_sum) {
            best_sum = sum;
            best = c;
        }
    }
    if (best_sum < app->settings.threshold * app->history) {
        return;
    }
    if (app->detected && app->samples - app->last_detection < (uint32_t)app->settings.suppress_samples) {
        return;
    }
    app->detected = 1;
    app->last_detection = app->samples;
    record_begin(&record, "detect");
    record_uint_field(&record, "label", (uint64_t)best);
    record_uint_field(&record, "score", (uint64_t)best_sum);
    record_uint_field(&record, "strides", (uint64_t)app->history);
    record_uint_field(&record, "sample", app->samples);
    record_end(&record);
}

static int32_t stride(kws_app *app)
{
    const int8_t *out = (const int8_t *)tk_model_output(0);
    int8_t *input = (int8_t *)tk_model_input(0);
    uint32_t start = tk_bsp_cycles();
    uint32_t features_done;
    tk_status status;
    int32_t frame;
    int32_t c;

    tk_mfcc_stream_window(&app->mfcc, app->window);
    /* The model's frames: the window's most recent KWS_FRAMES, the first
     * KWS_COEFFS coefficients of each (all of it for a 49 x 10 model). A
     * searched model of fewer frames was trained on the first frames of 1 s
     * clips; a stream has no clip boundaries and slides every word through
     * every position of the window, so the latest frames show the model what
     * training showed it, (49 - KWS_FRAMES) * 20 ms sooner than the oldest
     * would. The gain stays the whole second's, as a clip's covers the clip
     * (tinykit.kws.features.latest_frames is the host's twin). */
    for (frame = 0; frame < KWS_FRAMES; ++frame) {
        tk_mfcc_quantize(&app->window[(TK_MFCC_FRAMES - KWS_FRAMES + frame) * TK_MFCC_COEFFS], KWS_COEFFS,
                         TK_MODEL_INPUT0_SCALE, TK_MODEL_INPUT0_ZERO_POINT, input + frame * KWS_COEFFS);
    }
    features_done = tk_bsp_cycles();
    status = tk_model_invoke();
    app->feature_cycles += features_done - start;
    if (status != TK_OK) {
        console_text("e-[inference failed: tk_model_invoke returned status ");
        console_uint((uint64_t)status);
        console_line("]");
        return 0;
    }
    print_stride(app, app->feature_cycles, tk_bsp_cycles() - features_done, out);
    app->feature_cycles = 0;
    for (c = 0; c < KWS_CLASSES; ++c) {
        app->posteriors[app->history_next][c] = (int16_t)(out[c] - TK_MODEL_OUTPUT0_ZERO_POINT);
    }
    app->history_next = (app->history_next + 1) % app->settings.average_strides;
    if (app->history < app->settings.average_strides) {
        app->history++;
    }
    decide(app);
    return 1;
}

int32_t kws_feed(kws_app *app, int32_t count)
{
    int32_t offset;

    for (offset = 0; offset + TK_MFCC_STRIDE <= count; offset += TK_MFCC_STRIDE) {
        uint32_t start = tk_bsp_cycles();
        tk_mfcc_stream_push(&app->mfcc, &app->chunk[offset]);
        app->feature_cycles += tk_bsp_cycles() - start;
        app->samples += TK_MFCC_STRIDE;
        if (app->samples < app->next_stride) {
            continue;
        }
        /* Every multiple of the stride passed since: a stride that is no
         * multiple of 20 ms runs at the first frame after each, so its mean
         * period is exact. Before the ring is full, the multiples pass unused. */
        while (app->next_stride <= app->samples) {
            app->next_stride += (uint32_t)app->settings.stride_samples;
        }
        if (tk_mfcc_stream_full(&app->mfcc) && !stride(app)) {
            return 0;
        }
    }
    return 1;
}
