"""mutant 07.6: sums each sub-module's own parameters, so a shared (tied) weight counts twice."""


def num_parameters(module):
    total = 0
    for _, sub in module.named_modules():
        for p in sub._parameters.values():
            if p is not None:
                total += p.numel()
    return total
