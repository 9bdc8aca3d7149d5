"""mutant 14.5: post-norm (the original 2017 transformer): normalise after each residual add."""


def moe_block(x, ln1, attn, ln2, ffn):
    h = ln1(x + attn(x))
    y = ln2(h + ffn(h))
    return y, ffn.aux_loss()
