"""AdaFisher and AdaFisherW (Gomes et al., ICLR 2025), with the playground's arithmetic.

Every ``tcov`` steps (step % tcov == 0, from step 0) each Linear, Conv2d, BatchNorm2d and
LayerNorm layer of MODEL_INFO['layers'] measures, from the step's own forward and backward,
an input-side vector h and an output-side vector s:

- Linear / Conv2d (rows n = the im2col patches of the zero-padded input, or the input's rows):
  h[j] = mean_n a[n, j]^2, with a last entry 1 for the bias column; s[i] = mean_n g[n, i]^2.
- BatchNorm2d on x (B, C, H, W), S = H * W, and LayerNorm on (N, C) rows (B = N, S = 1):
  m[c] = sum_{b,p} x[b, c, p] / S^2; h = [sum_c m[c]^2, C] / B^2; s[c] = (sum_{b,p} g[b, c, p])^2 / B.

Each vector is min-max normalised, v <- (v - min v) / (max v - min v + 1e-12), and folded into
its running factor (ones at the start): D <- keep * D + add * v, with keep = 1 - gammas[0],
add = gammas[1] (average 'reference') or keep = paper_gamma, add = 1 - paper_gamma ('paper').

Every step, each element of a layer's parameters gets F = S_D[i] * H_D[j] + damping (weight
(i, j); bias: the ones column j = in; a norm layer's weight H_D[0], its bias H_D[1]); tensors of
no such layer (embeddings) get F = 1. With t = step + 1 and m starting at 0:

- AdaFisher:  g' = g + wd * theta; m <- beta m + (1 - beta) g'; theta <- theta - lr / (1 - beta^t) * m / F.
- AdaFisherW: m <- beta m + (1 - beta) g; theta <- theta - lr * (m / (1 - beta^t) / F + wd * theta).

Under torch.distributed each process measures its share of the batch, with its output gradient
scaled to the whole batch's mean loss, and the measurements are averaged across processes
before normalisation (a norm layer's channel sums are summed), so h and s are those of the whole
batch, as the authors' distributed version averages its factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

from optim_common import Optimizer, Setup, layer_kinds, unwrap

NORMALIZE_EPS = 1e-12
KINDS = {'linear': nn.Linear, 'conv2d': nn.Conv2d, 'layernorm': nn.LayerNorm, 'batchnorm2d': nn.BatchNorm2d}


@dataclass
class Layer:
    """A preconditioned layer: its module, running factors and the last measured input and output gradient."""

    name: str
    kind: str
    module: nn.Module
    H: Tensor
    S: Tensor
    x: Tensor | None = None
    g: Tensor | None = None


@dataclass
class Preconditioned:
    """A trained tensor of a layer: F = S_D[:, None] * H_D[None, h_start:h_stop] + damping, in its shape."""

    layer: Layer
    h_start: int
    h_stop: int


def min_max_normalize(v: Tensor) -> Tensor:
    """(v - min v) / (max v - min v + 1e-12)."""
    low = v.min()
    return (v - low) / (v.max() - low + NORMALIZE_EPS)


class AdaFisher(Optimizer):
    """AdaFisher (coupled L2 weight decay) or, with ``decoupled``, AdaFisherW."""

    decoupled = False

    def __init__(self, model: nn.Module, run: dict, setup: Setup) -> None:
        super().__init__(model, run, setup)
        config = self.config
        self.beta = float(config['beta'])
        self.damping = float(config['damping'])
        self.tcov = int(config['tcov'])
        if config['average'] == 'paper':
            self.keep, self.add = float(config['paper_gamma']), 1 - float(config['paper_gamma'])
        else:
            self.keep, self.add = 1 - float(config['gammas'][0]), float(config['gammas'][1])
        self.measuring = False
        self.layers = self._hook_layers(unwrap(model), setup.model_info)
        self.preconditioned = self._map_parameters()
        self.momentum = {entry.name: torch.zeros_like(entry.param) for entry in self.trained}

    def _hook_layers(self, module: nn.Module, model_info: dict) -> dict[str, Layer]:
        layers = {}
        for name, kind in layer_kinds(model_info).items():
            try:
                sub = module.get_submodule(name)
            except AttributeError as error:
                raise ValueError(f'AdaFisher: model.py lists layer "{name}" in MODEL_INFO but the model has no such module') from error
            if kind not in KINDS or not isinstance(sub, KINDS[kind]):
                raise ValueError(f'AdaFisher: layer "{name}" is a {type(sub).__name__}, but MODEL_INFO calls it {kind}')
            param = next(sub.parameters(), None)
            like = {'dtype': param.dtype, 'device': param.device} if param is not None else {}
            if kind in ('linear', 'conv2d'):
                inputs = sub.in_features if kind == 'linear' else sub.in_channels * sub.kernel_size[0] * sub.kernel_size[1]
                outputs = sub.out_features if kind == 'linear' else sub.out_channels
                h_length = inputs + (1 if sub.bias is not None else 0)
            else:
                outputs = sub.num_features if kind == 'batchnorm2d' else sub.normalized_shape[-1]
                h_length = 2
            layer = Layer(name, kind, sub, torch.ones(h_length, **like), torch.ones(outputs, **like))
            sub.register_forward_hook(self._forward_hook(layer))
            layers[name] = layer
        return layers

    def _forward_hook(self, layer: Layer):
        """Keeps the layer's input and, through a tensor hook, its output gradient, on measuring steps."""

        def hook(module: nn.Module, inputs: tuple, output: Tensor) -> None:
            if not self.measuring or not torch.is_grad_enabled():
                return
            layer.x = inputs[0].detach()

            def keep_grad(grad: Tensor) -> None:
                layer.g = grad.detach()

            output.register_hook(keep_grad)

        return hook

    def _map_parameters(self) -> dict[str, Preconditioned]:
        """Which factor entries precondition each trained tensor, by layer name and role (weight, bias)."""
        mapping = {}
        for entry in self.trained:
            layer_name, _, role = entry.name.rpartition('.')
            layer = self.layers.get(layer_name)
            if layer is None:
                continue
            if layer.kind in ('linear', 'conv2d'):
                inputs = layer.H.numel() - (1 if layer.module.bias is not None else 0)
                span = {'weight': (0, inputs), 'bias': (inputs, inputs + 1)}.get(role)
            else:
                span = {'weight': (0, 1), 'bias': (1, 2)}.get(role)
            if span is None:
                raise ValueError(f'AdaFisher: parameter "{entry.name}" ({role}) has no place in {layer.kind} layer "{layer.name}"')
            if layer.S.numel() * (span[1] - span[0]) != entry.param.numel():
                raise ValueError(
                    f'AdaFisher: parameter "{entry.name}" has {entry.param.numel()} elements, '
                    f'expected {layer.S.numel()}x{span[1] - span[0]} from layer "{layer.name}"'
                )
            mapping[entry.name] = Preconditioned(layer, *span)
        return mapping

    def before_forward(self, step: int) -> None:
        self.measuring = step % self.tcov == 0
        for layer in self.layers.values():
            layer.x = layer.g = None

    def _measure(self, layer: Layer) -> tuple[Tensor, Tensor]:
        """The layer's raw (h, s), averaged over processes under torch.distributed."""
        if layer.x is None or layer.g is None:
            raise RuntimeError(f'AdaFisher: layer "{layer.name}" saw no forward and backward on a measuring step')
        x, g, module = layer.x, layer.g, layer.module
        distributed = self.setup.distributed and self.setup.world_size > 1
        if distributed:
            # Each process's loss is the mean over its 1/world_size of the batch, so its output
            # gradient is world_size times its rows' share of the whole batch's mean loss.
            g = g / self.setup.world_size
        if layer.kind in ('linear', 'conv2d'):
            if layer.kind == 'linear':
                rows = x.reshape(-1, module.in_features)
                h = (rows * rows).mean(dim=0)
                out = g.reshape(-1, module.out_features)
                s = (out * out).mean(dim=0)
            else:
                patches = F.unfold(x, module.kernel_size, dilation=module.dilation, padding=module.padding, stride=module.stride)
                h = (patches * patches).mean(dim=(0, 2))
                s = (g * g).mean(dim=(0, 2, 3))
            if module.bias is not None:
                h = torch.cat([h, h.new_ones(1)])
            if distributed:
                both = torch.cat([h, s])
                dist.all_reduce(both)
                both /= self.setup.world_size
                h, s = both[: h.numel()], both[h.numel():]
            return h, s
        if layer.kind == 'batchnorm2d':
            batch, spatial = x.shape[0], x.shape[2] * x.shape[3]
            x_sums, g_sums = x.sum(dim=(0, 2, 3)), g.sum(dim=(0, 2, 3))
        else:
            features = module.normalized_shape[-1]
            x, g = x.reshape(-1, features), g.reshape(-1, features)
            batch, spatial = x.shape[0], 1
            x_sums, g_sums = x.sum(dim=0), g.sum(dim=0)
        if distributed:
            # The channel sums add up over the processes' shares; h and s are then the whole batch's.
            both = torch.cat([x_sums, g_sums])
            dist.all_reduce(both)
            x_sums, g_sums = both[: x_sums.numel()], both[x_sums.numel():]
            batch *= self.setup.world_size
        m = x_sums / (spatial * spatial)
        h = torch.stack([(m * m).sum(), m.new_tensor(float(m.numel()))]) / (batch * batch)
        s = g_sums * g_sums / batch
        return h, s

    def update(self, step: int, lr: float) -> None:
        if self.measuring:
            for layer in self.layers.values():
                h, s = self._measure(layer)
                layer.H.mul_(self.keep).add_(min_max_normalize(h), alpha=self.add)
                layer.S.mul_(self.keep).add_(min_max_normalize(s), alpha=self.add)
                layer.x = layer.g = None
            self.measuring = False
        correction = 1 - self.beta**(step + 1)
        for entry in self.trained:
            theta, grad, m = entry.param, entry.param.grad, self.momentum[entry.name]
            tensor_lr, decay = lr * entry.lr_scale, entry.weight_decay
            where = self.preconditioned.get(entry.name)
            if where is None:
                fisher = None
            else:
                H = where.layer.H[where.h_start:where.h_stop]
                fisher = (where.layer.S[:, None] * H[None, :] + self.damping).reshape(theta.shape)
            if self.decoupled:
                m.mul_(self.beta).add_(grad, alpha=1 - self.beta)
                step_direction = m / correction if fisher is None else m / correction / fisher
                theta.sub_(tensor_lr * (step_direction + decay * theta))
            else:
                m.mul_(self.beta).add_(grad + decay * theta, alpha=1 - self.beta)
                step_direction = m if fisher is None else m / fisher
                theta.sub_(tensor_lr / correction * step_direction)


class AdaFisherW(AdaFisher):
    """AdaFisher with decoupled weight decay."""

    decoupled = True
