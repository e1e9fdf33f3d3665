"""What K-FAC, Shampoo and AdaHessian share: the cross-process mean of a curvature measurement
and the clipped SGD tail of ASDL's K-FAC and Shampoo.

The tail, after the preconditioner has replaced the gradients (PyTorch's clip_grad_norm_ then
torch.optim.SGD with momentum, no dampening, no Nesterov, coupled weight decay):

    g <- g * min(1, c / (||g||_2 + 1e-6))        over every trained tensor together
    d = g + wd * theta;  buf = d at step 0, momentum * buf + d after;  theta <- theta - lr * buf

with each tensor's lr = lr_scale * the scheduled lr and its weight decay wd from its group.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from optim_common import TrainedParameter

# The eps torch.nn.utils.clip_grad_norm_ adds to the norm before dividing.
CLIP_EPS = 1e-6


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

    def __init__(self, trained: list[TrainedParameter], momentum: float, clip: float | None):
        """`clip` None leaves the gradients unclipped (K-FAC's notebook variant)."""
        if clip is not None and not clip > 0:
            raise ValueError(f'clip must be > 0, got {clip}')
        self.trained = trained
        self.momentum = momentum
        self.clip = clip
        self.buffers: dict[str, torch.Tensor] = {}

    def clip_gradients(self) -> float:
        """g <- g * min(1, c / (||g||_2 + 1e-6)) in place; returns ||g||_2 before clipping."""
        grads = [entry.param.grad for entry in self.trained if entry.param.grad is not None]
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
        for entry in self.trained:
            param, name = entry.param, entry.name
            # A tensor the forward did not reach has gradient 0, as in the engine.
            grad = param.grad if param.grad is not None else torch.zeros_like(param)
            d = grad + entry.weight_decay * param
            if self.momentum != 0:
                buf = self.buffers.get(name)
                if step == 0 or buf is None:
                    buf = d.clone()
                else:
                    buf.mul_(self.momentum).add_(d)
                self.buffers[name] = buf
                d = buf
            param.sub_(lr * entry.lr_scale * d)
