/* What the app starts with, generated into src/kws_boot.c by tinykit
 * (tinykit.kws.stream.write_boot) from the host's settings, so the
 * defaults live in one place (StreamSettings): the detection settings
 * (tk-config replaces them), and a recording compiled into flash for a
 * board with no host to stream audio, played once at boot and again by
 * tk-play, its detections printed as streamed audio's are. The clip is
 * empty unless `tinykit kws deploy --clip talk.wav` put one there. */
#ifndef TK_KWS_BOOT_H
#define TK_KWS_BOOT_H

#include <stdint.h>

#include "kws_app.h"

extern const kws_settings KWS_BOOT_SETTINGS;
extern const int16_t KWS_CLIP[];
/* Samples in KWS_CLIP: a multiple of 320, 0 when there is no clip. */
extern const int32_t KWS_CLIP_SAMPLES;

#endif /* TK_KWS_BOOT_H */
