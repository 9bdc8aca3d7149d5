"""mutant 14.5: the residual carries ln1(x) instead of x."""


def moe_block(x, ln1, attn, ln2, ffn):
    a = ln1(x)
    h = a + attn(a)
    y = h + ffn(ln2(h))
    return y, ffn.aux_loss()
