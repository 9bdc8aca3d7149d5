"""mutant 14.5: the aux loss is not reported (a zero Tensor is returned)."""

import tinymoe as tm


def moe_block(x, ln1, attn, ln2, ffn):
    h = x + attn(ln1(x))
    y = h + ffn(ln2(h))
    return y, tm.zeros((), dtype=x.dtype)
