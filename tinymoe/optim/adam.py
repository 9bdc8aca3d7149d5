"""Adam (with optional AMSGrad) and AdamW: the update itself is ``tinymoe.backend.adam_step``
(a fused Numba kernel on the "numba" backend, NumPy otherwise)."""

import numpy as np

from tinymoe.autograd import mark_modified
from tinymoe.backend import adam_step
from tinymoe.optim.optimizer import Optimizer, check_hparam


class Adam(Optimizer):
    """``torch.optim.Adam``: bias-corrected moment estimates; ``weight_decay`` adds
    ``weight_decay * p`` to the gradient (L2); ``amsgrad`` divides by the running maximum
    of the second moment."""

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _check_hparams(self, group):
        super()._check_hparams(group)
        name = type(self).__name__
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas}")
        for i, beta in enumerate(betas):
            check_hparam(name, f"betas[{i}]", beta, below=1.0)
        for key in ("eps", "weight_decay"):
            check_hparam(name, key, group[key])

    def step(self) -> None:
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p, grad in self._grads(group):
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(p.data),
                                             "exp_avg_sq": np.zeros_like(p.data)}
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                adam_step(p.data, grad, state["exp_avg"], state["exp_avg_sq"],
                          step=state["step"], lr=group["lr"], beta1=beta1, beta2=beta2,
                          eps=group["eps"], weight_decay=group["weight_decay"],
                          decoupled=self.decoupled, max_exp_avg_sq=state.get("max_exp_avg_sq"))
                mark_modified(p)  # p.data changed in place: a graph that saved it is stale


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay,
    ``p *= 1 - lr * weight_decay`` before the Adam update."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
