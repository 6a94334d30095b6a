"""The STM32 families' clock and console code, run on the host against fake
register blocks (plain structs in RAM put in place of the peripheral base
addresses by TK_BSP_FAKE_REGISTERS): the values written must be the ones the
reference manuals call for, and the resulting clocks must match the board files.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinykit.boards import bsp_dir, bsp_include_dir, get_board

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc is not installed (Debian: gcc)")

BAUD = 115200


@dataclass(frozen=True)
class Family:
    name: str
    fakes: dict[str, str]   # fake variable -> C type
    presets: str            # C statements: reset values and ready flags the hardware would show
    dumps: list[str]        # C lvalues to print after init


FAMILIES = {
    "stm32f7": Family(
        "stm32f7",
        {"tk_fake_rcc": "tk_stm32f7_rcc", "tk_fake_flash": "tk_stm32f7_flash", "tk_fake_pwr": "tk_stm32f7_pwr",
         "tk_fake_gpiod": "tk_stm32_gpio", "tk_fake_usart3": "tk_stm32_usart"},
        # RM0385 reset values; HSERDY/PLLRDY, SWS=PLL, ODRDY/ODSWRDY, TXE as the hardware sets them.
        """tk_fake_rcc.PLLCFGR = 0x24003010u;
           tk_fake_rcc.CR = (1u << 17) | (1u << 25);
           tk_fake_rcc.CFGR = 2u << 2;
           tk_fake_pwr.CSR1 = (1u << 16) | (1u << 17);
           tk_fake_usart3.ISR = 1u << 7;""",
        ["tk_fake_rcc.PLLCFGR", "tk_fake_rcc.CFGR", "tk_fake_rcc.CR", "tk_fake_rcc.AHB1ENR", "tk_fake_rcc.APB1ENR",
         "tk_fake_flash.ACR", "tk_fake_pwr.CR1", "tk_fake_gpiod.MODER", "tk_fake_gpiod.AFR[1]", "tk_fake_gpiod.PUPDR",
         "tk_fake_usart3.BRR", "tk_fake_usart3.CR1", "tk_fake_usart3.TDR"],
    ),
    "stm32l4": Family(
        "stm32l4",
        {"tk_fake_rcc": "tk_stm32l4_rcc", "tk_fake_flash": "tk_stm32l4_flash", "tk_fake_pwr": "tk_stm32l4_pwr",
         "tk_fake_gpiog": "tk_stm32_gpio", "tk_fake_lpuart1": "tk_stm32_usart"},
        # RM0432 reset values (PLLCFGR N=16, voltage range 1, R1MODE=1), PLLRDY, SWS=PLL, TXE.
        """tk_fake_rcc.PLLCFGR = 0x00001000u;
           tk_fake_rcc.CR = 1u << 25;
           tk_fake_rcc.CFGR = 3u << 2;
           tk_fake_pwr.CR1 = 1u << 9;
           tk_fake_pwr.CR5 = 1u << 8;
           tk_fake_lpuart1.ISR = 1u << 7;""",
        ["tk_fake_rcc.PLLCFGR", "tk_fake_rcc.CFGR", "tk_fake_rcc.AHB2ENR", "tk_fake_rcc.APB1ENR1", "tk_fake_rcc.APB1ENR2",
         "tk_fake_flash.ACR", "tk_fake_pwr.CR1", "tk_fake_pwr.CR2", "tk_fake_pwr.CR5", "tk_fake_gpiog.MODER",
         "tk_fake_gpiog.AFR[0]", "tk_fake_gpiog.AFR[1]", "tk_fake_gpiog.PUPDR", "tk_fake_lpuart1.BRR",
         "tk_fake_lpuart1.CR1", "tk_fake_lpuart1.TDR"],
    ),
    "stm32h7": Family(
        "stm32h7",
        {"tk_fake_rcc": "tk_stm32h7_rcc", "tk_fake_flash": "tk_stm32h7_flash", "tk_fake_pwr": "tk_stm32h7_pwr",
         "tk_fake_gpiod": "tk_stm32_gpio", "tk_fake_usart3": "tk_stm32_usart"},
        # RM0433 reset values (PLLCKSELR DIVM=32, CR3 SCUEN|LDOEN), ready flags, SWS=PLL1, TXE.
        """tk_fake_rcc.PLLCKSELR = 0x02020200u;
           tk_fake_rcc.PLLCFGR = 0x01FF0000u;
           tk_fake_rcc.CR = (1u << 17) | (1u << 25);
           tk_fake_rcc.CFGR = 3u << 3;
           tk_fake_pwr.CR3 = 0x6u;
           tk_fake_pwr.CSR1 = 1u << 13;
           tk_fake_pwr.D3CR = (1u << 14) | (1u << 13);
           tk_fake_usart3.ISR = 1u << 7;""",
        ["tk_fake_rcc.PLLCKSELR", "tk_fake_rcc.PLLCFGR", "tk_fake_rcc.PLL1DIVR", "tk_fake_rcc.CFGR", "tk_fake_rcc.D1CFGR",
         "tk_fake_rcc.D2CFGR", "tk_fake_rcc.D3CFGR", "tk_fake_rcc.AHB4ENR", "tk_fake_rcc.APB1LENR", "tk_fake_flash.ACR",
         "tk_fake_pwr.CR3", "tk_fake_pwr.D3CR", "tk_fake_gpiod.MODER", "tk_fake_gpiod.AFR[1]", "tk_fake_gpiod.PUPDR",
         "tk_fake_usart3.BRR", "tk_fake_usart3.CR1", "tk_fake_usart3.TDR"],
    ),
}


# The Cortex-M pieces tk_bsp_init calls write the core's system registers,
# which a host process cannot touch: these stand-ins note when they were
# called instead (1 for the first noted call, 2 for the next, 0 never).
CORTEXM_STAND_INS = """
#include "cortexm.h"
unsigned calls, caches_enabled_at, dwt_started_at;
void tk_cortexm_enable_caches(void) { caches_enabled_at = ++calls; }
void tk_cortexm_dwt_start(void) { dwt_started_at = ++calls; }
uint32_t tk_cortexm_dwt_cycles(void) { return 0x1234u; }
"""


def compile_and_run(sources: list[Path], include_dirs: list[Path], tmp_path: Path, defines: tuple[str, ...] = ()) -> str:
    """Build ``sources`` for the host under the runtime's warnings and the
    sanitizers, run the program and return what it printed."""
    exe = tmp_path / "harness"
    build = subprocess.run(
        ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
         *defines, f"-I{bsp_include_dir()}", *(f"-I{d}" for d in include_dirs),
         *map(str, sources), "-o", str(exe)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def parse_dump(text: str) -> dict[str, int]:
    return {k: int(v, 16) for k, v in (line.split("=") for line in text.split())}


def run_family(family: Family, tmp_path: Path) -> dict[str, int]:
    """Compile the family's sources and the shared STM32 ones with the fake
    registers, run tk_bsp_init and one console write, return the registers
    (and what the BSP reports: cpu_hz, and when it made its Cortex-M calls)."""
    fakes = "\n".join(f"{ctype} {name};" for name, ctype in family.fakes.items())
    dumps = "\n".join(f'    printf("{d}=%08x\\n", (unsigned){d});' for d in family.dumps)
    harness = tmp_path / "harness.c"
    harness.write_text(f"""
#include <stdio.h>
#include "{family.name}.h"
#include "{family.name}_regs.h"
#include "tinykit/bsp.h"
{fakes}
extern unsigned caches_enabled_at, dwt_started_at;
int main(void)
{{
    {family.presets}
    tk_bsp_init();
    tk_bsp_write("A", 1);
{dumps}
    printf("cpu_hz=%08x\\n", (unsigned)tk_bsp_cpu_hz());
    printf("caches_enabled_at=%x\\ndwt_started_at=%x\\n", caches_enabled_at, dwt_started_at);
    return 0;
}}
""")
    stand_ins = tmp_path / "cortexm_stand_ins.c"
    stand_ins.write_text(CORTEXM_STAND_INS)
    family_dir = bsp_dir() / family.name
    shared = bsp_dir() / "stm32"
    sources = [*sorted(family_dir.glob("*.c")), *sorted(shared.glob("*.c")), stand_ins, harness]
    output = compile_and_run(sources, [shared, bsp_dir() / "cortexm", family_dir], tmp_path, ("-DTK_BSP_FAKE_REGISTERS",))
    return parse_dump(output)


def field(value: int, low: int, width: int) -> int:
    return (value >> low) & ((1 << width) - 1)


def pin_mode(moder: int, pin: int) -> int:
    return field(moder, 2 * pin, 2)


def pin_af(afr: int, pin: int) -> int:
    return field(afr, 4 * (pin % 8), 4)


def test_stm32f7_nucleo_f746(tmp_path: Path) -> None:
    r = run_family(FAMILIES["stm32f7"], tmp_path)
    board = get_board("nucleo_f746")
    pll = r["tk_fake_rcc.PLLCFGR"]
    m, n, p, q = field(pll, 0, 6), field(pll, 6, 9), (field(pll, 16, 2) + 1) * 2, field(pll, 24, 4)
    assert (m, n, p, q) == (4, 216, 2, 9)
    assert field(pll, 22, 1) == 1, "PLL source must be HSE"
    assert pll & (1 << 29), "reserved bit kept at its reset value"
    hse = 8_000_000  # ST-Link MCO
    assert hse // m * n // p == board.clock_hz
    assert hse // m * n // q == 48_000_000
    assert 1_000_000 <= hse // m <= 2_000_000 and 100e6 <= hse // m * n <= 432e6

    cfgr = r["tk_fake_rcc.CFGR"]
    assert field(cfgr, 0, 2) == 2 and field(cfgr, 4, 4) == 0
    assert field(cfgr, 10, 3) == 0b101 and field(cfgr, 13, 3) == 0b100  # APB1 /4, APB2 /2
    apb1 = board.clock_hz // 4
    assert apb1 <= 54_000_000 and board.clock_hz // 2 <= 108_000_000
    assert r["tk_fake_rcc.CR"] & (1 << 16) and r["tk_fake_rcc.CR"] & (1 << 18) and r["tk_fake_rcc.CR"] & (1 << 24)
    # RM0385: one wait state per 30 MHz of HCLK at 2.7-3.6 V.
    assert field(r["tk_fake_flash.ACR"], 0, 4) == math.ceil(board.clock_hz / 30e6) - 1 == 7
    pwr = r["tk_fake_pwr.CR1"]
    assert field(pwr, 14, 2) == 3 and pwr & (1 << 16) and pwr & (1 << 17)  # scale 1, over-drive on and switched

    assert r["tk_fake_rcc.AHB1ENR"] & (1 << 3) and r["tk_fake_rcc.APB1ENR"] & (1 << 18)
    assert pin_mode(r["tk_fake_gpiod.MODER"], 8) == pin_mode(r["tk_fake_gpiod.MODER"], 9) == 0b10
    assert pin_af(r["tk_fake_gpiod.AFR[1]"], 8) == pin_af(r["tk_fake_gpiod.AFR[1]"], 9) == 7
    assert field(r["tk_fake_gpiod.PUPDR"], 18, 2) == 0b01  # pull-up on RX
    assert r["tk_fake_usart3.BRR"] == round(apb1 / BAUD) == 469
    assert r["tk_fake_usart3.CR1"] == 0b1101  # UE, RE, TE
    assert r["tk_fake_usart3.TDR"] == ord("A")
    assert r["cpu_hz"] == board.clock_hz
    assert r["caches_enabled_at"] == 1, "the M7's L1 caches on"
    assert r["dwt_started_at"] == 2


def test_stm32l4_nucleo_l4r5zi(tmp_path: Path) -> None:
    r = run_family(FAMILIES["stm32l4"], tmp_path)
    board = get_board("nucleo_l4r5zi")
    pll = r["tk_fake_rcc.PLLCFGR"]
    src, m, n, r_div = field(pll, 0, 2), field(pll, 4, 4) + 1, field(pll, 8, 7), (field(pll, 25, 2) + 1) * 2
    assert (src, m, n, r_div) == (0b01, 1, 60, 2)  # MSI, /1, x60, /2
    assert pll & (1 << 24), "PLLR output enabled"
    msi = 4_000_000  # reset MSI range
    assert msi // m * n // r_div == board.clock_hz
    assert 2_660_000 <= msi // m <= 8_000_000 and 64e6 <= msi // m * n <= 344e6

    cfgr = r["tk_fake_rcc.CFGR"]
    assert field(cfgr, 0, 2) == 0b11 and field(cfgr, 4, 10) == 0, "on the PLL, AHB and APBs undivided at the end"
    # RM0432, range 1 boost: one wait state per 20 MHz.
    assert field(r["tk_fake_flash.ACR"], 0, 4) == math.ceil(board.clock_hz / 20e6) - 1 == 5
    assert field(r["tk_fake_pwr.CR1"], 9, 2) == 0b01, "voltage range 1"
    assert not r["tk_fake_pwr.CR5"] & (1 << 8), "R1MODE cleared: boost mode"
    assert r["tk_fake_pwr.CR2"] & (1 << 9), "VDDIO2 declared valid for port G"

    assert r["tk_fake_rcc.AHB2ENR"] & (1 << 6) and r["tk_fake_rcc.APB1ENR2"] & 1
    assert pin_mode(r["tk_fake_gpiog.MODER"], 7) == pin_mode(r["tk_fake_gpiog.MODER"], 8) == 0b10
    assert pin_af(r["tk_fake_gpiog.AFR[0]"], 7) == pin_af(r["tk_fake_gpiog.AFR[1]"], 8) == 8
    assert field(r["tk_fake_gpiog.PUPDR"], 16, 2) == 0b01
    brr = r["tk_fake_lpuart1.BRR"]
    assert brr == round(256 * board.clock_hz / BAUD) == 266_667
    assert 0x300 <= brr <= 0xFFFFF, "LPUART BRR range (RM0432)"
    assert r["tk_fake_lpuart1.CR1"] == 0b1101
    assert r["tk_fake_lpuart1.TDR"] == ord("A")
    assert r["cpu_hz"] == board.clock_hz
    assert r["caches_enabled_at"] == 0, "no L1 caches on the M4"
    assert r["dwt_started_at"] == 1


def test_stm32h7_nucleo_h743zi(tmp_path: Path) -> None:
    r = run_family(FAMILIES["stm32h7"], tmp_path)
    board = get_board("nucleo_h743zi")
    cksel = r["tk_fake_rcc.PLLCKSELR"]
    assert field(cksel, 0, 2) == 0b10, "PLL source HSE"
    m = field(cksel, 4, 6)
    divr = r["tk_fake_rcc.PLL1DIVR"]
    n, p, q, r_div = field(divr, 0, 9) + 1, field(divr, 9, 7) + 1, field(divr, 16, 7) + 1, field(divr, 24, 7) + 1
    assert (m, n, p, q, r_div) == (4, 400, 2, 8, 2)
    hse = 8_000_000
    ref, vco = hse // m, hse // m * n
    assert vco // p == board.clock_hz
    cfg = r["tk_fake_rcc.PLLCFGR"]
    assert field(cfg, 2, 2) == 0b01 and 2e6 <= ref <= 4e6, "input range matches the reference clock"
    assert field(cfg, 1, 1) == 0 and 192e6 <= vco <= 836e6, "wide VCO range"
    assert field(cfg, 0, 1) == 0 and field(cfg, 16, 3) == 0b111

    assert field(r["tk_fake_rcc.CFGR"], 0, 3) == 0b011
    d1 = r["tk_fake_rcc.D1CFGR"]
    assert field(d1, 8, 4) == 0 and field(d1, 0, 4) == 0b1000 and field(d1, 4, 3) == 0b100
    assert field(r["tk_fake_rcc.D2CFGR"], 4, 3) == field(r["tk_fake_rcc.D2CFGR"], 8, 3) == 0b100
    assert field(r["tk_fake_rcc.D3CFGR"], 4, 3) == 0b100
    axi = board.clock_hz // 2
    apb1 = axi // 2
    assert axi <= 200_000_000 and apb1 <= 100_000_000
    acr = r["tk_fake_flash.ACR"]
    assert field(acr, 0, 4) == 2 and field(acr, 4, 2) == 2  # RM0433 VOS1 at 200 MHz AXI
    assert r["tk_fake_pwr.CR3"] & 0b11 == 0b10, "LDO on, bypass off"
    assert field(r["tk_fake_pwr.D3CR"], 14, 2) == 0b11, "voltage scale 1"

    assert r["tk_fake_rcc.AHB4ENR"] & (1 << 3) and r["tk_fake_rcc.APB1LENR"] & (1 << 18)
    assert pin_mode(r["tk_fake_gpiod.MODER"], 8) == pin_mode(r["tk_fake_gpiod.MODER"], 9) == 0b10
    assert pin_af(r["tk_fake_gpiod.AFR[1]"], 8) == pin_af(r["tk_fake_gpiod.AFR[1]"], 9) == 7
    assert field(r["tk_fake_gpiod.PUPDR"], 18, 2) == 0b01  # pull-up on RX
    assert r["tk_fake_usart3.BRR"] == round(apb1 / BAUD) == 868
    assert r["tk_fake_usart3.CR1"] == 0b1101
    assert r["tk_fake_usart3.TDR"] == ord("A")
    assert r["cpu_hz"] == board.clock_hz
    assert r["caches_enabled_at"] == 1, "the M7's L1 caches on"
    assert r["dwt_started_at"] == 2


def run_made_up_family(tmp_path: Path, has_l1_caches: bool, pin_supply: bool) -> dict[str, int]:
    """The shared STM32 code alone, driven by a family description written
    here: plain variables stand for its RCC enable registers, port and UART;
    its clock init and pin-supply hook note when they run."""
    harness = tmp_path / "made_up_family.c"
    harness.write_text(f"""
#include <stdio.h>
#include <string.h>
#include "stm32_bsp.h"
#include "tinykit/bsp.h"
extern unsigned calls, caches_enabled_at, dwt_started_at;
unsigned clock_init_at, pin_supply_at;
void clock_init(void);
void enable_pin_supply(void); /* not static: the case without a pin supply leaves it unused */
uint32_t gpio_enable_register = 0x10u; /* another port already clocked: must stay on */
uint32_t uart_enable_register = 0x01u;
uint32_t gpio_enable_register_at_supply = 0xFFFFFFFFu;
tk_stm32_gpio port;
tk_stm32_usart uart;
void clock_init(void) {{ clock_init_at = ++calls; }}
void enable_pin_supply(void) {{ pin_supply_at = ++calls; gpio_enable_register_at_supply = gpio_enable_register; }}
const tk_stm32_family tk_stm32_this_family = {{
    .clock_init = clock_init,
    .sysclk_hz = 80000000u,
    .has_l1_caches = {int(has_l1_caches)},
    .console = {{
        .gpio_clock_enable = &gpio_enable_register,
        .gpio_clock_bit = 1u << 2,
        .uart_clock_enable = &uart_enable_register,
        .uart_clock_bit = 1u << 17,
        .enable_pin_supply = {"enable_pin_supply" if pin_supply else "NULL"},
        .port = &port,
        .tx_pin = 10, /* TX in AFRH, RX in AFRL: both halves of the AF registers */
        .rx_pin = 3,
        .alternate_function = 5,
        .uart = &uart,
        .brr = TK_USART_BRR(40000000u, TK_STM32_CONSOLE_BAUD),
    }},
}};
int main(void)
{{
    uart.ISR = (1u << 7) | (1u << 5); /* TXE, RXNE */
    uart.RDR = 0x1A5u;                /* only the low 8 bits are data */
    tk_bsp_init();
    tk_bsp_write("hi", 2);
    printf("read=%x\\n", (unsigned)tk_bsp_read_byte());
    printf("cpu_hz=%x\\ncycles=%x\\ndwt_source=%x\\n", (unsigned)tk_bsp_cpu_hz(), (unsigned)tk_bsp_cycles(),
           strcmp(tk_bsp_clock_source(), "dwt") == 0);
    printf("clock_init_at=%x\\npin_supply_at=%x\\ncaches_enabled_at=%x\\ndwt_started_at=%x\\n",
           clock_init_at, pin_supply_at, caches_enabled_at, dwt_started_at);
    printf("gpio_enable=%x\\ngpio_enable_at_supply=%x\\nuart_enable=%x\\n",
           (unsigned)gpio_enable_register, (unsigned)gpio_enable_register_at_supply, (unsigned)uart_enable_register);
    printf("MODER=%x\\nOTYPER=%x\\nOSPEEDR=%x\\nPUPDR=%x\\nAFRL=%x\\nAFRH=%x\\n", (unsigned)port.MODER,
           (unsigned)port.OTYPER, (unsigned)port.OSPEEDR, (unsigned)port.PUPDR, (unsigned)port.AFR[0], (unsigned)port.AFR[1]);
    printf("BRR=%x\\nCR1=%x\\nTDR=%x\\n", (unsigned)uart.BRR, (unsigned)uart.CR1, (unsigned)uart.TDR);
    return 0;
}}
""")
    stand_ins = tmp_path / "cortexm_stand_ins.c"
    stand_ins.write_text(CORTEXM_STAND_INS)
    shared = bsp_dir() / "stm32"
    sources = [*sorted(shared.glob("*.c")), stand_ins, harness]
    return parse_dump(compile_and_run(sources, [shared, bsp_dir() / "cortexm"], tmp_path))


def test_shared_stm32_bsp_follows_the_family_description(tmp_path: Path) -> None:
    r = run_made_up_family(tmp_path, has_l1_caches=True, pin_supply=True)
    # Clocks first, caches once they run, the console (its pin supply before
    # any GPIO clock), the cycle counter last.
    assert (r["clock_init_at"], r["caches_enabled_at"], r["pin_supply_at"], r["dwt_started_at"]) == (1, 2, 3, 4)
    assert r["gpio_enable_at_supply"] == 0x10
    assert r["gpio_enable"] == 0x10 | (1 << 2) and r["uart_enable"] == 0x01 | (1 << 17)

    assert pin_mode(r["MODER"], 10) == pin_mode(r["MODER"], 3) == 0b10
    assert pin_af(r["AFRH"], 10) == pin_af(r["AFRL"], 3) == 5
    assert field(r["OSPEEDR"], 20, 2) == field(r["OSPEEDR"], 6, 2) == 0b10
    assert r["OTYPER"] == 0, "push-pull"
    assert field(r["PUPDR"], 6, 2) == 0b01 and field(r["PUPDR"], 20, 2) == 0, "pull-up on RX only"

    assert r["BRR"] == round(40_000_000 / BAUD) == 347
    assert r["CR1"] == 0b1101
    assert r["TDR"] == ord("i"), "the last byte written"
    assert r["read"] == 0xA5
    assert r["cpu_hz"] == 80_000_000 and r["cycles"] == 0x1234 and r["dwt_source"] == 1


def test_shared_stm32_bsp_without_caches_or_pin_supply(tmp_path: Path) -> None:
    r = run_made_up_family(tmp_path, has_l1_caches=False, pin_supply=False)
    assert (r["clock_init_at"], r["caches_enabled_at"], r["pin_supply_at"], r["dwt_started_at"]) == (1, 0, 0, 2)
    assert r["gpio_enable"] == 0x10 | (1 << 2) and r["uart_enable"] == 0x01 | (1 << 17)
    assert r["CR1"] == 0b1101 and r["TDR"] == ord("i")
