"""mutant 14.5: the feed-forward reads ln2(x) instead of ln2(h)."""


def moe_block(x, ln1, attn, ln2, ffn):
    h = x + attn(ln1(x))
    y = h + ffn(ln2(x))
    return y, ffn.aux_loss()
