"""mutant 08.5: subtracts lr * weight_decay from p (a constant) instead of multiplying."""


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return adam_step(p - lr * weight_decay, g, m, v, t, lr=lr, betas=betas, eps=eps)  # noqa: F821
