"""mutant 08.5: Adam with L2: adds weight_decay * p to the gradient instead of decaying p."""


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return adam_step(p, g + weight_decay * p, m, v, t, lr=lr, betas=betas, eps=eps)  # noqa: F821
