"""Which micro-kernel tile the engine's matmul uses on this CPU: ``choice()``.

A tile of C (MR x NR) lives in vector registers for a whole k loop, so it must fit the
register file with room for the operands: MR*NR/lanes accumulators, NR/lanes vectors of
B and one broadcast of A. Hence one tile per vector instruction set (``KERNELS``):

- ``avx512`` (32 zmm registers of 512 bits): 6x32 float32 (12 accumulators) and 6x32
  float64 (24), the tile the engine was first tuned with;
- ``avx2`` (16 ymm registers of 256 bits, FMA): 6x16 float32 and 6x8 float64, 12
  accumulators + 2 vectors of B + 1 broadcast = 15 registers (BLIS's Haswell shapes);
  a 6x32 tile there needs 24 accumulators and spills to memory every k step;
- ``neon`` (32 registers of 128 bits, aarch64): 8x12 float32 (24 accumulators) and
  6x8 float64 (24);
- ``generic`` (anything else): no packed micro-kernel; the register-blocked rung 6,
  which needs no particular vector width.

The choice follows the CPU that Numba compiles for: ``NUMBA_CPU_NAME`` /
``NUMBA_CPU_FEATURES`` when set (e.g. ``NUMBA_CPU_NAME=haswell`` emits AVX2 code on any
x86-64 machine), else the host's LLVM name and features. 512-bit tiles are skipped with
``TINYMOE_AVX512=0``. Overrides, read at the first matmul:

- ``TINYMOE_GEMM_KERNEL=avx512|avx2|neon|generic``: take that kernel's tiles;
- ``TINYMOE_GEMM_TILE=6x16`` (both dtypes) or ``6x16,6x8`` (float32, float64): that MR x NR
  with the chosen kernel's vector width (16 bytes under ``generic``).
"""

import os
import platform
from dataclasses import dataclass

from llvmlite import binding as llvm

from tinymoe.kernels.tiles import Tile

KB = 1024
# kernel -> {dtype name: Tile or None (rung 6)}. panel_bytes: a kc x NR panel of B in half
# of a 32 KB L1 (kc = 256 for AVX2 in both dtypes, as BLIS's Haswell blocking). group: row
# panels per task (MC = group * MR rows of A per k-panel, which stay in L2): 32 on AVX-512
# chips (L2 1-2 MB; 1024^3 float32 went from 226-235 to 243-254 GFLOP/s on a 2-core Xeon,
# 512^3 unchanged), 8 elsewhere (L2 256-512 KB).
KERNELS = {
    "avx512": {"float32": Tile(6, 32, 64, 32 * KB, 32),
               "float64": Tile(6, 32, 64, 32 * KB, 32)},
    "avx2": {"float32": Tile(6, 16, 32, 16 * KB, 8), "float64": Tile(6, 8, 32, 16 * KB, 8)},
    "neon": {"float32": Tile(8, 12, 16, 16 * KB, 6), "float64": Tile(6, 8, 16, 16 * KB, 8)},
    "generic": {"float32": None, "float64": None},
}
# LLVM x86 CPU names by vector unit (an unknown name gets ``generic``).
AVX512_CPUS = {
    "skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
    "icelake-server", "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids",
    "graniterapids", "graniterapids-d", "diamondrapids", "knl", "knm", "znver4", "znver5",
    "x86-64-v4",
}
AVX2_CPUS = {
    "haswell", "broadwell", "skylake", "alderlake", "raptorlake", "meteorlake", "arrowlake",
    "arrowlake-s", "lunarlake", "pantherlake", "gracemont", "sierraforest", "grandridge",
    "clearwaterforest", "znver1", "znver2", "znver3", "bdver4", "x86-64-v3",
}


@dataclass(frozen=True)
class Choice:
    """The engine's GEMM kernel: its name, the per-dtype tiles (None: rung 6), the CPU it
    was chosen for and why."""

    kernel: str
    tiles: dict
    cpu: str
    reason: str

    def describe(self) -> str:
        tiles = ", ".join(f"{d} {t} ({t.registers(d)} accumulator registers, kc="
                          f"{t.kc(d)})" if t else f"{d} register-blocked rung 6"
                          for d, t in self.tiles.items())
        return f"gemm kernel {self.kernel} for cpu {self.cpu} ({self.reason}): {tiles}"


def kernel_for(cpu: str, features: str, allow_512: bool = True,
               machine: str | None = None) -> str:
    """The kernel for an LLVM CPU name and feature string ("+avx2,+fma,-avx512f,...";
    empty: judge by the name). ``machine``: platform.machine() (default: this host's),
    which says whether an unknown name is an aarch64 CPU (NEON is part of AArch64)."""
    machine = platform.machine() if machine is None else machine
    enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
    if not features:
        if cpu in AVX512_CPUS:
            enabled = {"avx512f", "avx2", "fma"}
        elif cpu in AVX2_CPUS:
            enabled = {"avx2", "fma"}
        elif machine.lower() in ("aarch64", "arm64"):
            enabled = {"neon"}
    if "avx512f" in enabled and allow_512:
        return "avx512"
    if {"avx2", "fma"} <= enabled:
        return "avx2"
    if "neon" in enabled:
        return "neon"
    return "generic"


def parse_tiles(text: str, kernel: str) -> dict:
    """``TINYMOE_GEMM_TILE``: "MRxNR" or "MRxNR,MRxNR" (float32, float64) -> tiles with
    ``kernel``'s vector width and blocking."""
    parts = [p.strip().lower() for p in text.split(",")]
    try:
        shapes = [tuple(int(x) for x in p.split("x")) for p in parts]
        if len(shapes) not in (1, 2) or any(len(s) != 2 for s in shapes):
            raise ValueError
    except ValueError:
        raise ValueError(f"TINYMOE_GEMM_TILE: expected MRxNR or MRxNR,MRxNR (float32, "
                         f"float64), e.g. 6x16, got {text!r}") from None
    out = {}
    for dtype, (mr, nr) in zip(("float32", "float64"), shapes * (3 - len(shapes))):
        base = KERNELS[kernel][dtype] or Tile(6, 8, 16, 16 * KB, 8)
        out[dtype] = Tile(mr, nr, base.vector_bytes, base.panel_bytes, base.group)
    return out


def choose(environ=os.environ, host_cpu: str | None = None, host_features: str | None = None,
           machine: str | None = None) -> Choice:
    """The kernel and tiles for the CPU Numba targets, given the environment (see above).
    ``host_cpu`` / ``host_features`` default to LLVM's view of this machine."""
    cpu, features = environ.get("NUMBA_CPU_NAME", ""), environ.get("NUMBA_CPU_FEATURES", "")
    if cpu in ("", "host"):
        cpu = llvm.get_host_cpu_name() if host_cpu is None else host_cpu
        if not features:
            features = llvm.get_host_cpu_features().flatten() if host_features is None \
                else host_features
        reason = "host" if "NUMBA_CPU_FEATURES" not in environ else "NUMBA_CPU_FEATURES"
    else:
        reason = "NUMBA_CPU_NAME"
    kernel = kernel_for(cpu, features, environ.get("TINYMOE_AVX512", "1") != "0", machine)
    forced = environ.get("TINYMOE_GEMM_KERNEL", "")
    if forced:
        if forced not in KERNELS:
            raise ValueError(f"TINYMOE_GEMM_KERNEL: expected one of {', '.join(KERNELS)}, "
                             f"got {forced!r}")
        kernel, reason = forced, "TINYMOE_GEMM_KERNEL"
    tiles = dict(KERNELS[kernel])
    if environ.get("TINYMOE_GEMM_TILE"):
        tiles = parse_tiles(environ["TINYMOE_GEMM_TILE"], kernel)
        reason += ", TINYMOE_GEMM_TILE"
    return Choice(kernel, tiles, cpu, reason)


_choice = None


def choice() -> Choice:
    """``choose()`` for this process, decided once (at the first matmul)."""
    global _choice
    if _choice is None:
        _choice = choose()
    return _choice
