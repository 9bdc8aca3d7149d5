"""mutant 08.5: takes the Adam step first, then shrinks the result by (1 - lr * weight_decay)."""


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    p_new, m_new, v_new = adam_step(p, g, m, v, t, lr=lr, betas=betas, eps=eps)  # noqa: F821
    return p_new * (1 - lr * weight_decay), m_new, v_new
