/* DEPTHWISE_CONV_2D with depth multiplier 1 and channels in whole words (a
 * multiple of 4), any filter size up to TK_DW_C4_MAX_TAPS taps, stride and
 * dilation, for cores with the DSP extension, with no scratch: the results of
 * tk_depthwise_conv_s8 (reference/) from constants the build prepared (layout
 * "dw_c4", tinykit/schedule/kernels/conv.py, written by
 * tinykit/codegen/ops/conv.py):
 *   - filter: the taps (row-major) in pairs, per group of four channels c0..c3
 *     and per pair (t, t + 1) four words, the int16 pair (2 w[t][ck],
 *     2 w[t + 1][ck]) for k = 0..3; an odd count of at least 3 taps ends with
 *     its last tap alone, two words (2 w[c0], 2 w[c2]) and (2 w[c1], 2 w[c3]);
 *     a filter of one tap is one pair completed by a zero tap;
 *   - channels: per group 16 int32: for each of the four channels twice its
 *     bias with the input offset's contribution folded in (bias + input offset
 *     * the sum of its taps), then per channel tk_requant_doubled's high term,
 *     the multiplier and the right shift e.
 * Filter and bias doubled make the accumulator 2 * acc, which
 * tk_requant_doubled (tinykit/requant_doubled.h) wants; the build chooses
 * this kernel only where every channel's requantization takes that path and
 * twice the accumulator fits in int32. With the offset folded in, the kernel
 * multiplies raw inputs, and a tap in the padding reads the input zero point
 * (which then adds nothing, as the reference skips such taps).
 *
 * A pair of taps of four channels: two input words A (tap t) and B (tap
 * t + 1); their low halves side by side (PKHBT: bytes a0 a1 b0 b1) and their
 * high halves (PKHTB: a2 a3 b2 b3), each widened by SXTB16 twice, give per
 * channel the pair (a, b) the filter word multiplies in one SMLAD: 8 MACs from
 * two input loads, two packs, four widenings, two double-word filter loads and
 * four SMLADs. A lone tap widens its word twice (c0 c2, c1 c3) for SMLABB and
 * SMLATT: 4 MACs in 8 instructions, not the 14 of a pair with a zero tap.
 *
 * Every window, inside the image or reaching into the padding, runs the same
 * assembly loop over a table of the taps' input offsets from the group's
 * origin (pairs, then an end marker with the lone tap's offset). The offsets
 * of a window inside the image are the same for all of them: one table per
 * call. For a window reaching into the padding the table is rewritten (and
 * restored after, one table on the stack rather than two): its taps outside
 * the image point at a stack buffer of zero-point words, one per group of a
 * chunk of ZERO_GROUPS groups (the origin moves on by a word per group, so
 * does the buffer's word). The loop runs a row's inside windows one after
 * another, and requantizes and stores (clamped to all of int8) without
 * leaving registers; a narrower clamp is applied to the stored bytes after.
 *
 * Order (the overlap rule "channel by channel", tinykit/schedule/overlap.py):
 * output pixels in NHWC order, and within a pixel groups of four channels in
 * ascending order, each group's four outputs stored right after its window's
 * reads of those four channels (a narrower clamp rewrites bytes already
 * written, so nothing is overwritten earlier).
 */
#include <string.h>

#include "tinykit/acle.h"
#include "tinykit/conv.h"
#include "tinykit/conv_geometry.h"
#include "tinykit/depthwise_dm1.h"
#include "tinykit/dsp_dot.h"
#include "tinykit/requant_doubled.h"
#include "tinykit/invoke.h"

/* int32 words of a group's record: four doubled biases, then (high, multiplier, e) per channel. */
#define GROUP_WORDS 16
/* The groups one zero-point buffer serves (its words: 64 bytes of stack). */
#define ZERO_GROUPS 16
/* A table's end marker, in place of a pair's first offset (offsets are multiples of 4; the loop
 * tells them apart by bits 0 and 1): the filter ends with a lone tap, whose offset follows, or not. */
#define END_LONE 2
#define END_PAIRS 3
/* Pairs the assembly loop runs unrolled, one pass (60 bytes of code each): a group's first pass
 * starts part-way in, with the pairs left over from whole passes (at most 8 pairs, every 3x3 and
 * 1-D filter of up to 16 taps: a single pass), so the loop's test comes once per pass, not per pair. */
#define UNROLLED_PAIRS 8
#define PAIR_CODE_BYTES 60
#define DW_C4_STRING(x) #x
#define DW_C4_EXPANDED_STRING(x) DW_C4_STRING(x)

/* What the loop over a run of windows reads besides its input and output pointers. */
typedef struct {
    const intptr_t *table;      /* the windows' tap offsets */
    const int32_t *records;     /* the first group's record */
    const int32_t *records_end; /* past the last group's record */
    const int32_t *filter;      /* the first group's filter */
    intptr_t pixel_step;        /* input bytes from the origin past the last group to the next window's origin */
    const int8_t *out_end;      /* past the run's last output */
    int32_t entry_back;         /* code bytes from the end of the unrolled pass back to a group's first pair */
} run_consts;

#if defined(__ARM_FEATURE_DSP)
/* One pair of taps of the group, a, b holding the pair's offsets, then the next pair's offsets
 * loaded: fifteen 32-bit instructions (.w), PAIR_CODE_BYTES bytes, so a computed entry lands on a pair. */
#define DW_C4_PAIR \
    "ldr.w %[a], [%[in], %[a]]\n\t" \
    "ldr.w %[b], [%[in], %[b]]\n\t" \
    "ldrd %[w0], %[w1], [%[p]], #16\n\t" \
    "pkhbt %[t], %[a], %[b], lsl #16\n\t" \
    "pkhtb %[b], %[b], %[a], asr #16\n\t" \
    "sxtb16 %[a], %[t]\n\t" \
    "smlad r0, %[a], %[w0], r0\n\t" \
    "sxtb16 %[a], %[t], ror #8\n\t" \
    "smlad r1, %[a], %[w1], r1\n\t" \
    "ldrd %[w0], %[w1], [%[p], #-8]\n\t" \
    "sxtb16 %[a], %[b]\n\t" \
    "smlad r2, %[a], %[w0], r2\n\t" \
    "sxtb16 %[a], %[b], ror #8\n\t" \
    "smlad r3, %[a], %[w1], r3\n\t" \
    "ldrd %[a], %[b], [%[o]], #8\n\t"

/* The lone tap at offset b. */
#define DW_C4_LONE \
    "ldr %[a], [%[in], %[b]]\n\t" \
    "ldrd %[w0], %[w1], [%[p]], #8\n\t" \
    "sxtb16 %[t], %[a]\n\t" \
    "smlabb r0, %[t], %[w0], r0\n\t" \
    "smlatt r2, %[t], %[w0], r2\n\t" \
    "sxtb16 %[t], %[a], ror #8\n\t" \
    "smlabb r1, %[t], %[w1], r1\n\t" \
    "smlatt r3, %[t], %[w1], r3\n\t"

/* tk_requant_doubled of the accumulators in registers ACC and NEXT, saturated to int8 and stored:
 * the two channels' (high, multiplier, e) in one LDM, into the temporaries a, b, t (r4-r6) and
 * w0, w1, o (r8, r9, r12; the offsets pointer is reloaded for the next group). */
#define DW_C4_REQUANT_STORE2(acc, next) \
    "ldmia %[r]!, {r4-r6, r8, r9, r12}\n\t" \
    "add r4, r4, " acc ", asr #31\n\t" \
    "smmlar " acc ", " acc ", r5, r4\n\t" \
    "asr " acc ", " acc ", r6\n\t" \
    "ssat " acc ", #8, " acc "\n\t" \
    "strb " acc ", [%[out]], #1\n\t" \
    "add r8, r8, " next ", asr #31\n\t" \
    "smmlar " next ", " next ", r9, r8\n\t" \
    "asr " next ", " next ", r12\n\t" \
    "ssat " next ", #8, " next "\n\t" \
    "strb " next ", [%[out]], #1\n\t"

/* Every group of `k`'s run of windows, the first at `in`, outputs from `out` on, in assembly: the
 * accumulators c0..c3 in r0-r3 and the temporaries in fixed registers, so one LDM loads four biases
 * or two channels' constants; the run's other values stay in the stack frame (memory operands).
 * GCC 12 spills accumulators and pointers from the same loop in C. The loop takes all 14 registers,
 * r7 included: a function of its own, built without a frame pointer whatever the flags. */
static __attribute__((noinline, optimize("omit-frame-pointer"))) void run_windows(const run_consts *k, uintptr_t in,
                                                                                   int8_t *out)
{
    const run_consts s = *k; /* a local copy: its fields are stack-relative operands */
    register int32_t c0 __asm__("r0");
    register int32_t c1 __asm__("r1");
    register int32_t c2 __asm__("r2");
    register int32_t c3 __asm__("r3");
    register int32_t a __asm__("r4");
    register int32_t b __asm__("r5");
    register int32_t t __asm__("r6");
    register const int32_t *r __asm__("r7") = s.records;
    register int32_t w0 __asm__("r8");
    register int32_t w1 __asm__("r9");
    register uintptr_t in_reg __asm__("r10") = in;
    register int8_t *out_reg __asm__("r11") = out;
    register const intptr_t *o __asm__("r12");
    register const int32_t *p __asm__("lr") = s.filter;
    uintptr_t entry = 0; /* where a group's first pass starts (with the Thumb bit, for LDR PC) */
    __asm__ volatile(
        "adr %[t], 4f\n\t"
        "ldr %[a], %[entry_back]\n\t"
        "sub %[t], %[t], %[a]\n\t"
        "add %[t], %[t], #1\n\t"
        "str %[t], %[entry]\n\t"
        "1:\n\t"
        "ldmia %[r]!, {r0-r3}\n\t"
        "ldr %[o], %[table]\n\t"
        "ldrd %[a], %[b], [%[o]], #8\n\t"
        "ldr pc, %[entry]\n\t"
        "2:\n\t"
        ".rept " DW_C4_EXPANDED_STRING(UNROLLED_PAIRS) "\n\t"
        DW_C4_PAIR
        ".endr\n\t"
        "4:\n\t"
        "lsls %[t], %[a], #31\n\t" /* C: bit 1 (an end marker), Z: bit 0 clear (END_LONE) */
        "bcc 2b\n\t"
        "bne 3f\n\t"
        DW_C4_LONE
        "3:\n\t"
        DW_C4_REQUANT_STORE2("r0", "r1")
        DW_C4_REQUANT_STORE2("r2", "r3")
        "add %[in], %[in], #4\n\t"
        "ldr %[t], %[records_end]\n\t"
        "cmp %[r], %[t]\n\t"
        "bne 1b\n\t"
        "ldr %[t], %[pixel_step]\n\t"
        "add %[in], %[in], %[t]\n\t"
        "ldr %[r], %[records]\n\t"
        "ldr %[p], %[filter]\n\t"
        "ldr %[t], %[out_end]\n\t"
        "cmp %[out], %[t]\n\t"
        "bne 1b\n\t"
        : "=r"(c0), "=r"(c1), "=r"(c2), "=r"(c3), [a] "=r"(a), [b] "=r"(b), [t] "=r"(t), [r] "+r"(r),
          [w0] "=r"(w0), [w1] "=r"(w1), [in] "+r"(in_reg), [out] "+r"(out_reg), [o] "=r"(o), [p] "+r"(p),
          [entry] "+m"(entry)
        : [entry_back] "m"(s.entry_back), [table] "m"(s.table), [records] "m"(s.records),
          [records_end] "m"(s.records_end), [filter] "m"(s.filter), [pixel_step] "m"(s.pixel_step),
          [out_end] "m"(s.out_end)
        : "cc", "memory");
}
#else
/* The input word at in + offset (an offset may lead to the zero-point buffer, another object). */
static inline int32_t tap_word(uintptr_t in, intptr_t offset)
{
    return tk_load_word((const void *)(in + (uintptr_t)offset));
}

/* run_windows in C, step for step. */
static void run_windows(const run_consts *k, uintptr_t in, int8_t *out)
{
    const int32_t *r = k->records;
    const int32_t *p = k->filter;
    for (;;) {
        int32_t acc[4] = {r[0], r[1], r[2], r[3]};
        r += 4;
        const intptr_t *o = k->table;
        for (; (o[0] & 3) == 0; o += 2, p += 4) {
            const int32_t a = tap_word(in, o[0]);
            const int32_t b = tap_word(in, o[1]);
            const int32_t low = tk_pkh_low(a, b);   /* a0 a1 b0 b1 */
            const int32_t high = tk_pkh_high(a, b); /* a2 a3 b2 b3 */
            acc[0] = __smlad(__sxtb16(low), p[0], acc[0]);
            acc[1] = __smlad(tk_sxtb16_ror8(low), p[1], acc[1]);
            acc[2] = __smlad(__sxtb16(high), p[2], acc[2]);
            acc[3] = __smlad(tk_sxtb16_ror8(high), p[3], acc[3]);
        }
        if (o[0] == END_LONE) {
            const int32_t a = tap_word(in, o[1]);
            acc[0] = __smlabb(__sxtb16(a), p[0], acc[0]);
            acc[2] = __smlatt(__sxtb16(a), p[0], acc[2]);
            acc[1] = __smlabb(tk_sxtb16_ror8(a), p[1], acc[1]);
            acc[3] = __smlatt(tk_sxtb16_ror8(a), p[1], acc[3]);
            p += 2;
        }
        for (int32_t ch = 0; ch < 4; ++ch, r += 3) {
            *out++ = (int8_t)__ssat(tk_requant_doubled(r[0], r[1], r[2], acc[ch]), 8);
        }
        in += 4;
        if (r == k->records_end) {
            if (out == k->out_end) {
                return;
            }
            in += (uintptr_t)k->pixel_step;
            r = k->records;
            p = k->filter;
        }
    }
}
#endif

/* A layer's constants, read once from the kernel's arguments. */
typedef struct {
    tk_conv_geometry g;
    const tk_depthwise_conv_params *params;
    const int32_t *filter;
    const int32_t *channels;
    intptr_t *table;         /* the call's one table: a window inside the image's, a border pixel's while it runs */
    int32_t taps;
    int32_t lone;            /* whether the last tap goes alone: an odd count of at least 3 */
    int32_t row_bytes;       /* input bytes between two filter rows' taps */
    int32_t column_bytes;    /* input bytes between two filter columns' taps */
    int32_t table_slots;     /* 2 * pairs + 2 */
    int32_t group_filter;    /* filter words per group */
    int32_t groups;
    int32_t act_min;
    int32_t act_max;
    int32_t zero_word;       /* the input zero point in all four bytes: a padded tap's input */
    int32_t entry_back;      /* run_consts.entry_back */
} layer_consts;

/* Into the call's table, the input byte offsets from a window's origin of the taps in filter rows
 * ky_first .. ky_end - 1 and columns kx_first .. kx_end - 1, each at its tap's index; a lone last
 * tap's lands on the end marker's slot, so it moves to the slot after and the marker comes back. */
static inline void put_taps(const layer_consts *l, int32_t ky_first, int32_t ky_end, int32_t kx_first, int32_t kx_end)
{
    intptr_t row = ky_first * l->row_bytes + kx_first * l->column_bytes;
    for (int32_t ky = ky_first; ky < ky_end; ++ky, row += l->row_bytes) {
        intptr_t *slot = l->table + ky * l->g.filter_w + kx_first;
        intptr_t offset = row;
        for (int32_t kx = kx_first; kx < kx_end; ++kx, offset += l->column_bytes) {
            *slot++ = offset;
        }
    }
    if (l->lone && ky_end == l->g.filter_h && kx_end == l->g.filter_w) {
        l->table[l->table_slots - 1] = l->table[l->table_slots - 2];
        l->table[l->table_slots - 2] = END_LONE;
    }
}

/* The table of a window inside the image: every tap's offset (a one-tap filter's completing zero tap
 * reads the origin), then the end marker. */
static void fill_inside_table(const layer_consts *l)
{
    l->table[1] = 0;
    l->table[l->table_slots - 2] = END_PAIRS; /* END_LONE with a lone tap, from put_taps */
    l->table[l->table_slots - 1] = 0;
    put_taps(l, 0, l->g.filter_h, 0, l->g.filter_w);
}

/* The narrower clamp, on bytes the loop stored saturated to int8. */
static void clamp_outputs(const layer_consts *l, int8_t *out, const int8_t *end)
{
    for (; out != end; ++out) {
        *out = (int8_t)tk_clamp(*out, l->act_min, l->act_max);
    }
}

/* Output pixel out_x of a row whose windows start at input row in_y_origin (filter rows
 * ky_first .. ky_end - 1 inside the image) of batch `image`, its window reaching into the
 * padding or lying wholly in it: chunk by chunk of ZERO_GROUPS groups, the call's table with the
 * taps outside the image reading the zero-point words at `zeros`, then the table restored (one
 * table on the stack, not two). */
static void border_pixel(const layer_consts *l, uintptr_t image, uintptr_t zeros, int32_t in_y_origin,
                         int32_t ky_first, int32_t ky_end, int32_t out_x, int8_t *out)
{
    const tk_depthwise_conv_params *params = l->params;
    const int32_t in_x_origin = out_x * params->stride_w - params->pad_w;
    const int32_t kx_first = tk_dw_first_inside(in_x_origin, params->dilation_w);
    const int32_t kx_end = tk_dw_end_inside(in_x_origin, params->dilation_w, l->g.in_w, l->g.filter_w);
    /* May lie outside the image: integer arithmetic, not a pointer's. */
    uintptr_t in = image + (uintptr_t)(intptr_t)((in_y_origin * l->g.in_w + in_x_origin) * l->g.out_c);
    intptr_t *table = l->table;
    run_consts k = {.table = table, .pixel_step = 0, .entry_back = l->entry_back};
    for (int32_t first = 0; first < l->groups; first += ZERO_GROUPS, in += 4 * ZERO_GROUPS) {
        const int32_t count = l->groups - first < ZERO_GROUPS ? l->groups - first : ZERO_GROUPS;
        const intptr_t zero = (intptr_t)(zeros - in);
        /* Every slot reads the zero point, a pair's completing zero tap included, then the taps inside. */
        for (int32_t s = 0; s < l->table_slots; ++s) {
            if ((table[s] & 3) == 0) {
                table[s] = zero;
            }
        }
        put_taps(l, ky_first, ky_end, kx_first, kx_end);
        k.records = l->channels + first * GROUP_WORDS;
        k.records_end = k.records + count * GROUP_WORDS;
        k.filter = l->filter + first * l->group_filter;
        k.out_end = out + 4 * count;
        run_windows(&k, in, out);
        out += 4 * count;
    }
    fill_inside_table(l);
}

/* Along one axis: the outputs whose windows lie inside the image (none of their taps in the
 * padding) are first .. end - 1. */
static void whole_span(int32_t pad, int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out,
                       int32_t *first, int32_t *end)
{
    /* origin = x * stride - pad >= 0, and origin + dilation * (filter - 1) < in. */
    const int32_t lo = (pad + stride - 1) / stride;
    const int32_t room = in - 1 - dilation * (filter - 1) + pad;
    const int32_t hi = room < 0 ? 0 : room / stride + 1;
    *first = lo < out ? lo : out;
    *end = hi < *first ? *first : (hi < out ? hi : out);
}

tk_status tk_depthwise_conv_c4_s8(const tk_context *ctx, const tk_depthwise_conv_params *params,
                                  const tk_dims *input_dims, const int8_t *input,
                                  const tk_dims *filter_dims, const int32_t *filter,
                                  const int32_t *channels,
                                  const tk_dims *output_dims, int8_t *output)
{
    (void)ctx; /* no scratch */
    layer_consts l;
    tk_conv_geometry *g = &l.g;
    if (tk_conv_geometry_of(input_dims, filter_dims, output_dims, g) != TK_OK || params->depth_multiplier != 1 ||
        g->in_c != g->out_c || g->filter_c != g->out_c || g->out_c % 4 != 0 || params->dilation_h <= 0 ||
        params->dilation_w <= 0 || params->stride_h <= 0 || params->stride_w <= 0 || params->pad_w < 0 ||
        g->filter_h * g->filter_w > TK_DW_C4_MAX_TAPS) {
        return TK_ERROR_ARGUMENT;
    }
    const int32_t c = g->out_c;
    l.params = params;
    l.filter = filter;
    l.channels = channels;
    l.taps = g->filter_h * g->filter_w;
    const int32_t pairs = l.taps == 1 ? 1 : l.taps / 2;
    l.lone = l.taps % 2 == 1 && l.taps > 1;
    l.table_slots = 2 * pairs + 2;
    l.group_filter = 4 * pairs + 2 * l.lone;
    l.groups = c / 4;
    l.row_bytes = params->dilation_h * g->in_w * c;
    l.column_bytes = params->dilation_w * c;
    l.entry_back = (pairs % UNROLLED_PAIRS == 0 ? UNROLLED_PAIRS : pairs % UNROLLED_PAIRS) * PAIR_CODE_BYTES;
    intptr_t table[TK_DW_C4_MAX_TAPS + 2];
    l.table = table;
    fill_inside_table(&l);
    const uint32_t zero_byte = (uint32_t)-params->input_offset & 0xffu;
    const uint32_t zero_bits = zero_byte * 0x01010101u;
    memcpy(&l.zero_word, &zero_bits, sizeof l.zero_word);
    /* The zero-point words start as far past a word boundary as the input does, so the offsets
     * leading to them are multiples of 4 as well (windows' origins lie 4 * k bytes from the input). */
    int32_t zero_words[ZERO_GROUPS + 1];
    for (int32_t i = 0; i <= ZERO_GROUPS; ++i) {
        zero_words[i] = l.zero_word;
    }
    const uintptr_t zeros = (uintptr_t)zero_words + ((uintptr_t)input & 3u);
    l.act_min = params->activation.min;
    l.act_max = params->activation.max;
    const int full_range = l.act_min == -128 && l.act_max == 127;
    int32_t x_first, x_end, y_first, y_end;
    whole_span(params->pad_w, params->stride_w, params->dilation_w, g->in_w, g->filter_w, g->out_w, &x_first, &x_end);
    whole_span(params->pad_h, params->stride_h, params->dilation_h, g->in_h, g->filter_h, g->out_h, &y_first, &y_end);
    /* Whole rows of inside windows one run, when the origins keep one step from a row's last window
     * to the next row's first (one output column, say, a 1-D filter along the height): no per-row work. */
    const int32_t row_step = params->stride_h * g->in_w;
    const int join_rows = y_first < y_end && x_first == 0 && x_end == g->out_w &&
                          (g->out_w == 1 || row_step == params->stride_w * g->out_w);
    run_consts inside = {.table = table, .records = channels, .records_end = channels + l.groups * GROUP_WORDS,
                         .filter = filter, .pixel_step = ((g->out_w == 1 ? row_step : params->stride_w) - 1) * c,
                         .entry_back = l.entry_back};
    for (int32_t b = 0; b < g->batches; ++b) {
        const uintptr_t image = (uintptr_t)(input + b * g->in_h * g->in_w * c);
        for (int32_t out_y = 0; out_y < g->out_h; ++out_y) {
            const int32_t in_y_origin = out_y * params->stride_h - params->pad_h;
            int8_t *out_row = output + (b * g->out_h + out_y) * g->out_w * c;
            if (join_rows && out_y == y_first) {
                inside.out_end = out_row + (y_end - y_first) * g->out_w * c;
                run_windows(&inside, image + (uintptr_t)(in_y_origin * g->in_w * c), out_row);
                if (!full_range) {
                    clamp_outputs(&l, out_row, inside.out_end);
                }
                out_y = y_end - 1;
                continue;
            }
            const int32_t ky_first = tk_dw_first_inside(in_y_origin, params->dilation_h);
            const int32_t ky_end = tk_dw_end_inside(in_y_origin, params->dilation_h, g->in_h, g->filter_h);
            /* Rows of windows inside the image: the columns x_first .. x_end - 1 run on the call's table. */
            const int whole_rows = ky_first == 0 && ky_end == g->filter_h;
            const int32_t first = whole_rows ? x_first : g->out_w;
            const int32_t end = whole_rows ? x_end : g->out_w;
            for (int32_t out_x = 0; out_x < first; ++out_x) {
                border_pixel(&l, image, zeros, in_y_origin, ky_first, ky_end, out_x, out_row + out_x * c);
            }
            if (first < end) {
                inside.out_end = out_row + end * c;
                run_windows(&inside, image + (uintptr_t)((in_y_origin * g->in_w + first * params->stride_w -
                                                          params->pad_w) * c), out_row + first * c);
            }
            for (int32_t out_x = end > first ? end : first; out_x < g->out_w; ++out_x) {
                border_pixel(&l, image, zeros, in_y_origin, ky_first, ky_end, out_x, out_row + out_x * c);
            }
            if (!full_range) {
                clamp_outputs(&l, out_row, out_row + g->out_w * c);
            }
        }
    }
    return TK_OK;
}

/* The op table's entry point (tinykit/invoke.h). */
TK_INVOKE_9(tk_depthwise_conv_c4_s8)
