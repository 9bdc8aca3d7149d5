"""mutant 08.3: moves p along the OLD buffer, then updates it (the first step does not move)."""


def momentum_step(p, g, buf, lr, momentum=0.9):
    p_new = p - lr * buf
    return p_new, momentum * buf + g
