/* The 512-point real FFT as a 256-point complex FFT of the samples taken in
 * pairs (z[m] = x[2m] + i x[2m+1]), radix-2 decimation in time, followed by
 * the split that separates the even and odd samples' spectra. Only the bins
 * the mel filterbank weighs are split and measured. */
#include "mfcc_internal.h"

#define POINTS (TK_MFCC_FFT_SIZE / 2) /* complex points */
#define QUARTER (TK_MFCC_FFT_SIZE / 4)

/* sin(2 pi k / 512) = cos(2 pi (128 - k) / 512), for k = 0..255 */
static float twiddle_sin(uint32_t k)
{
    return TK_MFCC_COS[k <= QUARTER ? QUARTER - k : k - QUARTER];
}

/* The input in bit-reversed order, then the first two radix-2 stages fused:
 * their twiddles are 1 and -i, so they need no multiplication. */
static void first_stages(float *z)
{
    uint32_t i;
    for (i = 0; i < POINTS; ++i) {
        uint32_t j = TK_MFCC_BIT_REVERSED[i];
        if (j > i) {
            float re = z[2 * i];
            float im = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = re;
            z[2 * j + 1] = im;
        }
    }
    for (i = 0; i < 2 * POINTS; i += 8) {
        float *a = &z[i];
        float s0_re = a[0] + a[2];
        float s0_im = a[1] + a[3];
        float d0_re = a[0] - a[2];
        float d0_im = a[1] - a[3];
        float s1_re = a[4] + a[6];
        float s1_im = a[5] + a[7];
        float d1_re = a[4] - a[6];
        float d1_im = a[5] - a[7];
        a[0] = s0_re + s1_re;
        a[1] = s0_im + s1_im;
        a[4] = s0_re - s1_re;
        a[5] = s0_im - s1_im;
        /* d1 * -i = (d1_im, -d1_re) */
        a[2] = d0_re + d1_im;
        a[3] = d0_im - d1_re;
        a[6] = d0_re - d1_im;
        a[7] = d0_im + d1_re;
    }
}

/* Radix-2 decimation in time, in place on 256 interleaved complex values. */
static void complex_fft(float *z)
{
    uint32_t size;
    first_stages(z);
    for (size = 8; size <= POINTS; size *= 2) {
        uint32_t half = size / 2;
        uint32_t step = TK_MFCC_FFT_SIZE / size; /* twiddle index step: exp(-2 pi i j / size) */
        uint32_t j;
        for (j = 0; j < half; ++j) {
            float c = TK_MFCC_COS[j * step];
            float s = twiddle_sin(j * step);
            uint32_t start;
            for (start = j; start < POINTS; start += size) {
                float *a = &z[2 * start];
                float *b = &z[2 * (start + half)];
                /* read all four first: a and b point into one array, so
                 * the compiler would reload them after every store */
                float a_re = a[0];
                float a_im = a[1];
                float b_re = b[0];
                float b_im = b[1];
                /* t = b * (c - i s) */
                float t_re = c * b_re + s * b_im;
                float t_im = c * b_im - s * b_re;
                b[0] = a_re - t_re;
                b[1] = a_im - t_im;
                a[0] = a_re + t_re;
                a[1] = a_im + t_im;
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
        float s = twiddle_sin((uint32_t)k);
        float re = even_re + (c * odd_re + s * odd_im);
        float im = even_im + (c * odd_im - s * odd_re);
        magnitude[k - TK_MFCC_FIRST_BIN] = tk_mfcc_sqrt(re * re + im * im);
    }
}
