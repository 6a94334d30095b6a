/* One frame: window, FFT magnitude, mel filterbank, log, DCT. */
#include "mfcc_internal.h"

void tk_mfcc_frame(const int16_t samples[TK_MFCC_WINDOW], float gain, tk_mfcc_scratch *scratch,
                   float out[TK_MFCC_COEFFS])
{
    float magnitude[TK_MFCC_USED_BINS];
    float log_mel[TK_MFCC_MEL_BANDS];
    float *buf = scratch->fft;
    const float *weight = TK_MFCC_MEL_WEIGHT;
    int32_t n;
    int32_t band;
    int32_t k;
    for (n = 0; n < TK_MFCC_WINDOW; ++n) {
        buf[n] = ((float)samples[n] * gain) * TK_MFCC_HANN[n];
    }
    for (; n < TK_MFCC_FFT_SIZE; ++n) {
        buf[n] = 0.0f;
    }
    tk_mfcc_fft_magnitude(buf, magnitude);
    for (band = 0; band < TK_MFCC_MEL_BANDS; ++band) {
        const float *bins = &magnitude[TK_MFCC_MEL_START[band] - TK_MFCC_FIRST_BIN];
        float energy = 0.0f;
        int32_t i;
        for (i = 0; i < (int32_t)TK_MFCC_MEL_COUNT[band]; ++i) {
            energy = energy + *weight++ * bins[i];
        }
        log_mel[band] = tk_mfcc_log(energy + TK_MFCC_LOG_EPSILON);
    }
    for (k = 0; k < TK_MFCC_COEFFS; ++k) {
        float sum = 0.0f;
        for (band = 0; band < TK_MFCC_MEL_BANDS; ++band) {
            sum = sum + TK_MFCC_DCT[k][band] * log_mel[band];
        }
        out[k] = sum;
    }
}
