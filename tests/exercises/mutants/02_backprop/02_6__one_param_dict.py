"""mutant 02.6: calls loss_fn with only the parameter being checked."""


def grad_check(loss_fn, params, grads, eps=1e-6):
    report = {}
    for name, value in params.items():
        numeric = numerical_grad(lambda v: loss_fn({name: v}), value, eps)  # noqa: F821, B023
        report[name] = relative_error(grads[name], numeric)  # noqa: F821
    return report
