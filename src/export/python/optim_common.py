"""What every optimizer of the exported project shares with the playground's engine.

- ``cross_entropy``: the training loss, its arg-max accuracy and how many rows it counts;
- ``StepResult`` and ``Setup``: what a training step returns and what an optimizer is told
  about the run;
- ``scheduled_lr``: the learning-rate schedule;
- ``freeze_parameters`` and ``trained_parameters``: the run's ``param_groups`` and the model's
  frozen tensors: which tensors an optimizer updates, each with its group's lr scale and
  weight decay, and which are held fixed (requires_grad False);
- ``Optimizer``: the forward, loss and backward of a step, around each optimizer's update.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# A target that marks a row as having no label (PyTorch's ignore_index): it adds nothing to
# the loss, its gradient or the counts. The playground uses the largest unsigned 32-bit value.
IGNORE_TARGET = 0xFFFFFFFF


@dataclass
class StepResult:
    """One training step's metrics: the mean loss, and correct and counted rows."""

    loss: float
    correct: int
    counted: int


@dataclass
class Setup:
    """What an optimizer knows about its run.

    seed: the config's seed; stream: the run's index in the config (its random stream);
    total_steps: the run's length, which the cosine schedule spans; model_info: model.py's
    MODEL_INFO; distributed: torch.distributed is initialised; world_size: its process count.
    """

    seed: int
    stream: int
    total_steps: int
    model_info: dict
    distributed: bool = False
    world_size: int = 1


def cross_entropy(logits: Tensor, targets: Tensor) -> tuple[Tensor, int, int]:
    """Softmax cross-entropy over the rows whose target is not IGNORE_TARGET.

    Returns (loss, correct, counted): loss = sum_n (logsumexp(z_n) - z_n[y_n]) / counted as a
    tensor to differentiate (0 when no row counts), correct = rows whose arg-max (first on
    ties) is the target, counted = rows with a target. Logits are (B, K) or (B, T, K), targets
    (B) or (B, T). Training batches hold no ignored row, so this is the engine's sum / B.
    """
    classes = logits.shape[-1]
    rows = logits.reshape(-1, classes)
    labels = targets.reshape(-1).long()
    if labels.numel() != rows.shape[0]:
        raise ValueError(f'cross_entropy: {rows.shape[0]} rows of logits but {labels.numel()} targets')
    keep = labels != IGNORE_TARGET
    counted = int(keep.sum().item())
    if counted == 0:
        return rows.sum() * 0.0, 0, 0
    kept_rows = rows[keep]
    kept_labels = labels[keep]
    bad = (kept_labels < 0) | (kept_labels >= classes)
    if bool(bad.any()):
        raise ValueError(f'cross_entropy: target {int(kept_labels[bad][0])} is outside [0, {classes}) and is not IGNORE_TARGET')
    loss = F.cross_entropy(kept_rows, kept_labels, reduction='sum') / counted
    correct = int((kept_rows.argmax(dim=1) == kept_labels).sum().item())
    return loss, correct, counted


def scheduled_lr(schedule: dict, lr: float, step: int, total_steps: int) -> float:
    """The learning rate of optimizer step ``step`` (from 0) of a run of ``total_steps``.

    Linear warm-up lr * (step + 1) / warmup for step < warmup; then constant, or cosine as
    PyTorch's CosineAnnealingLR over the steps after warm-up, T = max(1, total - warmup):
    lr_min + (lr - lr_min) * (1 + cos(pi * min(step - warmup, T) / T)) / 2, lr_min = final_fraction * lr.
    """
    warmup = int(schedule.get('warmup_steps', 0))
    if step < warmup:
        return lr * (step + 1) / warmup
    if schedule.get('type', 'constant') == 'constant':
        return lr
    span = max(1, total_steps - warmup)
    t = min(step - warmup, span)
    lr_min = float(schedule.get('final_fraction', 0.0)) * lr
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * t / span)) / 2


def unwrap(model: nn.Module) -> nn.Module:
    """The model itself, inside a DistributedDataParallel wrapper or not."""
    return model.module if hasattr(model, 'module') else model


@dataclass
class TrainedParameter:
    """A tensor the optimizer updates: its lr is lr_scale x the scheduled lr, with its own weight decay."""

    name: str
    param: nn.Parameter
    lr_scale: float
    weight_decay: float


def glob_to_regex(pattern: str) -> re.Pattern:
    """``*`` matches any run of characters (dots included), everything else itself; the whole name must match."""
    return re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')


def resolve_groups(model: nn.Module, run: dict, model_info: dict) -> tuple[set[str], dict[str, tuple[float, float]]]:
    """The run's parameter groups against the model: (frozen names, {name: (lr_scale, weight_decay)}).

    Frozen names are the model's own (MODEL_INFO['frozen']) and those of ``frozen: true`` groups.
    A group's lr is scheduled like the optimizer's: lr_scale = group lr / optimizer lr.
    Raises ValueError for groups the playground refuses.
    """
    optimizer = run['optimizer']
    base_lr = float(optimizer['lr'])
    base_decay = float(optimizer.get('weight_decay', 0.0))
    names = [name for name, _ in unwrap(model).named_parameters()]
    frozen = set(model_info.get('frozen', []))
    settings: dict[str, tuple[float, float]] = {}
    owner: dict[str, int] = {}
    where = f"run \"{run.get('name', '?')}\""
    for index, group in enumerate(run.get('param_groups') or []):
        label = f'{where}: param_groups[{index}]'
        sets_hyper = group.get('lr') is not None or group.get('weight_decay') is not None
        if group.get('frozen') and sets_hyper:
            raise ValueError(f'{label}: a frozen group is never updated: remove its lr and weight_decay, or frozen')
        if group.get('lr') is not None and group['lr'] > 0 and base_lr == 0:
            raise ValueError(f"{label}: a group lr is scheduled relative to the optimizer's lr, which is 0; give the optimizer an lr > 0")
        patterns = [group['params']] if isinstance(group['params'], str) else list(group['params'])
        members = []
        for pattern in patterns:
            regex = glob_to_regex(pattern)
            matched = [name for name in names if regex.match(name)]
            if not matched:
                raise ValueError(f'{label}: pattern "{pattern}" matches no parameter; its parameters include {", ".join(names[:6])}')
            for name in matched:
                previous = owner.get(name)
                if previous is not None and previous != index:
                    raise ValueError(f'{where}: param_groups[{previous}] and param_groups[{index}] both claim "{name}"; a parameter belongs to one group')
                if previous is None:
                    members.append(name)
                owner[name] = index
        if group.get('frozen'):
            frozen.update(members)
        elif sets_hyper:
            scale = 1.0 if group.get('lr') is None else float(group['lr']) / base_lr
            decay = base_decay if group.get('weight_decay') is None else float(group['weight_decay'])
            for name in members:
                settings[name] = (scale, decay)
    return frozen, settings


def freeze_parameters(model: nn.Module, run: dict, model_info: dict) -> None:
    """Sets requires_grad False on the run's frozen tensors.

    Call it before wrapping the model in DistributedDataParallel, which only reduces the
    gradients of tensors that require one when it is built.
    """
    frozen, _ = resolve_groups(model, run, model_info)
    for name, param in unwrap(model).named_parameters():
        if name in frozen:
            param.requires_grad_(False)


def trained_parameters(model: nn.Module, run: dict, setup: Setup) -> list[TrainedParameter]:
    """The parameters a run trains, in state_dict order, each with its group's lr scale and weight decay.

    Frozen tensors are left out and get requires_grad False; a model already wrapped in
    DistributedDataParallel must have been frozen first (``freeze_parameters``).
    """
    frozen, settings = resolve_groups(model, run, setup.model_info)
    base_decay = float(run['optimizer'].get('weight_decay', 0.0))
    wrapped = unwrap(model) is not model
    trained = []
    for name, param in unwrap(model).named_parameters():
        if name in frozen:
            if wrapped and param.requires_grad:
                raise RuntimeError(
                    f'"{name}" is frozen by run "{run.get("name", "?")}" but the model was wrapped in DistributedDataParallel '
                    'while it still required a gradient; call freeze_parameters(model, run, MODEL_INFO) before wrapping'
                )
            param.requires_grad_(False)
            continue
        scale, decay = settings.get(name, (1.0, base_decay))
        trained.append(TrainedParameter(name, param, scale, decay))
    return trained


class Optimizer:
    """A step as the engine takes it: forward, cross-entropy, backward, then ``update``.

    Subclasses implement ``update(step, lr)``, reading the gradients the backward left in
    ``param.grad`` (a trained tensor the loss does not reach gets a zero gradient, as in the engine).
    """

    def __init__(self, model: nn.Module, run: dict, setup: Setup) -> None:
        self.model = model
        self.run = run
        self.setup = setup
        self.config = run['optimizer']
        self.schedule = run.get('schedule') or {'type': 'constant', 'warmup_steps': 0, 'final_fraction': 0.0}
        self.trained = trained_parameters(model, run, setup)

    def lr_at(self, step: int) -> float:
        """The scheduled learning rate of step ``step`` (the lr column of metrics.csv)."""
        return scheduled_lr(self.schedule, float(self.config['lr']), step, self.setup.total_steps)

    def before_forward(self, step: int) -> None:
        """Called before the step's forward (optimizers that measure activations arm their hooks here)."""

    def update(self, step: int, lr: float) -> None:
        raise NotImplementedError

    def train_step(self, step: int, inputs: Tensor, targets: Tensor) -> StepResult:
        """Optimizer step ``step`` (from 0) on one batch."""
        if step < 0:
            raise ValueError(f'{type(self).__name__}: step must be a whole number >= 0, got {step}')
        self.model.train()
        self.before_forward(step)
        for entry in self.trained:
            entry.param.grad = None
        logits = self.model(inputs)
        loss, correct, counted = cross_entropy(logits, targets)
        loss.backward()
        for entry in self.trained:
            if entry.param.grad is None:
                entry.param.grad = torch.zeros_like(entry.param)
        with torch.no_grad():
            self.update(step, self.lr_at(step))
        return StepResult(float(loss.item()), correct, counted)


def layer_kinds(model_info: dict) -> dict[str, str]:
    """Layer name -> kind ('linear', 'conv2d', 'layernorm', 'batchnorm2d') from MODEL_INFO."""
    return {layer['name']: layer['kind'] for layer in model_info.get('layers', [])}
