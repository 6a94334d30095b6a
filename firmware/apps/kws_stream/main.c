/* The tinykit streaming keyword-spotting firmware: 16-bit PCM arrives over
 * the console in checksummed chunks (tk-pcm), detections and per-stride
 * timing go back as checksummed tk-* records. Framing as the profiler's:
 * commands end with '%', every reply ends with m-ready, errors are e-[...].
 *
 *   tk-config STRIDE AVERAGE THRESHOLD SUPPRESS KEYWORDS   settings, then a reset
 *   tk-pcm N CRC AT   then 2N bytes: N samples (int16, little-endian, N a
 *                  multiple of 320, at most 1600), CRC their CRC-32 in hex,
 *                  AT the sample (since the last reset) the chunk starts at
 *   tk-play        the clip compiled into flash (kws_boot.h), from a reset
 */
#include <stddef.h>
#include <string.h>

#include "app_common.h"
#include "command_args.h"
#include "command_line.h"
#include "console.h"
#include "crc32.h"
#include "kws_app.h"
#include "kws_boot.h"
#include "model.h"
#include "text.h"
#include "tinykit/bsp.h"

#define KWS_APP_NAME "kws_stream"

/* The app's working memory: the one mutable global besides the model's
 * arena (app.toml states its size for the board budget). On main()'s stack
 * it would eat the stack reserve the model's kernels need. */
static kws_app app;

typedef void (*command_handler)(const char *const *args, int32_t arg_count);

typedef struct {
    const char *name;
    const char *args;  /* shown by help% after the name ("" for none) */
    const char *about; /* shown by help% after the arguments */
    command_handler run;
} command_entry;

static void command_help(const char *const *args, int32_t arg_count);

static void command_name(const char *const *args, int32_t arg_count)
{
    (void)args;
    if (args_at_most("name", arg_count, 0)) {
        console_line("m-name-dut-[tinykit " KWS_APP_NAME "]");
    }
}

/* The profiler's tk-info fields (so the host checks the build the same way)
 * plus the app and its limits. */
static void command_tk_info(const char *const *args, int32_t arg_count)
{
    tk_record record;
    (void)args;
    if (!args_at_most("tk-info", arg_count, 0)) {
        return;
    }
    record_begin(&record, "info");
    app_info_fields(&record, TK_MODEL_INPUTS_TOTAL_BYTES, KWS_CLASSES);
    record_text_field(&record, "app", KWS_APP_NAME);
    record_uint_field(&record, "app_ram", sizeof app);
    record_uint_field(&record, "chunk_max", KWS_CHUNK_MAX_SAMPLES);
    record_uint_field(&record, "average_max", KWS_AVERAGE_MAX);
    record_end(&record);
}

static void command_tk_config(const char *const *args, int32_t arg_count)
{
    kws_settings s;
    if (!args_at_most("tk-config", arg_count, 5) ||
        !args_count("tk-config", "STRIDE (samples)", args, arg_count, 0, -1, TK_MFCC_STRIDE, &s.stride_samples) ||
        !args_count("tk-config", "AVERAGE (strides)", args, arg_count, 1, -1, 1, &s.average_strides) ||
        !args_count("tk-config", "THRESHOLD (output steps)", args, arg_count, 2, -1, 0, &s.threshold) ||
        !args_count("tk-config", "SUPPRESS (samples)", args, arg_count, 3, -1, 0, &s.suppress_samples) ||
        !args_count("tk-config", "KEYWORDS (classes)", args, arg_count, 4, -1, 1, &s.keywords)) {
        return;
    }
    if (s.average_strides > KWS_AVERAGE_MAX || s.keywords > KWS_CLASSES) {
        console_error("tk-config: AVERAGE is at most 16 strides and KEYWORDS at most the model's classes");
        return;
    }
    app.settings = s;
    kws_reset(&app);
}

static void command_tk_reset(const char *const *args, int32_t arg_count)
{
    (void)args;
    if (args_at_most("tk-reset", arg_count, 0)) {
        kws_reset(&app);
    }
}

/* The samples taken since the last reset: the end of tk-pcm's and tk-play's replies. */
static void print_samples(void)
{
    tk_record record;
    record_begin(&record, "pcm");
    record_uint_field(&record, "samples", app.samples);
    record_end(&record);
}

/* 8 hex digits, as the host prints a CRC-32; 1 if valid. */
static int32_t parse_crc(const char *token, uint32_t *value)
{
    uint32_t result = 0;
    int32_t n;
    for (n = 0; token[n] != '\0'; ++n) {
        char c = token[n];
        uint32_t digit;
        if (c >= '0' && c <= '9') {
            digit = (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = (uint32_t)(c - 'a' + 10);
        } else {
            return 0;
        }
        result = (result << 4) | digit;
    }
    *value = result;
    return n == 8;
}

static void command_tk_pcm(const char *const *args, int32_t arg_count)
{
    int32_t samples;
    int32_t at;
    uint32_t expected_crc;
    uint32_t crc = TK_CRC32_INITIAL;
    int32_t i;

    if (!args_at_most("tk-pcm", arg_count, 3) ||
        !args_count("tk-pcm", "N (samples)", args, arg_count, 0, -1, TK_MFCC_STRIDE, &samples) ||
        !args_count("tk-pcm", "AT (the sample the chunk starts at)", args, arg_count, 2, -1, 0, &at)) {
        return;
    }
    if (samples % TK_MFCC_STRIDE != 0 || samples > KWS_CHUNK_MAX_SAMPLES) {
        console_error("tk-pcm: N must be a multiple of 320 samples, at most 1600");
        return;
    }
    if (arg_count < 2 || !parse_crc(args[1], &expected_crc)) {
        console_error("tk-pcm needs the CRC-32 of the samples as 8 lowercase hex digits");
        return;
    }
    /* The samples follow the '%' as raw bytes; they are all read before the
     * checksum decides, so a damaged chunk leaves the stream untouched and
     * the host can send it again. */
    for (i = 0; i < samples; ++i) {
        uint8_t bytes[2];
        bytes[0] = (uint8_t)tk_bsp_read_byte();
        bytes[1] = (uint8_t)tk_bsp_read_byte();
        crc = tk_crc32_update(crc, bytes, 2);
        app.chunk[i] = (int16_t)(uint16_t)((uint16_t)bytes[0] | (uint16_t)((uint16_t)bytes[1] << 8));
    }
    if (tk_crc32_final(crc) != expected_crc) {
        console_error("tk-pcm: the samples' CRC-32 does not match (damaged on the link); send the chunk again");
        return;
    }
    /* A chunk lost, repeated or out of order would shift the audio without a
     * trace: each chunk names where it starts, and only the next one is taken. */
    if ((uint32_t)at != app.samples) {
        console_error("tk-pcm: the chunk does not start where the stream is (lost, repeated or out of order); "
                      "the stream is unchanged: send the chunk that starts at the samples taken so far");
        return;
    }
    if (!kws_feed(&app, samples)) {
        return;
    }
    print_samples();
}

/* The flash clip through the same path as streamed chunks, from a reset. */
static void play_clip(void)
{
    int32_t offset;
    kws_reset(&app);
    for (offset = 0; offset < KWS_CLIP_SAMPLES; offset += KWS_CHUNK_MAX_SAMPLES) {
        int32_t count = KWS_CLIP_SAMPLES - offset < KWS_CHUNK_MAX_SAMPLES ? KWS_CLIP_SAMPLES - offset
                                                                          : KWS_CHUNK_MAX_SAMPLES;
        memcpy(app.chunk, &KWS_CLIP[offset], (size_t)count * sizeof app.chunk[0]);
        if (!kws_feed(&app, count)) {
            return;
        }
    }
    print_samples();
}

static void command_tk_play(const char *const *args, int32_t arg_count)
{
    (void)args;
    if (!args_at_most("tk-play", arg_count, 0)) {
        return;
    }
    if (KWS_CLIP_SAMPLES == 0) {
        console_error("tk-play: no clip in flash; build one in with `tinykit kws deploy --clip WAV`");
        return;
    }
    play_clip();
}

static const command_entry COMMANDS[] = {
    {.name = "name", .args = "", .about = "print the device name", .run = command_name},
    {.name = "help", .args = "", .about = "print this information", .run = command_help},
    {.name = "tk-info", .args = "", .about = "build hash, model, clock, app limits", .run = command_tk_info},
    {.name = "tk-sync", .args = "T", .about = "echo token T (host resynchronisation)", .run = app_sync},
    {.name = "tk-config", .args = "STRIDE AVERAGE THRESHOLD SUPPRESS KEYWORDS", .about = "settings (samples, strides, steps), reset", .run = command_tk_config},
    {.name = "tk-reset", .args = "", .about = "forget the audio so far", .run = command_tk_reset},
    {.name = "tk-pcm", .args = "N CRC AT", .about = "then 2N bytes of int16 PCM starting at sample AT; detections out", .run = command_tk_pcm},
    {.name = "tk-play", .args = "", .about = "the clip in flash from a reset; detections out", .run = command_tk_play},
    {.name = NULL},
};

static void command_help(const char *const *args, int32_t arg_count)
{
    const command_entry *entry;
    (void)args;
    (void)arg_count;
    console_line("tinykit " KWS_APP_NAME " 1.0");
    for (entry = COMMANDS; entry->name != NULL; ++entry) {
        app_usage_line(entry->name, entry->args, entry->about);
    }
}

static int32_t dispatch(void *context, const char *const *tokens, int32_t count)
{
    const command_entry *entry;
    (void)context;
    for (entry = COMMANDS; entry->name != NULL; ++entry) {
        if (text_equal(entry->name, tokens[0])) {
            entry->run(tokens + 1, count - 1);
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    tk_bsp_init();
    app.settings = KWS_BOOT_SETTINGS;
    kws_reset(&app);
    console_line("m-init-done");
    if (KWS_CLIP_SAMPLES > 0) {
        play_clip(); /* a board with no host shows its detections at power-up */
    }
    console_line("m-ready");
    app_command_loop(dispatch, NULL);
    return 0;
}
