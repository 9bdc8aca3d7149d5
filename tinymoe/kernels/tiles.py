"""Micro-kernel shapes and their register-resident accumulator: ``Tile``, ``zeros_tile``.

The outer-product micro-kernel (rung 7, ``matmul_ladder._micro``) keeps an (MR, NR)
block of C in vector registers across the whole k loop, so the best (MR, NR) depends on
the register file (``tinymoe.kernels.isa`` picks it per CPU). A ``Tile`` carries the
shape and the cache blocking into jitted code *as a type*: each distinct tile is a
distinct Numba type, so its fields are compile-time constants there (``tile_mr(tile)``
...), LLVM sees constant trip counts and fully unrolls the micro-kernel, and every tile
gets its own compiled (and disk-cached) specialisation.

``zeros_tile(dtype, tile)``: an array from ``np.zeros`` lives on the heap, where LLVM
cannot prove it is disjoint from A, B and C, so every update becomes a load and a store.
A stack buffer (``alloca``) provably aliases nothing: once the loops over it are
unrolled, LLVM promotes it to registers (SROA) and never touches memory.
"""

import math
from dataclasses import dataclass

import numpy as np
from llvmlite import ir
from numba import carray, types
from numba.core import cgutils
from numba.core.imputils import lower_constant
from numba.extending import (
    NativeValue,
    intrinsic,
    models,
    overload,
    register_model,
    typeof_impl,
    unbox,
)

MR = 6  # the ladder's rung 7 tile: 6 broadcasts of A per k step ...
NR = 32  # ... times two 512-bit vectors of float32 (four of float64) per row


@dataclass(frozen=True)
class Tile:
    """An (mr, nr) micro-kernel tile of C for vectors of ``vector_bytes`` (16 for SSE and
    NEON, 32 for AVX2, 64 for AVX-512), plus its cache blocking: ``panel_bytes`` (bytes
    of packed B per k-panel, kc x nr, meant to stay in L1; so kc = panel_bytes // (nr *
    itemsize)) and ``group`` (row panels of mr rows per parallel task, the MC block: the
    task's packed A, group*mr x kc, stays in L2)."""

    mr: int
    nr: int
    vector_bytes: int = 32
    panel_bytes: int = 32 * 1024
    group: int = 8

    def __post_init__(self):
        if not (1 <= self.mr <= 16 and 1 <= self.nr <= 64 and self.vector_bytes in (8, 16, 32, 64)
                and self.panel_bytes >= 1 and self.group >= 1):
            raise ValueError(f"Tile: need 1 <= mr <= 16, 1 <= nr <= 64, vector_bytes in 8, 16, "
                             f"32, 64, panel_bytes >= 1 and group >= 1, got {self!r}")

    def lanes(self, dtype) -> int:
        """Elements per vector of the micro-kernel (a divisor of nr)."""
        return math.gcd(self.nr, max(1, self.vector_bytes // np.dtype(dtype).itemsize))

    def registers(self, dtype) -> int:
        """Vector registers the accumulators take: mr * nr / lanes."""
        return self.mr * self.nr // self.lanes(dtype)

    def kc(self, dtype) -> int:
        """Length of a k-panel for ``dtype``."""
        return max(1, self.panel_bytes // (self.nr * np.dtype(dtype).itemsize))

    def __str__(self) -> str:
        return f"{self.mr}x{self.nr}"


class TileType(types.Type):
    """The Numba type of one ``Tile`` value: the tile's fields are part of the type."""

    def __init__(self, tile: Tile):
        self.tile = tile
        super().__init__(name=(f"Tile({tile.mr}x{tile.nr},v{tile.vector_bytes},"
                               f"{tile.panel_bytes}B,group={tile.group})"))


@typeof_impl.register(Tile)
def _typeof_tile(value, context):
    return TileType(value)


register_model(TileType)(models.OpaqueModel)  # no runtime data: everything is in the type


@unbox(TileType)
def _unbox_tile(typ, obj, c):
    return NativeValue(c.context.get_constant_null(typ))


@lower_constant(TileType)
def _constant_tile(context, builder, typ, value):
    return context.get_constant_null(typ)


def tile_mr(tile):
    """tile.mr; in jitted code a compile-time constant."""
    return tile.mr


def tile_nr(tile):
    """tile.nr; in jitted code a compile-time constant."""
    return tile.nr


def tile_panel_bytes(tile):
    """tile.panel_bytes; in jitted code a compile-time constant."""
    return tile.panel_bytes


def tile_group(tile):
    """tile.group; in jitted code a compile-time constant."""
    return tile.group


def _constant_field(fn, name):
    """Overload ``fn(tile)`` in jitted code with the constant ``tile.<name>``."""

    @overload(fn, inline="always")
    def _jit(tile):
        if not isinstance(tile, TileType):
            return None
        value = getattr(tile.tile, name)
        return lambda tile: value


for _fn, _name in ((tile_mr, "mr"), (tile_nr, "nr"), (tile_panel_bytes, "panel_bytes"),
                   (tile_group, "group")):
    _constant_field(_fn, _name)


def zeros_tile(dtype, tile):
    """A zeroed (tile.mr, tile.nr) array of ``dtype``; in jitted code a stack buffer (see
    above). Only valid inside the jitted function that calls it (it is inlined there)."""
    return np.zeros((tile.mr, tile.nr), dtype)


@intrinsic
def _stack_zeros(typingctx, dtype, tile):
    """Pointer to mr*nr zeroed elements allocated in the caller's stack frame."""
    element = dtype.dtype
    size = tile.tile.mr * tile.tile.nr

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(element)
        ptr = cgutils.alloca_once(builder, ty, size=size)  # entry block: one per call site
        nbytes = context.get_constant(types.intp, size * context.get_abi_sizeof(ty))
        cgutils.memset(builder, ptr, nbytes, 0)
        return ptr

    return types.CPointer(element)(dtype, tile), codegen


@overload(zeros_tile, inline="always")  # inlined, so the alloca is in the caller's frame
def _zeros_tile_jit(dtype, tile):
    if not isinstance(tile, TileType):
        return None
    shape = (tile.tile.mr, tile.tile.nr)

    def impl(dtype, tile):
        return carray(_stack_zeros(dtype, tile), shape)

    return impl


def fma_panel(ap, bp, acc, tile):
    """acc += ap.T @ bp: ap (kc, MR) any strides (packed, or a view of A's rows), bp (kc,
    NR) and acc (MR, NR) contiguous along their last axis; (MR, NR) is ``tile``'s shape.
    In jitted code ``_fma_panel_ir``."""
    acc += ap.T @ bp


@overload(fma_panel, inline="always")
def _fma_panel_jit(ap, bp, acc, tile):
    def impl(ap, bp, acc, tile):
        _fma_panel_ir(ap, bp, acc, tile)

    return impl


@intrinsic
def _fma_panel_ir(typingctx, ap, bp, acc, tile):
    """``fma_panel`` in jitted code: the micro-kernel's k loop, written directly
    in LLVM IR with vectors of ``tile.lanes`` elements: per k, NR/lanes vector loads of
    B, MR broadcasts of A and MR*NR/lanes multiply-adds into accumulators that stay in
    registers. Written by hand because LLVM's loop vectoriser, given the scalar loop,
    may vectorise along k instead (one accumulator per tile element: 48 vectors for a
    6x8 float64 tile, which spill)."""
    if not (isinstance(tile, TileType) and all(isinstance(x, types.Array) and x.ndim == 2
                                               for x in (ap, bp, acc))):
        return None
    mr, nr = tile.tile.mr, tile.tile.nr
    width = tile.tile.lanes(np.dtype(str(ap.dtype)))

    def codegen(context, builder, signature, args):
        a_arr, b_arr, c_arr = (context.make_array(t)(context, builder, v)
                               for t, v in zip(signature.args[:3], args))
        intp = context.get_value_type(types.intp)
        vec = ir.VectorType(context.get_value_type(ap.dtype), width)
        align = context.get_abi_sizeof(vec.element)
        suffix = f"v{width}f{8 * align}"  # e.g. v8f32
        fmuladd = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3),
                                                 f"llvm.fmuladd.{suffix}")

        def vector_at(array, row, col):
            """Pointer to array[row, col:col + width] (row an LLVM value, col a constant)."""
            base = builder.bitcast(array.data, ir.IntType(8).as_pointer())
            stride = cgutils.unpack_tuple(builder, array.strides, 2)[0]
            row_ptr = builder.bitcast(builder.gep(base, [builder.mul(row, stride)]),
                                      array.data.type)
            return builder.gep(row_ptr, [intp(col)])

        def load(ptr):
            return builder.load(builder.bitcast(ptr, vec.as_pointer()), align=align)

        slots = {}
        for r in range(mr):
            for j in range(0, nr, width):
                slots[r, j] = cgutils.alloca_once(builder, vec)  # promoted to a register
                builder.store(load(vector_at(c_arr, intp(r), j)), slots[r, j])
        kc = cgutils.unpack_tuple(builder, a_arr.shape, 2)[0]
        a_base = builder.bitcast(a_arr.data, ir.IntType(8).as_pointer())
        a_k, a_r = cgutils.unpack_tuple(builder, a_arr.strides, 2)  # any strides: packed
        a_cols = [builder.gep(a_base, [builder.mul(a_r, intp(r))]) for r in range(mr)]
        lanes = ir.Constant(ir.VectorType(ir.IntType(32), width), [0] * width)
        with cgutils.for_range(builder, kc) as loop:
            b = {j: load(vector_at(b_arr, loop.index, j)) for j in range(0, nr, width)}
            offset = builder.mul(loop.index, a_k)
            for r in range(mr):
                scalar = builder.load(builder.bitcast(builder.gep(a_cols[r], [offset]),
                                                      a_arr.data.type))
                one = builder.insert_element(ir.Constant(vec, ir.Undefined), scalar,
                                             ir.IntType(32)(0))
                splat = builder.shuffle_vector(one, ir.Constant(vec, ir.Undefined), lanes)
                for j in range(0, nr, width):
                    total = builder.call(fmuladd, [splat, b[j], builder.load(slots[r, j])])
                    builder.store(total, slots[r, j])
        for (r, j), slot in slots.items():
            builder.store(builder.load(slot),
                          builder.bitcast(vector_at(c_arr, intp(r), j), vec.as_pointer()),
                          align=align)
        return context.get_dummy_value()

    return types.none(ap, bp, acc, tile), codegen
