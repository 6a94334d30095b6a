"""SCons build script of tinykit's dev-platform.

PlatformIO runs this file for `pio run` in a project written by
`tinykit build`. Everything board-specific arrives through the project's
platformio.ini (written from boards/<name>.toml, the single source of truth):

    board_build.cpu_flags        -mcpu/-mthumb/-mfpu/-mfloat-abi for gcc
    board_build.ldscript         the linker script rendered from the toml
    board_upload.maximum_size    flash budget in bytes
    board_upload.maximum_ram_size SRAM budget in bytes
    upload_protocol              "openocd" (real boards) or "qemu" (emulated)
    board_upload.openocd_configs openocd scripts, e.g. interface/stlink.cfg target/stm32f7x.cfg
    board_build.qemu_machine     QEMU machine of an emulated board

The compiler is the system arm-none-eabi-gcc: no PlatformIO package is used.
"""

import os
import shutil
import subprocess
import sys

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from SCons.Script import (  # pylint: disable=import-error
    AlwaysBuild,
    Builder,
    Default,
    DefaultEnvironment,
)

env = DefaultEnvironment()
board = env.BoardConfig()

TOOL_PREFIX = "arm-none-eabi-"

if not shutil.which(TOOL_PREFIX + "gcc", path=env["ENV"]["PATH"]):
    sys.stderr.write(
        "Error: arm-none-eabi-gcc is not on PATH. tinykit builds with the "
        "system Arm GNU toolchain; install it with "
        "`sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi` "
        "(or put an Arm GNU toolchain's bin/ folder on PATH) and build again.\n"
    )
    env.Exit(1)

cpu_flags = board.get("build.cpu_flags").split()

env.Replace(
    AR=TOOL_PREFIX + "gcc-ar",
    AS=TOOL_PREFIX + "gcc",
    CC=TOOL_PREFIX + "gcc",
    CXX=TOOL_PREFIX + "g++",
    GDB=TOOL_PREFIX + "gdb",
    OBJCOPY=TOOL_PREFIX + "objcopy",
    RANLIB=TOOL_PREFIX + "gcc-ranlib",
    SIZETOOL_PRINT=TOOL_PREFIX + "size",
    ARFLAGS=["rc"],
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
)

env.Append(
    # -O2 rather than -Os: this firmware exists to measure kernel latency, and
    # -O2 is what a deployment tuned for speed uses (loop unrolling and
    # scheduling matter for the int8 inner loops); gc-sections strips every
    # kernel the model does not call. The code that runs outside inference
    # (the app in src/, the board support library) adds -Os after these
    # flags, through platformio.ini and the library's manifest
    # (tinykit.deploy.project.COLD_CODE_FLAGS).
    CCFLAGS=cpu_flags
    + [
        "-O2",
        "-g",
        "-ffunction-sections",
        "-fdata-sections",
        # Build paths are not baked into the debug info: the ELF depends on
        # the sources, not on where the project folder lives.
        "-ffile-prefix-map=%s=." % env.subst("$PROJECT_DIR"),
    ],
    CFLAGS=["-std=c99", "-Wall", "-Wextra", "-Werror"],
    ASFLAGS=cpu_flags + ["-x", "assembler-with-cpp"],
    ASPPFLAGS=cpu_flags + ["-x", "assembler-with-cpp"],
    LINKFLAGS=cpu_flags
    + [
        "-O2",
        # The board's startup code provides the reset handler and vector
        # table; newlib-nano supplies memcpy/memset, nosys stubs the syscalls
        # nothing here calls.
        "-nostartfiles",
        "--specs=nano.specs",
        "--specs=nosys.specs",
        "-Wl,--gc-sections",
        "-Wl,-Map=%s" % os.path.join(env.subst("$BUILD_DIR"), "firmware.map"),
    ],
    BUILDERS=dict(
        ElfToBin=Builder(
            action=env.VerboseAction(
                "$OBJCOPY -O binary $SOURCES $TARGET", "Building $TARGET"
            ),
            suffix=".bin",
        )
    ),
)


def _load_image_and_ram_bytes(elf_path):
    """Flash and SRAM used by an ELF, as `size` counts them: flash holds
    text + rodata + the initial values of .data; SRAM holds .data + .bss
    (and any NOLOAD section the linker script reserves, such as the stack)."""
    flash = ram = 0
    with open(elf_path, "rb") as stream:
        for section in ELFFile(stream).iter_sections():
            flags = section["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            size = section["sh_size"]
            if section["sh_type"] != "SHT_NOBITS":
                flash += size
            if flags & SH_FLAGS.SHF_WRITE:
                ram += size
    return flash, ram


def check_budgets(target, source, env):  # pylint: disable=unused-argument
    """Fail the build, with the numbers, when the firmware exceeds the board."""
    flash_budget = int(board.get("upload.maximum_size"))
    ram_budget = int(board.get("upload.maximum_ram_size"))
    flash, ram = _load_image_and_ram_bytes(str(target[0]))
    print(
        "tinykit: flash %d of %d bytes, SRAM %d of %d bytes"
        % (flash, flash_budget, ram, ram_budget)
    )
    over = []
    if flash > flash_budget:
        over.append(
            "flash needs %d bytes but %s has %d (%d over)"
            % (flash, env.subst("$BOARD"), flash_budget, flash - flash_budget)
        )
    if ram > ram_budget:
        over.append(
            "SRAM needs %d bytes but %s has %d (%d over)"
            % (ram, env.subst("$BOARD"), ram_budget, ram - ram_budget)
        )
    if over:
        sys.stderr.write(
            "Error: the firmware does not fit the board: %s. Use a smaller "
            "model (fewer channels or layers) or a board with more memory; "
            "memory_plan.txt in the build folder shows what the arena holds.\n" % "; ".join(over)
        )
        env.Exit(1)


target_elf = env.BuildProgram()
target_bin = env.ElfToBin(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_elf)
env.AddPostAction(target_elf, env.VerboseAction(check_budgets, "Checking budgets"))
AlwaysBuild(env.Alias("nobuild", target_bin))
target_buildprog = env.Alias("buildprog", target_bin, target_bin)

env.AddPlatformTarget(
    "size",
    target_elf,
    env.VerboseAction("$SIZETOOL_PRINT -A -d $SOURCES", "Program size"),
    "Program Size",
    "Print the size of each section",
)


def upload_with_openocd(target, source, env):  # pylint: disable=unused-argument
    """Program the ELF through the board's ST-Link; say plainly when no probe
    is attached instead of leaving openocd's log to be deciphered."""
    command = ["openocd"]
    for config in board.get("upload.openocd_configs").split():
        command += ["-f", config]
    command += ["-c", "program {%s} verify reset exit" % source[0]]
    print(" ".join(command))
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        sys.stderr.write(
            "Error: openocd is not installed; install it with "
            "`sudo apt-get install openocd` and upload again.\n"
        )
        env.Exit(1)
        return
    log = result.stdout + result.stderr
    if result.returncode == 0:
        print("tinykit: uploaded %s to %s" % (source[0], board.get("name")))
        return
    no_probe_signs = ("open failed", "unable to find", "no device found")
    if any(sign in log.lower() for sign in no_probe_signs):
        sys.stderr.write(
            "Error: no debug probe found: openocd saw no ST-Link. Connect the "
            "ST-Link USB port (CN1) of the %s with a data cable, check that "
            "`lsusb` lists an STMicroelectronics ST-LINK and that you may "
            "access it (udev rules), then upload again.\n"
            # The manifest name reads "ST NUCLEO-F746ZG: STM32F746ZG, ...".
            % board.get("name").split(":")[0]
        )
    else:
        sys.stderr.write(log)
        sys.stderr.write(
            "Error: openocd failed (exit status %d); its log is above.\n"
            % result.returncode
        )
    env.Exit(1)


def upload_to_qemu(target, source, env):  # pylint: disable=unused-argument
    """An emulated board has nothing to flash: boot the ELF in QEMU with the
    console on this terminal (quit with Ctrl-A then X)."""
    command = [
        "qemu-system-arm",
        "-machine",
        board.get("build.qemu_machine"),
        "-nographic",
        "-icount",
        "shift=0",
        "-kernel",
        str(source[0]),
    ]
    print(" ".join(command))
    print(
        "tinykit: %s is emulated; QEMU runs the firmware with its console "
        "here (Ctrl-A then X quits). `tinykit verify` and `tinykit profile` "
        "start QEMU themselves." % board.get("name")
    )
    try:
        env.Exit(subprocess.call(command))
    except FileNotFoundError:
        sys.stderr.write(
            "Error: qemu-system-arm is not installed; install it with "
            "`sudo apt-get install qemu-system-arm`.\n"
        )
        env.Exit(1)


def upload_unsupported(target, source, env):  # pylint: disable=unused-argument
    sys.stderr.write(
        "Error: board_upload.protocol is '%s' but tinykit uploads with openocd "
        "(real boards) or qemu (emulated boards); rewrite platformio.ini with "
        "`tinykit build`.\n" % protocol
    )
    env.Exit(1)


upload_actions = {"openocd": upload_with_openocd, "qemu": upload_to_qemu}
protocol = env.subst("$UPLOAD_PROTOCOL") or board.get("upload.protocol", "")
upload_action = env.VerboseAction(
    upload_actions.get(protocol, upload_unsupported), "Uploading $SOURCE"
)
env.AddPlatformTarget("upload", target_elf, upload_action, "Upload")

Default([target_buildprog])
