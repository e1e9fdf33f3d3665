"""K-FAC as the playground runs it, in two variants (run config `optimizer.variant`).

asdl (ASDL's KfacGradientMaker with the Monte-Carlo Fisher, as AdaFisher's CIFAR runs used it):
  curvature step (step % interval == 0, and the first step taken):
    one label per prediction row drawn from softmax(logits) (philox.sample_labels, key
    (seed, stream), counter step), the gradient of the mean loss on those labels at every
    Conv2d and Linear output, then per layer
      A = (1/N) sum a a^T over the input's im2col patches (Conv2d: 1/(N T), T = H_out W_out),
      B = (rows^2 / N) sum g g^T over the output gradient's rows (N the batch, rows the loss's
          prediction rows: ASDL's (1/N) sum of the sum loss's per-row gradients),
      pi = sqrt((tr A / dim A) / (tr B / dim B)), lambda_A = max(sqrt(lambda) pi, 1e-7),
      lambda_B = max(sqrt(lambda) / pi, 1e-7) (lambda on both sides when pi is 0 or not finite),
      A^-1 = (A + lambda_A I)^-1 and B^-1 = (B + lambda_B I)^-1 by Cholesky; a Linear layer whose
      input has fewer rows than columns takes A^-1 by the Woodbury identity
      (lambda I + s X^T X)^-1 = (I - s X^T (lambda I + s X X^T)^-1 X) / lambda;
  every step: weight gradient <- B^-1 G A^-1, bias gradient <- B^-1 g, then clip_grad_norm_ and
    SGD with momentum and coupled weight decay (clipped_sgd.ClippedSgd).
notebook (the AdaFisher repository's loss-landscape notebook, in the style of KFAC-Pytorch):
  curvature (step % interval == 0) from the true-label gradients (the empirical Fisher):
    A <- decay A + (1 - decay) sum a' a'^T / (N T^2), a' = [patch, 1] (the 1 with a bias),
    G <- decay G + (1 - decay) N T sum g g^T, both starting from I;
  every inverse_interval steps (and the first step taken): A = Q_a diag(d_a) Q_a^T, G likewise,
    eigenvalues at or below 1e-10 set to 0;
  every step, with P = [G_w | g_b]: V = Q_g [(Q_g^T P Q_a) / (d_g d_a^T + lambda)] Q_a^T,
    nu = min(1, sqrt(kl_clip / sum lr^2 <V, P>)), gradients <- nu V; from step 20 * interval on
    g += weight_decay * theta; then SGD with momentum (no clip).
Under torch.distributed the factors are averaged over the processes before use, so N processes
with B/N rows each measure what one process with B rows measures.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

import philox
from clipped_sgd import ClippedSgd, all_reduce_mean, process_rank
from optim_common import Optimizer, Setup, StepResult, TrainedParameter, cross_entropy, unwrap

# ASDL's floor on each of the two split dampings.
MIN_SPLIT_DAMPING = 1e-7
# The notebook: eigenvalues at or below this become 0.
EIGENVALUE_FLOOR = 1e-10
# The notebook adds weight decay to the gradient only from this many curvature intervals on.
WEIGHT_DECAY_DELAY_INTERVALS = 20


def damping_split(trace_a: float, dim_a: int, trace_b: float, dim_b: int, damping: float) -> tuple[float, float]:
    """(lambda_A, lambda_B) = (max(r pi, 1e-7), max(r / pi, 1e-7)), r = sqrt(lambda), pi as above."""
    ratio = (trace_a / dim_a) / (trace_b / dim_b) if trace_b != 0 else math.inf
    pi = math.sqrt(ratio) if ratio >= 0 else math.nan
    if pi == 0 or not math.isfinite(pi):
        return damping, damping
    r = math.sqrt(damping)
    return max(r * pi, MIN_SPLIT_DAMPING), max(r / pi, MIN_SPLIT_DAMPING)


def cholesky_inverse(m: torch.Tensor, ridge: float) -> torch.Tensor:
    """(M + ridge I)^-1 by Cholesky; NaN everywhere when M + ridge I is not positive definite (as the engine)."""
    shifted = m + ridge * torch.eye(m.shape[0], dtype=m.dtype, device=m.device)
    factor, info = torch.linalg.cholesky_ex(shifted)
    if int(info) != 0:
        return torch.full_like(m, math.nan)
    return torch.cholesky_inverse(factor)


def woodbury_inverse(x: torch.Tensor, scale: float, lam: float) -> torch.Tensor:
    """(lam I + s X^T X)^-1 = (I - s X^T (lam I + s X X^T)^-1 X) / lam for X (rows x d), rows < d."""
    k_inverse = cholesky_inverse(scale * (x @ x.T), lam)
    p = x.T @ (k_inverse @ x)
    return (torch.eye(x.shape[1], dtype=x.dtype, device=x.device) - scale * p) / lam


class _Layer:
    """One preconditioned Conv2d or Linear layer, with what its hooks saw in the last forward."""

    def __init__(self, name: str, module: nn.Module):
        self.name = name
        self.module = module
        self.conv = isinstance(module, nn.Conv2d)
        if self.conv:
            self.a_dim = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
            self.b_dim = module.out_channels
        elif isinstance(module, nn.Linear):
            self.a_dim, self.b_dim = module.in_features, module.out_features
        else:
            raise TypeError(f'K-FAC: layer "{name}" is a {type(module).__name__}, expected nn.Linear or nn.Conv2d')
        self.has_bias = module.bias is not None
        self.input: torch.Tensor | None = None
        self.output: torch.Tensor | None = None
        module.register_forward_hook(self._record)

    def _record(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        self.input = inputs[0].detach()
        self.output = output

    def patches(self) -> tuple[torch.Tensor, int]:
        """The input's im2col rows (rows x a_dim, columns (c, ky, kx)) and T, the outputs per image."""
        x = self.input
        if not self.conv:
            return x.reshape(-1, self.a_dim), 1
        m = self.module
        unfolded = F.unfold(x, m.kernel_size, dilation=m.dilation, padding=m.padding, stride=m.stride)
        return unfolded.transpose(1, 2).reshape(-1, self.a_dim), unfolded.shape[2]

    def output_rows(self, g: torch.Tensor) -> torch.Tensor:
        """The output gradient as rows (b, position) x channels."""
        return g.movedim(1, -1).reshape(-1, self.b_dim) if self.conv else g.reshape(-1, self.b_dim)

    def gradient_matrix(self) -> torch.Tensor | None:
        """The weight gradient as (b_dim, a_dim), or None for a frozen weight."""
        grad = self.module.weight.grad
        return None if grad is None else grad.reshape(self.b_dim, self.a_dim)


class KFAC(Optimizer):
    """K-FAC (variant asdl or notebook); see the module docstring for the arithmetic."""

    def __init__(self, model: nn.Module, run: dict, setup: Setup):
        super().__init__(model, run, setup)
        self.module = unwrap(model)
        config = self.config
        self.variant = config.get('variant', 'asdl')
        for key in ('damping', 'clip', 'kl_clip'):
            if key in config and not (config[key] > 0 and math.isfinite(config[key])):
                raise ValueError(f'K-FAC: {key} must be > 0, got {config[key]}')
        for key in ('interval', 'inverse_interval'):
            if key in config and not (isinstance(config[key], int) and config[key] >= 1):
                raise ValueError(f'K-FAC: {key} must be a whole number > 0, got {config[key]}')
        if self.variant not in ('asdl', 'notebook'):
            raise ValueError(f'K-FAC: variant must be asdl or notebook, got "{self.variant}"')
        info = setup.model_info
        self.layers = [_Layer(entry['name'], self.module.get_submodule(entry['name'])) for entry in info['layers'] if entry['kind'] in ('linear', 'conv2d')]
        if self.variant == 'asdl':
            self.tail = ClippedSgd(self.trained, config['momentum'], config['clip'])
            self.inverses: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        else:
            if info.get('task') == 'language-modeling':
                raise ValueError(f"K-FAC: variant notebook takes (batch, features) inputs to its Linear layers; {info.get('preset')} is a language model: use variant asdl")
            if any(entry.lr_scale != 1 or entry.weight_decay != config.get('weight_decay', 0) for entry in self.trained):
                raise ValueError("K-FAC's notebook variant does not take a per-group lr or weight_decay; use variant asdl, or keep only frozen groups")
            plain = [TrainedParameter(entry.name, entry.param, 1.0, 0.0) for entry in self.trained]
            self.tail = ClippedSgd(plain, config['momentum'], None)
            self.running: dict[str, list[torch.Tensor]] = {}
            self.eigen: dict[str, tuple[torch.Tensor, ...]] = {}

    def train_step(self, step: int, inputs: torch.Tensor, targets: torch.Tensor) -> StepResult:
        """Forward, (sampled-label or true-label) factor gradients, backward, preconditioning, SGD."""
        lr = self.lr_at(step)
        self.model.train()
        logits = self.model(inputs)
        loss, correct, counted = cross_entropy(logits, targets)
        outputs = [layer.output for layer in self.layers]
        if self.variant == 'asdl':
            curvature = step % self.config['interval'] == 0 or len(self.inverses) < len(self.layers)
            if curvature:
                sampled = self._sample_labels(step, logits, targets)
                sampled_loss = cross_entropy(logits, sampled)[0]
                output_grads = torch.autograd.grad(sampled_loss, outputs, retain_graph=True)
        else:
            curvature = step % self.config['interval'] == 0
            if curvature:
                output_grads = torch.autograd.grad(loss, outputs, retain_graph=True)
        for entry in self.trained:
            entry.param.grad = None
        loss.backward()
        with torch.no_grad():
            if self.variant == 'asdl':
                if curvature:
                    self._asdl_curvature(inputs.shape[0], logits.numel() // logits.shape[-1], output_grads)
                self._asdl_precondition()
            else:
                if curvature:
                    self._notebook_curvature(output_grads)
                self._notebook_precondition(step, lr)
        self.tail.step(step, lr)
        return StepResult(loss=float(loss.detach()), correct=int(correct), counted=int(counted))

    def _sample_labels(self, step: int, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """One label per prediction row; row b of this process is row rank * rows + b of the whole batch."""
        classes = logits.shape[-1]
        flat = logits.detach().reshape(-1, classes).double().cpu().numpy()
        rows = flat.shape[0]
        offset = process_rank(self.setup.distributed) * rows
        u = philox.uniforms(offset + rows, self.setup.seed, self.setup.stream, step)[offset:]
        labels = philox.sample_labels(flat, targets.reshape(-1).cpu().numpy(), u, classes)
        return torch.from_numpy(labels).to(targets.device).reshape(targets.shape)

    def _asdl_curvature(self, batch: int, rows: int, output_grads: tuple) -> None:
        damping = self.config['damping']
        b_scale = rows * rows / batch
        for layer, g in zip(self.layers, output_grads):
            x, spatial = layer.patches()
            a_scale = 1.0 / (batch * spatial)
            gout = layer.output_rows(g)
            b = b_scale * (gout.T @ gout)
            woodbury = not layer.conv and not self.setup.distributed and x.shape[0] < layer.a_dim
            if woodbury:
                # tr A = tr(s X X^T): this route never forms A.
                trace_a = float(a_scale * (x * x).sum())
                lambda_a, lambda_b = damping_split(trace_a, layer.a_dim, float(b.trace()), layer.b_dim, damping)
                a_inverse = woodbury_inverse(x, a_scale, lambda_a)
            else:
                a = a_scale * (x.T @ x)
                all_reduce_mean([a, b], self.setup.distributed)
                lambda_a, lambda_b = damping_split(float(a.trace()), layer.a_dim, float(b.trace()), layer.b_dim, damping)
                a_inverse = cholesky_inverse(a, lambda_a)
            if woodbury:
                all_reduce_mean([b], self.setup.distributed)
            self.inverses[layer.name] = (a_inverse, cholesky_inverse(b, lambda_b))

    def _asdl_precondition(self) -> None:
        for layer in self.layers:
            a_inverse, b_inverse = self.inverses[layer.name]
            grad = layer.gradient_matrix()
            if grad is not None:
                grad.copy_(b_inverse @ grad @ a_inverse)
            if layer.has_bias and layer.module.bias.grad is not None:
                bias = layer.module.bias.grad
                bias.copy_(b_inverse @ bias)

    def _notebook_curvature(self, output_grads: tuple) -> None:
        decay = self.config['stat_decay']
        for layer, g in zip(self.layers, output_grads):
            x, spatial = layer.patches()
            batch = x.shape[0] // spatial
            if layer.has_bias:
                x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)], dim=1)
            gout = layer.output_rows(g)
            a_new = (x.T @ x) / (batch * spatial * spatial)
            g_new = (batch * spatial) * (gout.T @ gout)
            all_reduce_mean([a_new, g_new], self.setup.distributed)
            if layer.name not in self.running:
                self.running[layer.name] = [torch.eye(n, dtype=x.dtype, device=x.device) for n in (a_new.shape[0], g_new.shape[0])]
            for factor, new in zip(self.running[layer.name], (a_new, g_new)):
                factor.mul_(decay).add_((1 - decay) * new)

    def _notebook_precondition(self, step: int, lr: float) -> None:
        config = self.config
        if step % config['inverse_interval'] == 0 or len(self.eigen) < len(self.layers):
            for layer in self.layers:
                factors = self.running.get(layer.name)
                if factors is None:
                    dtype, device = layer.module.weight.dtype, layer.module.weight.device
                    factors = [torch.eye(layer.a_dim + int(layer.has_bias), dtype=dtype, device=device), torch.eye(layer.b_dim, dtype=dtype, device=device)]
                decomposed = []
                for factor in factors:
                    values, vectors = torch.linalg.eigh(factor)
                    decomposed += [values * (values > EIGENVALUE_FLOOR), vectors]
                self.eigen[layer.name] = tuple(decomposed)
        naturals = []
        vg = 0.0
        for layer in self.layers:
            grad = layer.gradient_matrix()
            if grad is None:
                continue
            bias = layer.module.bias.grad if layer.has_bias else None
            if layer.has_bias:
                # A frozen bias still has its column in A; its gradient counts as 0.
                column = bias if bias is not None else torch.zeros(layer.b_dim, dtype=grad.dtype, device=grad.device)
                p = torch.cat([grad, column.reshape(-1, 1)], dim=1)
            else:
                p = grad
            d_a, q_a, d_g, q_g = self.eigen[layer.name]
            middle = (q_g.T @ p @ q_a) / (d_g[:, None] * d_a[None, :] + config['damping'])
            v = q_g @ middle @ q_a.T
            vg += float((v * p).sum())
            naturals.append((layer, grad, bias, v))
        total = lr * lr * vg
        nu = min(1.0, math.sqrt(config['kl_clip'] / total)) if total > 0 else 1.0
        for layer, grad, bias, v in naturals:
            grad.copy_(nu * v[:, : layer.a_dim])
            if bias is not None:
                bias.copy_(nu * v[:, layer.a_dim])
        weight_decay = config.get('weight_decay', 0.0)
        if weight_decay != 0 and step >= WEIGHT_DECAY_DELAY_INTERVALS * config['interval']:
            for entry in self.trained:
                if entry.param.grad is not None:
                    entry.param.grad.add_(weight_decay * entry.param)
