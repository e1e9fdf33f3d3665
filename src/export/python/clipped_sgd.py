"""What K-FAC, Shampoo and AdaHessian share: parameter groups, the cross-process mean of a
curvature measurement, and the clipped SGD tail of ASDL's K-FAC and Shampoo.

The tail, after the preconditioner has replaced the gradients (PyTorch's clip_grad_norm_ then
torch.optim.SGD with momentum, no dampening, no Nesterov, coupled weight decay):

    g <- g * min(1, c / (||g||_2 + 1e-6))        over every trained tensor together
    d = g + wd * theta;  buf = d at step 0, momentum * buf + d after;  theta <- theta - lr * buf

with each tensor's lr = lr_scale * the scheduled lr and its weight decay wd from its group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

# The eps torch.nn.utils.clip_grad_norm_ adds to the norm before dividing.
CLIP_EPS = 1e-6


def unwrap(model: nn.Module) -> nn.Module:
    """The plain model inside a DistributedDataParallel wrapper (or the model itself)."""
    return model.module if hasattr(model, 'module') else model


def glob_to_regex(pattern: str) -> re.Pattern:
    """`*` matches any run of characters (dots included); the whole name must match."""
    return re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')


@dataclass(frozen=True)
class TensorSettings:
    """A trained tensor's lr = lr_scale * the scheduled lr, and its weight decay."""

    lr_scale: float
    weight_decay: float


def trained_parameters(model: nn.Module, run: dict, frozen_by_model: list[str]) -> dict[str, tuple[nn.Parameter, TensorSettings]]:
    """Applies the run's param_groups and returns the trained tensors in the model's order.

    A parameter the model or a `frozen: true` group freezes gets requires_grad False and is never
    touched; a group's lr is relative to the optimizer's (lr_scale = group lr / optimizer lr, so
    the schedule scales it) and its weight_decay replaces the optimizer's.
    """
    optimizer = run['optimizer']
    named = dict(model.named_parameters())
    frozen = set(frozen_by_model)
    settings: dict[str, TensorSettings] = {}
    for index, group in enumerate(run.get('param_groups') or []):
        patterns = [group['params']] if isinstance(group['params'], str) else list(group['params'])
        members = []
        for pattern in patterns:
            regex = glob_to_regex(pattern)
            matched = [name for name in named if regex.match(name)]
            if not matched:
                raise ValueError(f"{run.get('name', 'run')}: param_groups[{index}]: pattern \"{pattern}\" matches no parameter of the model; "
                                 f"its parameters include {', '.join(list(named)[:6])}")
            members += matched
        if group.get('frozen'):
            frozen.update(members)
            continue
        lr = group.get('lr')
        for name in members:
            settings[name] = TensorSettings(
                lr_scale=1.0 if lr is None else lr / optimizer['lr'],
                weight_decay=group.get('weight_decay', optimizer.get('weight_decay', 0.0)),
            )
    default = TensorSettings(1.0, optimizer.get('weight_decay', 0.0))
    trained = {}
    for name, param in named.items():
        if name in frozen:
            param.requires_grad_(False)
        else:
            trained[name] = (param, settings.get(name, default))
    return trained


def all_reduce_mean(tensors: list[torch.Tensor], distributed: bool) -> None:
    """In place: each tensor <- its mean over the processes (a no-op in one process)."""
    if not distributed:
        return
    world = dist.get_world_size()
    for tensor in tensors:
        dist.all_reduce(tensor)
        tensor.div_(world)


def process_rank(distributed: bool) -> int:
    """This process's rank (0 in one process)."""
    return dist.get_rank() if distributed else 0


class ClippedSgd:
    """clip_grad_norm_ over every trained gradient, then SGD with momentum and coupled weight decay."""

    def __init__(self, trained: dict[str, tuple[nn.Parameter, TensorSettings]], momentum: float, clip: float | None):
        """`clip` None leaves the gradients unclipped (K-FAC's notebook variant)."""
        if clip is not None and not clip > 0:
            raise ValueError(f'clip must be > 0, got {clip}')
        self.trained = trained
        self.momentum = momentum
        self.clip = clip
        self.buffers: dict[str, torch.Tensor] = {}

    def clip_gradients(self) -> float:
        """g <- g * min(1, c / (||g||_2 + 1e-6)) in place; returns ||g||_2 before clipping."""
        grads = [param.grad for param, _ in self.trained.values() if param.grad is not None]
        norm = torch.sqrt(sum((grad * grad).sum() for grad in grads)) if grads else torch.tensor(0.0)
        factor = torch.clamp(self.clip / (norm + CLIP_EPS), max=1.0)
        for grad in grads:
            grad.mul_(factor)
        return float(norm)

    @torch.no_grad()
    def step(self, step: int, lr: float) -> None:
        """Clips, then theta <- theta - lr_t * buf with d = g + wd * theta (buf = d at step 0)."""
        if self.clip is not None:
            self.clip_gradients()
        for name, (param, settings) in self.trained.items():
            # A tensor the forward did not reach has gradient 0, as in the engine.
            grad = param.grad if param.grad is not None else torch.zeros_like(param)
            d = grad + settings.weight_decay * param
            if self.momentum != 0:
                buf = self.buffers.get(name)
                if step == 0 or buf is None:
                    buf = d.clone()
                else:
                    buf.mul_(self.momentum).add_(d)
                self.buffers[name] = buf
                d = buf
            param.sub_(lr * settings.lr_scale * d)
