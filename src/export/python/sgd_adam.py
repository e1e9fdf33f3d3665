"""SGD, Adam and AdamW: torch.optim's own, with the playground's parameter groups.

The engine implements exactly torch.optim's arithmetic (foreach=False, maximize=False,
amsgrad=False), with t = step + 1:

- SGD: g = grad + wd * theta; with momentum, buf = g at the first step, else
  momentum * buf + (1 - dampening) * g, and g = g + momentum * buf (Nesterov) or buf;
  theta = theta - lr * g.
- Adam: g = grad + wd * theta; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  theta = theta - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
- AdamW: theta = (1 - lr * wd) theta first, then Adam's step without the decay in g.

Each parameter group of the run becomes a torch param group whose lr is set every step to
lr_scale x the scheduled lr, so a group's lr follows the schedule as in the engine.
"""

from __future__ import annotations

import torch
from torch import nn

from optim_common import Optimizer, Setup


class TorchOptimizer(Optimizer):
    """A torch.optim optimizer over the run's trained tensors, one torch group per (lr scale, weight decay)."""

    def __init__(self, model: nn.Module, run: dict, setup: Setup) -> None:
        super().__init__(model, run, setup)
        groups: dict[tuple[float, float], list[nn.Parameter]] = {}
        for entry in self.trained:
            groups.setdefault((entry.lr_scale, entry.weight_decay), []).append(entry.param)
        self.groups = [{'params': params, 'lr_scale': scale, 'weight_decay': decay} for (scale, decay), params in groups.items()]
        self.optimizer = self.build(self.groups)

    def build(self, groups: list[dict]) -> torch.optim.Optimizer:
        raise NotImplementedError

    def update(self, step: int, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group['lr'] = lr * group['lr_scale']
        self.optimizer.step()


class SGD(TorchOptimizer):
    """torch.optim.SGD with the run's momentum, dampening, Nesterov flag and coupled weight decay."""

    def build(self, groups: list[dict]) -> torch.optim.Optimizer:
        config = self.config
        if config['nesterov'] and (config['momentum'] <= 0 or config['dampening'] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0 (got momentum {config['momentum']}, dampening {config['dampening']})"
            )
        return torch.optim.SGD(
            groups,
            lr=float(config['lr']),
            momentum=float(config['momentum']),
            dampening=float(config['dampening']),
            nesterov=bool(config['nesterov']),
            foreach=False,
        )


class Adam(TorchOptimizer):
    """torch.optim.Adam (coupled L2 weight decay)."""

    def build(self, groups: list[dict]) -> torch.optim.Optimizer:
        betas = tuple(float(b) for b in self.config['betas'])
        return torch.optim.Adam(groups, lr=float(self.config['lr']), betas=betas, eps=float(self.config['eps']), foreach=False)


class AdamW(TorchOptimizer):
    """torch.optim.AdamW (decoupled weight decay)."""

    def build(self, groups: list[dict]) -> torch.optim.Optimizer:
        betas = tuple(float(b) for b in self.config['betas'])
        return torch.optim.AdamW(groups, lr=float(self.config['lr']), betas=betas, eps=float(self.config['eps']), foreach=False)
