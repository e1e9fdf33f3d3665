"""build_optimizer: the optimizer class of a run's ``optimizer.type``, as the playground names them."""

from __future__ import annotations

import importlib

from torch import nn

from optim_common import Optimizer, Setup

# type -> (module, class). Modules are imported when a run asks for them, so a project whose
# runs use only some optimizers needs only their files.
OPTIMIZERS = {
    'sgd': ('sgd_adam', 'SGD'),
    'adam': ('sgd_adam', 'Adam'),
    'adamw': ('sgd_adam', 'AdamW'),
    'adafisher': ('adafisher', 'AdaFisher'),
    'adafisherw': ('adafisher', 'AdaFisherW'),
    'kfac': ('kfac', 'KFAC'),
    'shampoo': ('shampoo', 'Shampoo'),
    'adahessian': ('adahessian', 'AdaHessian'),
}


def build_optimizer(model: nn.Module, run: dict, setup: Setup) -> Optimizer:
    """The optimizer of ``run`` (its config entry with the playground's defaults filled in) for ``model``."""
    kind = run['optimizer'].get('type')
    if kind not in OPTIMIZERS:
        raise ValueError(f"run \"{run.get('name', '?')}\": optimizer type {kind!r} is not one of {', '.join(OPTIMIZERS)}")
    module_name, class_name = OPTIMIZERS[kind]
    module = importlib.import_module(module_name)
    return getattr(module, class_name)(model, run, setup)
