/* Pieces of the MFCC front end shared between its source files. */
#ifndef TK_MFCC_INTERNAL_H
#define TK_MFCC_INTERNAL_H

#include <stdint.h>

#include "mfcc_tables.h"
#include "tinykit/mfcc.h"

/* A fused multiply-add rounds once where the host rounds twice, so the
 * device's features would differ from training's. GCC fuses across
 * statements in its GNU modes and not in ISO C (-std=c99); clang fuses
 * within expressions unless told not to. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__) && !defined(__STRICT_ANSI__)
#error "build the MFCC front end with -std=c99: GCC's GNU modes fuse multiply-adds (-ffp-contract=fast)"
#endif

#define TK_MFCC_USED_BINS (TK_MFCC_LAST_BIN - TK_MFCC_FIRST_BIN + 1)

/* Natural log of x for x >= 2^-126 (a normal float), from +, -, *, / only. */
float tk_mfcc_log(float x);

/* Square root from +, -, * only; 0 for x below 2^-100 (too small to move
 * log(mel + 1e-6) by one float step). */
float tk_mfcc_sqrt(float x);

/* In place: `buf` holds 512 real samples; on return magnitude[k - FIRST_BIN]
 * is |X[k]| of their 512-point DFT for k = FIRST_BIN..LAST_BIN. `buf` is
 * left holding the 256-point complex FFT of the samples taken in pairs. */
void tk_mfcc_fft_magnitude(float buf[TK_MFCC_FFT_SIZE], float magnitude[TK_MFCC_USED_BINS]);

/* The largest of `count` samples (INT16_MIN for none). */
int16_t tk_mfcc_peak(const int16_t *pcm, size_t count);

#endif /* TK_MFCC_INTERNAL_H */
