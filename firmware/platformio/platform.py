"""tinykit's PlatformIO dev-platform.

It declares no packages: the compiler, newlib and openocd come from the system
(Debian's gcc-arm-none-eabi, libnewlib-arm-none-eabi, openocd), so PlatformIO
never needs its registry to build or upload.
"""

from platformio.public import PlatformBase


class TinykitPlatform(PlatformBase):
    """Cortex-M boards described by tinykit's boards/*.toml."""

    def is_embedded(self) -> bool:
        # PlatformIO infers "embedded" from an uploader package; tinykit uses
        # the system openocd instead, so say it plainly: `pio device monitor`
        # and `pio test` then treat the project as firmware for a device.
        return True
