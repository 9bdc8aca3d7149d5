"""mutant 02.6: grad-checks copies of the parameters, so loss_fn(params) never changes."""


def grad_check(loss_fn, params, grads, eps=1e-6):
    report = {}
    for name, value in params.items():
        trial = value.copy()
        numeric = numerical_grad(lambda v: loss_fn(params), trial, eps)  # noqa: F821
        report[name] = relative_error(grads[name], numeric)  # noqa: F821
    return report
