"""Turning generated C into firmware: PlatformIO projects, offline builds, toolchain, flashing."""
