"""mutant 10.4: uses the gate logits x W^T + b directly as weights, without a softmax."""


def sigmoid_mixture(x, thetas, gate_W, gate_b):
    w = x @ gate_W.T + gate_b
    return (w * sigmoid(x @ thetas.T)).sum(axis=1)
