"""mutant 08.5: calls adam_step without passing betas and eps on (the defaults are used)."""


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return adam_step(p * (1 - lr * weight_decay), g, m, v, t, lr=lr)  # noqa: F821
