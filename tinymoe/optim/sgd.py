"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

import numpy as np

from tinymoe.optim.optimizer import Optimizer, check_hparam


class SGD(Optimizer):
    """``torch.optim.SGD``: with ``g = grad + weight_decay * p``,
    ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` on the first step),
    ``p -= lr * (g + momentum * buf if nesterov else buf)``; plain ``p -= lr * g``
    when ``momentum == 0``."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay))

    def _check_hparams(self, group):
        super()._check_hparams(group)
        for key in ("momentum", "dampening", "weight_decay"):
            check_hparam("SGD", key, group[key])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening == 0, "
                             f"got momentum={group['momentum']}, dampening={group['dampening']}")

    def step(self) -> None:
        for group in self.param_groups:
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p, grad in self._grads(group):
                if wd:
                    grad = grad + wd * p.data
                if momentum:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(grad, copy=True)
                    else:
                        buf *= momentum
                        buf += (1 - group["dampening"]) * grad
                    grad = grad + momentum * buf if group["nesterov"] else buf
                p.data -= lr * grad
