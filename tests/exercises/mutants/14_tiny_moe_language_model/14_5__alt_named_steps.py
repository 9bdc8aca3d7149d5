"""alternative 14.5: sub-layer outputs named first; the aux loss summed over sub-modules."""


def moe_block(x, ln1, attn, ln2, ffn):
    mixed = attn(ln1(x))
    h = mixed + x
    update = ffn(ln2(h))
    aux = ffn.aux_loss()
    return update + h, aux
