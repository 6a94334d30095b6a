"""Turning generated C into firmware: PlatformIO projects, offline builds, toolchain, flashing, QEMU for emulated boards."""
