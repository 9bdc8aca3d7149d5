"""mutant 08.3: folds lr into the buffer (v = momentum v + lr g; p -= v): the same path at a
constant lr, but the returned buffer is lr times too small and a changing lr is applied late."""


def momentum_step(p, g, buf, lr, momentum=0.9):
    buf = momentum * buf + lr * g
    return p - buf, buf
