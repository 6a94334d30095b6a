/* The 512-point real FFT as a 256-point complex FFT of the samples taken in
 * pairs (z[m] = x[2m] + i x[2m+1]), radix-2 decimation in time, followed by
 * the split that separates the even and odd samples' spectra. Only the bins
 * the mel filterbank weighs are split and measured. */
#include "mfcc_internal.h"

#define POINTS (TK_MFCC_FFT_SIZE / 2) /* complex points */
#define LOG2_POINTS 8

static uint32_t bit_reverse(uint32_t index)
{
    uint32_t reversed = 0;
    int32_t bit;
    for (bit = 0; bit < LOG2_POINTS; ++bit) {
        reversed = (reversed << 1) | ((index >> bit) & 1u);
    }
    return reversed;
}

static void complex_fft(float *z)
{
    uint32_t i;
    uint32_t size;
    for (i = 0; i < POINTS; ++i) {
        uint32_t j = bit_reverse(i);
        if (j > i) {
            float re = z[2 * i];
            float im = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = re;
            z[2 * j + 1] = im;
        }
    }
    for (size = 2; size <= POINTS; size *= 2) {
        uint32_t half = size / 2;
        uint32_t step = TK_MFCC_FFT_SIZE / size; /* twiddle index step: exp(-2 pi i j / size) */
        uint32_t start;
        for (start = 0; start < POINTS; start += size) {
            uint32_t j;
            for (j = 0; j < half; ++j) {
                float c = TK_MFCC_COS[j * step];
                float s = TK_MFCC_SIN[j * step];
                float *a = &z[2 * (start + j)];
                float *b = &z[2 * (start + j + half)];
                /* t = b * (c - i s) */
                float t_re = c * b[0] + s * b[1];
                float t_im = c * b[1] - s * b[0];
                b[0] = a[0] - t_re;
                b[1] = a[1] - t_im;
                a[0] = a[0] + t_re;
                a[1] = a[1] + t_im;
            }
        }
    }
}

void tk_mfcc_fft_magnitude(float buf[TK_MFCC_FFT_SIZE], float magnitude[TK_MFCC_USED_BINS])
{
    int32_t k;
    complex_fft(buf);
    for (k = TK_MFCC_FIRST_BIN; k <= TK_MFCC_LAST_BIN; ++k) {
        /* E = (Z[k] + conj Z[N-k]) / 2, O = (Z[k] - conj Z[N-k]) / 2i,
         * X[k] = E + exp(-2 pi i k / 512) O. */
        const float *zk = &buf[2 * k];
        const float *zn = &buf[2 * ((POINTS - k) % POINTS)];
        float even_re = 0.5f * (zk[0] + zn[0]);
        float even_im = 0.5f * (zk[1] - zn[1]);
        float odd_re = 0.5f * (zk[1] + zn[1]);
        float odd_im = -0.5f * (zk[0] - zn[0]);
        float c = TK_MFCC_COS[k];
        float s = TK_MFCC_SIN[k];
        float re = even_re + (c * odd_re + s * odd_im);
        float im = even_im + (c * odd_im - s * odd_re);
        magnitude[k - TK_MFCC_FIRST_BIN] = tk_mfcc_sqrt(re * re + im * im);
    }
}
