"""alternative 07.6: adds p.data.size over module.parameters()."""


def num_parameters(module):
    total = 0
    for p in module.parameters():
        total += int(p.data.size)
    return total
