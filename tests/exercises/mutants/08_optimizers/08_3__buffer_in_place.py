"""mutant 08.3: updates the caller's buffer in place (buf *= momentum; buf += g)."""


def momentum_step(p, g, buf, lr, momentum=0.9):
    buf *= momentum
    buf += g
    return p - lr * buf, buf
