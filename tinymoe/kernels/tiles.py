"""An accumulator tile that lives in vector registers: ``zeros_tile(dtype)``.

The outer-product micro-kernel (rung 7) keeps an (MR, NR) block of C in registers
across the whole k loop. An array from ``np.zeros`` lives on the heap, where LLVM
cannot prove it is disjoint from A, B and C, so every update becomes a load and a
store. A stack buffer (``alloca``) provably aliases nothing: once the loops over it
are unrolled, LLVM promotes it to registers (SROA) and never touches memory.
"""

import numpy as np
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

MR = 6  # rows of the tile: 6 broadcasts of A per k step
NR = 32  # columns: two 512-bit vectors of float32 (four of float64) per row


def zeros_tile(dtype):
    """A zeroed (MR, NR) array of ``dtype``; in jitted code a stack buffer (see above).
    Only valid inside the jitted function that calls it (it is inlined there)."""
    return np.zeros((MR, NR), dtype)


@intrinsic
def _stack_zeros(typingctx, dtype):
    """Pointer to MR*NR zeroed elements allocated in the caller's stack frame."""
    element = dtype.dtype

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(element)
        ptr = cgutils.alloca_once(builder, ty, size=MR * NR)  # entry block: one per call site
        nbytes = context.get_constant(types.intp, MR * NR * context.get_abi_sizeof(ty))
        cgutils.memset(builder, ptr, nbytes, 0)
        return ptr

    return types.CPointer(element)(dtype), codegen


@overload(zeros_tile, inline="always")  # inlined, so the alloca is in the caller's frame
def _zeros_tile_jit(dtype):
    def impl(dtype):
        return carray(_stack_zeros(dtype), (MR, NR))

    return impl
