"""mutant 08.3: always uses momentum 0.9, ignoring the `momentum` argument."""


def momentum_step(p, g, buf, lr, momentum=0.9):
    buf = 0.9 * buf + g
    return p - lr * buf, buf
