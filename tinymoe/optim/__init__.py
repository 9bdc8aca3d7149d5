"""Optimisers, learning-rate schedules and gradient clipping."""

from tinymoe.optim import lr_scheduler
from tinymoe.optim.adam import Adam, AdamW
from tinymoe.optim.clip import clip_grad_norm_
from tinymoe.optim.optimizer import Optimizer
from tinymoe.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "clip_grad_norm_", "lr_scheduler"]
