"""Shampoo as the playground runs it (ASDL's ShampooGradientMaker around SGD).

Every trained parameter W with k > 1 dimensions d_0 .. d_(k-1) keeps a statistic S_i = 1e-12 I
per dimension, except a dimension of size 1 or longer than max_factor_dim (that side is left
unpreconditioned); the root exponent is p = 2k either way.
  when step % interval == 0:  S_i += G_(i) G_(i)^T (the mode-i unfolding of the gradient), then
                              P_i = ComputePower(S_i, p, damping) for statistic number i
                              (in the model's parameter order, then dimension order);
  every step:                 G <- G x_0 P_0 x_1 P_1 ... (each P_i's first index contracted);
  then clip_grad_norm_ and SGD with momentum and coupled weight decay (clipped_sgd.ClippedSgd).
ComputePower (Guo and Higham's coupled Newton iteration, ASDL's constants):
  lambda = PowerIter(S) from v_0 = philox.power_iteration_start(n, seed, stream, step, i);
  S <- S + damping lambda I (in place: the ridge stays in the statistic);
  z = (1 + p) / (2 ||S||_F);  X = z^(1/p) I;  M = z S;  err = max|M - I|;
  while err > 1e-6 and at most 100 times: T = (1 - a) I + a M with a = -1/p, X' = X T, M' = T^p M,
    stop (X' discarded) when max|M' - I| > 1.2 err, else X, M, err = X', M', max|M' - I|.
Under DDP the statistics are sums of the averaged gradient, the same on every process, so they
need no exchange of their own.
"""

from __future__ import annotations

import math

import torch
from torch import nn

import philox
from clipped_sgd import ClippedSgd
from optim_common import Optimizer, Setup, StepResult, cross_entropy, unwrap

# ASDL's init_scale: every statistic starts as this times I.
INITIAL_STATISTIC_SCALE = 1e-12
NEWTON_ITERATIONS = 100
NEWTON_TOLERANCE = 1e-6
REJECT_FACTOR = 1.2
POWER_ITERATIONS = 100
POWER_TOLERANCE = 1e-6


def power_iteration(s: torch.Tensor, start: torch.Tensor) -> float:
    """ASDL's PowerIter: while |s_k - s_(k-1)| > 1e-6 (at most 100 times): v <- v/||v||, w = S v, s_k = v.w, v <- w."""
    v = start
    error, estimate = 1.0, 0.0
    for _ in range(POWER_ITERATIONS):
        if not error > POWER_TOLERANCE:
            break
        v = v / torch.sqrt((v * v).sum())
        w = s @ v
        quotient = float((v * w).sum())
        error = abs(quotient - estimate)
        v, estimate = w, quotient
    return estimate


def mat_power(m: torch.Tensor, p: int) -> torch.Tensor:
    """ASDL's MatPower: repeated squaring for p in {1, 2, 4, 8, 16, 32}, else binary powering."""
    if p in (1, 2, 4, 8, 16, 32):
        result = m
        done = 1
        while done < p:
            result = result @ result
            done *= 2
        return result
    power = None
    base = m
    rest = p
    while rest > 0:
        if rest % 2 == 1:
            power = base if power is None else base @ power
        base = base @ base
        rest //= 2
    return power


def max_deviation_from_identity(m: torch.Tensor) -> float:
    """max |M - I| (NaN when M holds a NaN)."""
    return float((m - torch.eye(m.shape[0], dtype=m.dtype, device=m.device)).abs().max())


def inverse_root(s: torch.Tensor, p: int, start: torch.Tensor, damping: float) -> torch.Tensor:
    """ComputePower(S, p) ~ (S + damping lambda_max I)^(-1/p); adds the ridge to `s` in place."""
    n = s.shape[0]
    eye = torch.eye(n, dtype=s.dtype, device=s.device)
    if n == 1:
        return eye
    lam = power_iteration(s, start)
    s.add_(damping * lam * eye)
    z = (1 + p) / (2 * float(torch.sqrt((s * s).sum())))
    alpha = -1.0 / p
    x = math.pow(z, 1.0 / p) * eye
    m = z * s
    error = max_deviation_from_identity(m)
    count = 0
    while error > NEWTON_TOLERANCE and count < NEWTON_ITERATIONS:
        t = (1 - alpha) * eye + alpha * m
        next_x = x @ t
        next_m = mat_power(t, p) @ m
        next_error = max_deviation_from_identity(next_m)
        if next_error > error * REJECT_FACTOR:
            break
        x, m, error = next_x, next_m, next_error
        count += 1
    return x


class _Factor:
    """Statistic of parameter `name` unfolded along `dim`, the tensor seen as (pre, n, post)."""

    def __init__(self, name: str, shape: tuple[int, ...], dim: int, like: torch.Tensor):
        self.name = name
        self.n = shape[dim]
        self.pre = math.prod(shape[:dim])
        self.post = math.prod(shape[dim + 1 :])
        self.p = 2 * len(shape)
        eye = torch.eye(self.n, dtype=like.dtype, device=like.device)
        self.statistic = INITIAL_STATISTIC_SCALE * eye
        self.root = eye.clone()


class Shampoo(Optimizer):
    """Shampoo; see the module docstring for the arithmetic."""

    def __init__(self, model: nn.Module, run: dict, setup: Setup):
        super().__init__(model, run, setup)
        self.module = unwrap(model)
        config = self.config
        if not config['damping'] > 0:
            raise ValueError(f"Shampoo: damping must be > 0, got {config['damping']}")
        for key in ('interval', 'max_factor_dim'):
            if not (isinstance(config[key], int) and config[key] >= 1):
                raise ValueError(f'Shampoo: {key} must be a whole number > 0, got {config[key]}')
        self.params = {entry.name: entry.param for entry in self.trained}
        self.factors: list[_Factor] = []
        # Parameter name -> indices of its factors, in dimension order.
        self.parameters: dict[str, list[int]] = {}
        for name, param in self.params.items():
            if param.dim() < 2:
                continue
            own = []
            for dim, n in enumerate(param.shape):
                if n == 1 or n > config['max_factor_dim']:
                    continue
                own.append(len(self.factors))
                self.factors.append(_Factor(name, tuple(param.shape), dim, param))
            self.parameters[name] = own
        self.tail = ClippedSgd(self.trained, config['momentum'], config['clip'])

    def train_step(self, step: int, inputs: torch.Tensor, targets: torch.Tensor) -> StepResult:
        """Forward, backward, statistics and roots (every interval steps), preconditioning, clipped SGD."""
        lr = self.lr_at(step)
        self.model.train()
        logits = self.model(inputs)
        loss, correct, counted = cross_entropy(logits, targets)
        for entry in self.trained:
            entry.param.grad = None
        loss.backward()
        with torch.no_grad():
            if self.factors and step % self.config['interval'] == 0:
                self._update_roots(step)
            for name, indices in self.parameters.items():
                param = self.params[name]
                if not indices or param.grad is None:
                    continue
                g = param.grad
                for index in indices:
                    factor = self.factors[index]
                    # out[i, b, q] = sum_a root[a, b] g[i, a, q]
                    g = torch.einsum('iaq,ab->ibq', g.reshape(factor.pre, factor.n, factor.post), factor.root)
                param.grad.copy_(g.reshape(param.shape))
        self.tail.step(step, lr)
        return StepResult(loss=float(loss.detach()), correct=int(correct), counted=int(counted))

    def _update_roots(self, step: int) -> None:
        for index, factor in enumerate(self.factors):
            param = self.params[factor.name]
            grad = param.grad if param.grad is not None else torch.zeros_like(param)
            g = grad.reshape(factor.pre, factor.n, factor.post)
            factor.statistic.add_(torch.einsum('iaq,ibq->ab', g, g))
            start = philox.power_iteration_start(factor.n, self.setup.seed, self.setup.stream, step, index)
            start_tensor = torch.from_numpy(start).to(dtype=factor.statistic.dtype, device=factor.statistic.device)
            factor.root = inverse_root(factor.statistic, factor.p, start_tensor, self.config['damping'])
