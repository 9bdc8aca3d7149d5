"""mutant 08.5: shrinks p by (1 - weight_decay), forgetting the learning rate."""


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return adam_step(p * (1 - weight_decay), g, m, v, t, lr=lr, betas=betas, eps=eps)  # noqa: F821
