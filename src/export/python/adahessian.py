"""AdaHessian as the playground runs it (Yao et al., the authors' code), t = step + 1, on every
trained parameter (BatchNorm weights and biases too):

  v ~ Rademacher (+-1), one vector per step (philox.rademacher: key (seed, stream), counter
      (block, step, parameter index, 0), the index counting trained parameters in model order);
  Hv = (g(theta + eps v) - g(theta - eps v)) / (2 eps), eps = 2^-13: a central difference of
      two extra gradients of the same batch on the smooth piece of its training forward (each
      ReLU's mask and each max pool's arg-max kept from that forward, BatchNorm on the batch's
      statistics with its running statistics untouched), which the engine uses in place of a
      double backward;
  D = |Hv|, averaged over the kh x kw window of a 4-D convolution weight (and broadcast back);
  m = b1 m + (1 - b1) g,  s = b2 s + (1 - b2) D^2,
  denom = (sqrt s)^k / (sqrt(1 - b2^t))^k + eps_adam,
  theta <- theta - (lr / (1 - b1^t)) m / denom - lr wd theta     (decoupled weight decay),
with each tensor's lr and wd from its parameter group. Under torch.distributed, Hv is averaged
over the processes (g itself is averaged by DDP).

The frozen kinks need the model's ReLUs and max pools to be nn.ReLU and nn.MaxPool2d modules
(not in place); the exported model.py builds them so.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import philox
from clipped_sgd import all_reduce_mean
from optim_common import Optimizer, Setup, StepResult, cross_entropy, unwrap

# The difference step: a power of two keeps theta +- eps v and 1 / (2 eps) exact.
ADAHESSIAN_EPSILON = 2.0**-13


class _FrozenKinks:
    """Forward hooks that record each ReLU's mask and each max pool's arg-max, then replay them.

    Recording: mask = [x > 0], indices = max_pool2d's arg-max. Replaying: ReLU(x) = x * mask and
    the pool takes x at the recorded indices, so the perturbed forwards stay on the piece.
    """

    def __init__(self, module: nn.Module):
        self.mode = 'off'
        self.saved: dict[tuple[nn.Module, int], torch.Tensor] = {}
        self.calls: dict[nn.Module, int] = {}
        for child in module.modules():
            if isinstance(child, nn.ReLU):
                if child.inplace:
                    raise ValueError('AdaHessian: an in-place nn.ReLU hides its input from the Hessian-vector product; use nn.ReLU(inplace=False)')
                child.register_forward_hook(self._relu)
            elif isinstance(child, nn.MaxPool2d):
                child.register_forward_hook(self._pool)

    def start(self, mode: str) -> None:
        """'record' during the training forward, 'replay' during the perturbed ones, 'off' otherwise."""
        self.mode = mode
        self.calls = {}
        if mode == 'record':
            self.saved = {}

    def _key(self, module: nn.Module) -> tuple[nn.Module, int]:
        count = self.calls.get(module, 0)
        self.calls[module] = count + 1
        return module, count

    def _relu(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
        if self.mode == 'off':
            return None
        key = self._key(module)
        if self.mode == 'record':
            self.saved[key] = (inputs[0] > 0).to(inputs[0].dtype).detach()
            return None
        return inputs[0] * self.saved[key]

    def _pool(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
        if self.mode == 'off':
            return None
        key = self._key(module)
        x = inputs[0]
        if self.mode == 'record':
            _, indices = F.max_pool2d(x.detach(), module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode, return_indices=True)
            self.saved[key] = indices
            return None
        indices = self.saved[key]
        return x.flatten(2).gather(2, indices.flatten(2)).view_as(indices)


class AdaHessian(Optimizer):
    """AdaHessian; see the module docstring for the arithmetic."""

    def __init__(self, model: nn.Module, run: dict, setup: Setup):
        super().__init__(model, run, setup)
        self.module = unwrap(model)
        config = self.config
        self.beta1, self.beta2 = config['betas']
        self.power = config['hessian_power']
        if not 0 < self.power <= 1:
            raise ValueError(f'AdaHessian: hessian_power must be in (0, 1], got {self.power}')
        self.windows = {}
        for entry in self.trained:
            name, param = entry.name, entry.param
            if param.dim() <= 2:
                self.windows[name] = 1
            elif param.dim() == 4:
                self.windows[name] = param.shape[2] * param.shape[3]
            else:
                raise ValueError(f'AdaHessian: parameter "{name}" has {param.dim()} dimensions; its Hessian diagonal is defined for tensors of at most 2 dimensions and 4-D convolution weights')
        self.exp_avg = {entry.name: torch.zeros_like(entry.param) for entry in self.trained}
        self.exp_hessian_diag_sq = {entry.name: torch.zeros_like(entry.param) for entry in self.trained}
        self.kinks = _FrozenKinks(self.module)

    def train_step(self, step: int, inputs: torch.Tensor, targets: torch.Tensor) -> StepResult:
        """Forward and backward, the two perturbed gradients of Hv, then the update."""
        lr = self.lr_at(step)
        self.model.train()
        self.kinks.start('record')
        try:
            logits = self.model(inputs)
        finally:
            self.kinks.start('off')
        loss, correct, counted = cross_entropy(logits, targets)
        for entry in self.trained:
            entry.param.grad = None
        loss.backward()
        hv = self._hessian_vector(step, inputs, targets)
        self._update(step, lr, hv)
        return StepResult(loss=float(loss.detach()), correct=int(correct), counted=int(counted))

    def _hessian_vector(self, step: int, inputs: torch.Tensor, targets: torch.Tensor) -> list[torch.Tensor]:
        """(g(theta + eps v) - g(theta - eps v)) / (2 eps) on the frozen piece, averaged over processes."""
        params = [entry.param for entry in self.trained]
        directions = [
            torch.from_numpy(philox.rademacher(self.setup.seed, self.setup.stream, index, step, param.numel())).to(param.dtype).to(param.device).view_as(param)
            for index, param in enumerate(params)
        ]
        originals = [param.detach().clone() for param in params]
        buffers = [buffer.detach().clone() for buffer in self.module.buffers()]
        gradients = []
        try:
            for h in (ADAHESSIAN_EPSILON, -ADAHESSIAN_EPSILON):
                with torch.no_grad():
                    for param, original, v in zip(params, originals, directions):
                        param.copy_(original + h * v)
                self.kinks.start('replay')
                try:
                    loss = cross_entropy(self.module(inputs), targets)[0]
                finally:
                    self.kinks.start('off')
                gradients.append(torch.autograd.grad(loss, params, allow_unused=True))
        finally:
            with torch.no_grad():
                for param, original in zip(params, originals):
                    param.copy_(original)
                # The extra forwards leave BatchNorm's running statistics as the training forward left them.
                for buffer, saved in zip(self.module.buffers(), buffers):
                    buffer.copy_(saved)
        hv = []
        for param, plus, minus in zip(params, *gradients):
            plus = torch.zeros_like(param) if plus is None else plus
            minus = torch.zeros_like(param) if minus is None else minus
            hv.append((plus - minus) / (2 * ADAHESSIAN_EPSILON))
        all_reduce_mean(hv, self.setup.distributed)
        return hv

    @torch.no_grad()
    def _update(self, step: int, lr: float, hv: list[torch.Tensor]) -> None:
        t = step + 1
        eps = self.config['eps']
        for entry, product in zip(self.trained, hv):
            name, param = entry.name, entry.param
            window = self.windows[name]
            d = product.abs()
            if window > 1:
                d = d.mean(dim=(2, 3), keepdim=True).expand_as(d)
            grad = param.grad if param.grad is not None else torch.zeros_like(param)
            tensor_lr = lr * entry.lr_scale
            step_size = tensor_lr / (1 - self.beta1**t)
            inv_bias_correction2 = 1.0 / ((1 - self.beta2**t) ** 0.5) ** self.power
            m = self.exp_avg[name]
            s = self.exp_hessian_diag_sq[name]
            m.mul_(self.beta1).add_((1 - self.beta1) * grad)
            s.mul_(self.beta2).add_((1 - self.beta2) * d * d)
            denom = s.sqrt() ** self.power * inv_bias_correction2 + eps
            param.sub_(step_size * m / denom + tensor_lr * entry.weight_decay * param)
