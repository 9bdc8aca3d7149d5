# Exercises for lesson 15: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/15_moe_in_practice.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 15: mixtures of experts in practice — multi-task learning, text classification and
vision-language fusion, the applications of the seed articles done right.

1. multi-gate MoE (Ma et al. 2018): shared experts, one softmax gate per task;
2. an embedding lookup is a one-hot vector times a matrix, and so is its gradient: a
   scatter-add over the ids, where repeated ids add up;
3. an LSTM classifier reads the output at each sentence's last real word, not at padding;
4. accuracy and macro-averaged precision, recall and F1 from a confusion matrix;
5. a modality-aware router for a vision-language MoE: image tokens may use image experts
   and shared experts, text tokens text experts and shared experts.

Every exercise is a NumPy function (15.3 also runs on tinymoe Tensors) with shapes and an
example in its docstring.
"""

import numpy as np


def mmoe_forward(x, expert_w, expert_b, gate_w, gate_b):
    """Multi-gate mixture of experts: every task mixes the shared experts with its own gate.

    x: (B, D) inputs; expert_w: (E, H, D) and expert_b: (E, H), expert e is
    f_e(x) = relu(x @ expert_w[e].T + expert_b[e]) (B, H); gate_w: (K, E, D) and
    gate_b: (K, E), task k's gate is g_k = softmax(x @ gate_w[k].T + gate_b[k]) (B, E),
    a softmax over the EXPERTS (each row sums to 1; compute it stably).
    Returns (mixed (K, B, H), gates (K, B, E)) with
        mixed[k, b] = sum_e gates[k, b, e] * f_e(x)[b].

    Example: x = [[1, 0]], two experts with expert_w[0] = [[1, 0]], expert_w[1] = [[0, 0]],
    expert_b = [[0], [3]] (so f_0 = 1, f_1 = 3); one task with gate_w = 0 and gate_b =
    [[0, log 3]] -> gates [[[0.25, 0.75]]], mixed [[[0.25 * 1 + 0.75 * 3]]] = [[[2.5]]].
    """
    raise NotImplementedError(
        "exercise 15.1: experts relu(x W_e^T + b_e); per-task softmax over experts; mix"
    )


def embedding_backward(ids, grad_out, num_embeddings):
    """The gradient of an embedding table from the gradient of its output.

    The lookup out = weight[ids] is one_hot(ids) @ weight, with one_hot(ids) of shape
    (..., V) and weight (V, D). So dL/dweight = one_hot(ids)^T @ grad_out, summed over every
    position: row v of the gradient is the sum of grad_out over all positions whose id is v
    (0 for ids that never occur). An id that occurs twice gets BOTH gradients.
    ids: (...) int in [0, V); grad_out: (..., D), dL/d(out); num_embeddings: V.
    Returns grad_weight (V, D) of grad_out's dtype.

    Example: ids [[2, 0, 2]], grad_out [[[1, 1], [5, 5], [10, 20]]], V = 4
    -> [[5, 5], [0, 0], [11, 21], [0, 0]].
    """
    raise NotImplementedError(
        "exercise 15.2: scatter-add the rows of grad_out into rows ids (np.add.at)"
    )


def last_hidden(outputs, lengths):
    """Each sequence's output at its last real token, for a right-padded batch.

    outputs: (B, T, H) per-step outputs of an LSTM (a NumPy array or a tinymoe Tensor);
    lengths: (B,) int, the number of real tokens of each sequence (1 <= lengths[b] <= T);
    positions lengths[b]:T are padding. Returns (B, H): row b is outputs[b, lengths[b] - 1],
    the same type as outputs (use indexing that tinymoe Tensors support, so gradients reach
    the selected steps only).

    Example: outputs[:, :, 0] = [[1, 2, 3], [4, 5, 6]], lengths [2, 3] -> [[2], [6]].
    """
    raise NotImplementedError("exercise 15.3: pick step lengths[b] - 1 of row b (two index arrays)")


def macro_scores(cm):
    """Accuracy and macro-averaged precision, recall and F1 from a confusion matrix.

    cm: (C, C) counts, cm[i, j] = the number of samples of TRUE class i PREDICTED as j
    (rows = truth, as in tinymoe.metrics.confusion_matrix and scikit-learn). For class c:
    TP = cm[c, c], precision_c = TP / (column c's sum), recall_c = TP / (row c's sum),
    F1_c = 2 TP / (row sum + column sum). A ratio with a zero denominator is 0 (a class
    that is never predicted has precision 0), without a warning. Macro averages are the
    plain means of the per-class scores over the classes that OCCUR (a non-zero row or
    column); a class with neither is left out. Note that macro F1 is the mean of the
    per-class F1s, not the F1 of the macro precision and recall.
    Returns a dict with the floats "accuracy", "precision", "recall", "f1".

    Example: cm [[3, 1, 0], [2, 2, 0], [1, 0, 0]] (class 2 is never predicted):
    accuracy 5/9; precision [3/6, 2/3, 0] -> 0.389; recall [3/4, 2/4, 0/1] -> 0.417;
    F1 [6/10, 4/7, 0] -> 0.390.
    """
    raise NotImplementedError(
        "exercise 15.4: diagonal over column / row sums, 0 where 0/0, mean over present classes"
    )


def modality_route(logits, modality, expert_modality, k):
    """Top-k routing where each token may only use the experts of its own modality.

    logits: (T, E) router logits; modality: (T,) int, each token's modality (say 0 = image
    patch, 1 = word); expert_modality: (E,) int, the modality each expert serves, or -1
    for a SHARED expert that every token may use; k: experts per token (every token has
    at least k allowed experts). Token t may use expert e when expert_modality[e] is -1
    or equal to modality[t].
    probs (T, E): the softmax of each token's logits over its ALLOWED experts only, exactly
    0 for the others (so each row sums to 1 over what the token can use; compute it
    stably). expert (T, k): the k allowed experts with the largest probs, best first (ties:
    the lower expert id first). Returns (probs, expert).

    Example: logits [[0, 0, log 3], [0, 0, log 3]], modality [0, 1], expert_modality
    [0, 1, -1], k = 1 -> probs [[0.25, 0, 0.75], [0, 0.25, 0.75]], expert [[2], [2]].
    """
    raise NotImplementedError(
        "exercise 15.5: mask disallowed experts with -inf before a stable softmax; top-k"
    )
