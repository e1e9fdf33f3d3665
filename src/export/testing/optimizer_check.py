"""Trains hand-written PyTorch copies of two test graphs with the exported optimizers.

Usage: python3 optimizer_check.py CASES.json RESULTS.json, with the exported sources on the path;
under torchrun each process trains DistributedDataParallel on its contiguous share of every
batch (gloo), the reported loss is the processes' mean, and rank 0 writes the results.
Each case names a model, a run entry (optimizer, schedule, param_groups, defaults filled in),
initial weights by state_dict name, and the batches; the results hold each step's loss and lr
and the final weights, or, for a case that expects an error, the error's message.

The models mirror src/engine/testing graphs that optimizers.test.ts builds:
- tiny-conv: conv1 (3->4, 3x3, pad 1, bias), bn1, ReLU, conv2 (4->4, 3x3, pad 1, no bias)
  plus the ReLU output (residual), 2x2 max-pool, flatten, fc (64->10); input (B, 3, 8, 8).
- tiny-token: token and position embeddings (vocabulary 11, context 5, width 8), ln, fc (8->8),
  ReLU, logits = h @ tok_emb.weight^T (the output tied to the token table); input (B, 5) ids.
"""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from optim_common import Setup, freeze_parameters
from optimizers import build_optimizer


class TinyConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=1, padding=1, bias=True)
        self.bn1 = nn.BatchNorm2d(4, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(4, 4, 3, stride=1, padding=1, bias=False)
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        relu1 = F.relu(self.bn1(self.conv1(x)))
        pooled = F.max_pool2d(self.conv2(relu1) + relu1, 2, 2)
        return self.fc(torch.flatten(pooled, 1))


class TinyToken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tok_emb = nn.Embedding(11, 8)
        self.pos_emb = nn.Embedding(5, 8)
        self.ln = nn.LayerNorm(8, eps=1e-5)
        self.fc = nn.Linear(8, 8)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_emb(tokens) + self.pos_emb(positions)[None]
        return F.relu(self.fc(self.ln(x))) @ self.tok_emb.weight.t()


MODELS = {
    'tiny-conv': (TinyConv, (3, 8, 8), [('conv1', 'conv2d'), ('bn1', 'batchnorm2d'), ('conv2', 'conv2d'), ('fc', 'linear')]),
    'tiny-token': (TinyToken, None, [('ln', 'layernorm'), ('fc', 'linear')]),
}


def run_case(case: dict) -> dict:
    build, input_shape, layers = MODELS[case['model']]
    torch.manual_seed(0)
    model = build().double()
    state = model.state_dict()
    for name, values in case['initial'].items():
        state[name].copy_(torch.tensor(values, dtype=state[name].dtype).reshape(state[name].shape))
    info = {'preset': case['model'], 'layers': [{'name': n, 'kind': k} for n, k in layers], 'frozen': []}
    distributed = dist.is_initialized()
    world, rank = (dist.get_world_size(), dist.get_rank()) if distributed else (1, 0)
    setup = Setup(seed=0, stream=0, total_steps=len(case['batches']), model_info=info, distributed=distributed, world_size=world)
    try:
        freeze_parameters(model, case['run'], info)
        optimizer = build_optimizer(DistributedDataParallel(model) if distributed else model, case['run'], setup)
    except ValueError as error:
        return {'error': str(error)}
    losses, lrs = [], []
    for step, batch in enumerate(case['batches']):
        if input_shape is None:
            inputs = torch.tensor(batch['inputs'], dtype=torch.long).reshape(case['batch'], -1)
        else:
            inputs = torch.tensor(batch['inputs'], dtype=torch.float64).reshape(case['batch'], *input_shape)
        targets = torch.tensor(batch['labels'], dtype=torch.long).reshape(inputs.shape[0], -1).squeeze(-1)
        share = case['batch'] // world
        result = optimizer.train_step(step, inputs[rank * share:(rank + 1) * share], targets[rank * share:(rank + 1) * share])
        loss = torch.tensor(result.loss, dtype=torch.float64)
        if distributed:
            dist.all_reduce(loss)
            loss /= world
        losses.append(float(loss))
        lrs.append(optimizer.lr_at(step))
    final = {name: tensor.reshape(-1).tolist() for name, tensor in model.state_dict().items() if name in case['initial']}
    return {'losses': losses, 'lrs': lrs, 'final': final}


def main() -> None:
    with open(sys.argv[1]) as file:
        cases = json.load(file)
    if 'RANK' in os.environ:
        dist.init_process_group('gloo')
    results = {case['name']: run_case(case) for case in cases}
    if not dist.is_initialized() or dist.get_rank() == 0:
        with open(sys.argv[2], 'w') as file:
            json.dump(results, file)


if __name__ == '__main__':
    main()
