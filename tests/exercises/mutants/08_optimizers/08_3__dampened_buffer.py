"""mutant 08.3: buf = momentum * buf + (1 - momentum) * g (an EMA, as in Adam's m)."""


def momentum_step(p, g, buf, lr, momentum=0.9):
    buf = momentum * buf + (1 - momentum) * g
    return p - lr * buf, buf
