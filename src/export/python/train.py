"""Trains the config's runs as the playground does, one process or many under torchrun.

    python3 train.py [--config config.yaml] [--steps N] [--out DIR] [--init init.safetensors] [--data DIR]
    torchrun --nproc_per_node=N train.py [the same options]

Every run starts from the same weights (init.safetensors) and sees the same batches (data.py),
one step of every run per batch, as the playground's trainer interleaves them. The training
metrics are logged at step 1, every log_every steps and at the last step; the test split (a
language model's validation split) is evaluated at every epoch's end and at the end (a language
model's test split at the end only). The files are those of `npm run train`: metrics.csv,
summary.json and final.safetensors, in --out for one run, in --out/<run> for several.

Under torchrun each process takes its contiguous 1/N of every batch and DistributedDataParallel
averages the gradients, so N processes follow one process with the whole batch; losses and
accuracies are summed over the processes, and process 0 evaluates and writes the files.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import statistics
import sys
import time
from decimal import Decimal
from typing import Dict, Iterable, List, Optional

import numpy as np
import torch
import torch.distributed as dist
import yaml
from torch import nn

import data as data_module
import safetensors_io
from model import MODEL_INFO, build_model
from optim_common import Setup, cross_entropy
from optimizers import build_optimizer

# The engine's defaults (its run configuration schema) for what config.yaml leaves out.
DATA_DEFAULTS = {"source": "synthetic", "from": "shards", "train_size": 5000, "test_size": 1000, "augment": "standard", "shuffle": True, "normalize": True}
OPTIMIZER_DEFAULTS = {
    "sgd": {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adam": {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    "adafisher": {"beta": 0.9, "damping": 1e-3, "gammas": [0.92, 0.008], "average": "reference", "paper_gamma": 0.8, "tcov": 100, "weight_decay": 0.0},
    "kfac": {
        "variant": "asdl", "momentum": 0.9, "weight_decay": 0.0, "damping": 1e-3, "interval": 10, "clip": 1.0,
        "stat_decay": 0.95, "inverse_interval": 100, "kl_clip": 1e-3,
    },
    "shampoo": {"momentum": 0.9, "weight_decay": 0.0, "damping": 1e-12, "interval": 1, "clip": 1.0, "max_factor_dim": 4096},
    "adahessian": {"betas": [0.9, 0.999], "eps": 1e-4, "weight_decay": 0.0, "hessian_power": 1.0},
}
OPTIMIZER_DEFAULTS["adafisherw"] = OPTIMIZER_DEFAULTS["adafisher"]
SCHEDULE_DEFAULTS = {"type": "constant", "warmup_steps": 0, "final_fraction": 0.0}
IMAGE_COLUMNS = ["step", "epoch", "train_loss", "train_accuracy", "lr", "ms_per_step", "wall_time", "test_loss", "test_accuracy"]
TEXT_COLUMNS = [
    "step", "epoch", "train_loss", "train_accuracy", "lr", "ms_per_step", "tokens_per_second", "wall_time",
    "val_loss", "val_perplexity", "test_loss", "test_perplexity",
]


class UsageError(Exception):
    """Bad options, config or checkpoint; the message says what to change."""


def read_config(path: str) -> dict:
    """config.yaml with the engine's defaults filled in."""
    if not os.path.isfile(path):
        raise UsageError(f"{path} does not exist; pass --config with the exported config.yaml.")
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    config.setdefault("task", "image-classification")
    config.setdefault("model", "cnn-small")
    config["data"] = {**DATA_DEFAULTS, **(config.get("data") or {})}
    config.setdefault("batch_size", 64)
    config.setdefault("seed", 0)
    config.setdefault("log_every", 10)
    if config.get("steps") is None and config.get("epochs") is None:
        raise UsageError(f"{path}: set steps or epochs.")
    runs = config.get("runs") or []
    if not runs:
        raise UsageError(f"{path}: runs needs at least one run.")
    for run in runs:
        optimizer = run.get("optimizer") or {}
        kind = optimizer.get("type")
        if kind not in OPTIMIZER_DEFAULTS:
            raise UsageError(f'{path}: run "{run.get("name")}" has optimizer type {kind!r}; expected one of {", ".join(OPTIMIZER_DEFAULTS)}.')
        run["optimizer"] = {**copy.deepcopy(OPTIMIZER_DEFAULTS[kind]), **optimizer}
        run["schedule"] = {**SCHEDULE_DEFAULTS, **(run.get("schedule") or {})}
    return config


def slug(name: str) -> str:
    """A run's folder name, as `npm run train` makes it."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


def js_number(value: float) -> str:
    """String(value) as JavaScript writes a number: shortest round-trip digits, integers without
    a point, plain notation for 1e-7 < |x| < 1e21, else d.ddde+n / d.ddde-n."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    k = len(digits)
    n = digits_tuple.exponent + k  # value = 0.digits * 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exponent = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def metrics_csv(rows: List[dict], task: str) -> str:
    """metrics.csv as the playground writes it: its columns, empty where a value is absent."""
    columns = TEXT_COLUMNS if task == "language-modeling" else IMAGE_COLUMNS
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join("" if row.get(column) is None else js_number(row[column]) for column in columns))
    return "\n".join(lines) + "\n"


def trainable_names(model: nn.Module) -> List[str]:
    """The playground's tensor names: the state_dict without BatchNorm's num_batches_tracked."""
    return [name for name in model.state_dict() if not name.endswith("num_batches_tracked")]


def load_initial(model: nn.Module, path: str, overrides: Optional[Dict[str, list]]) -> None:
    """init.safetensors into the model, refusing another model's checkpoint by the tensor that differs;
    then the config's init overrides (row-major values of named parameters)."""
    try:
        tensors, _ = safetensors_io.load_file(path)
    except safetensors_io.SafetensorsError as error:
        raise UsageError(str(error)) from None
    state = model.state_dict()
    expected = trainable_names(model)
    missing = [name for name in expected if name not in tensors]
    extra = [name for name in tensors if name not in state]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"missing from the file: {', '.join(missing)}")
        if extra:
            problems.append(f"in the file but not in the model: {', '.join(extra)}")
        raise UsageError(
            f"{path} is a checkpoint of another model than {MODEL_INFO['preset']} ({'; '.join(problems)}). "
            "Pass --init with a checkpoint of this model, or export the setup again."
        )
    loaded = {}
    for name in expected:
        shape = tuple(state[name].shape)
        if tuple(tensors[name].shape) != shape:
            raise UsageError(
                f'{path}: tensor "{name}" has shape {list(tensors[name].shape)} but {MODEL_INFO["preset"]} expects {list(shape)}; '
                "it is a checkpoint of another model. Pass --init with a checkpoint of this model, or export the setup again."
            )
        loaded[name] = torch.from_numpy(np.asarray(tensors[name], dtype=np.float32).copy())
    for name, values in (overrides or {}).items():
        if name not in loaded:
            raise UsageError(f"init.{name}: {MODEL_INFO['preset']} has no parameter \"{name}\"; its parameters are {', '.join(expected)}")
        if len(values) != loaded[name].numel():
            raise UsageError(f"init.{name}: {name} has shape {list(loaded[name].shape)}, so it needs {loaded[name].numel()} values in row-major order; got {len(values)}")
        loaded[name] = torch.tensor(values, dtype=torch.float32).reshape(loaded[name].shape)
    for name in state:
        if name.endswith("num_batches_tracked"):
            loaded[name] = torch.from_numpy(np.asarray(tensors[name], dtype=np.int64).copy()) if name in tensors else state[name]
    model.load_state_dict(loaded)


def save_final(model: nn.Module, path: str, run: dict, steps: int) -> None:
    """The run's weights as the playground saves them: float32 tensors, int64 num_batches_tracked."""
    tensors = {}
    for name, value in model.state_dict().items():
        array = value.detach().cpu().numpy()
        tensors[name] = array.astype(np.int64) if name.endswith("num_batches_tracked") else array.astype(np.float32)
    metadata = {"format": "pt", "model": str(MODEL_INFO["preset"]), "run": run["name"], "optimizer": run["optimizer"]["type"], "step": str(steps)}
    safetensors_io.save_file(tensors, path, metadata)


class Distributed:
    """The process group torchrun describes in the environment (gloo on CPU, NCCL on CUDA), or one process."""

    def __init__(self) -> None:
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.active = self.world_size > 1
        if torch.cuda.is_available():
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")
        if self.active:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    def shard(self, array: np.ndarray) -> np.ndarray:
        """This process's contiguous 1/N of a batch's rows."""
        share = array.shape[0] // self.world_size
        return array[self.rank * share:(self.rank + 1) * share]

    def sum(self, values: Iterable[float]) -> List[float]:
        """Element-wise sums over the processes (float64)."""
        tensor = torch.tensor(list(values), dtype=torch.float64, device=self.device)
        if self.active:
            dist.all_reduce(tensor)
        return tensor.tolist()

    def close(self) -> None:
        """Leaves the group together: a process that leaves while process 0 still writes can hang gloo."""
        if self.active:
            dist.barrier()
            dist.destroy_process_group()


def synchronise_batch_norm(module: nn.Module) -> None:
    """Makes every BatchNorm layer take its training statistics over the whole batch, across processes.

    With the batch split over N processes, each holds B/N rows; the layer's mean and biased
    variance must still be those of all B rows, as one process computes them:
    mean = sum_all(x) / n, var = sum_all((x - mean)^2) / n, n = B H W, y = (x - mean) / sqrt(var + eps) w + b,
    running_mean <- (1 - m) running_mean + m mean, running_var <- (1 - m) running_var + m var n / (n - 1).
    The sums are differentiable all-reduces, so the backward pass sums the gradient terms across
    processes too. The layers stay nn.BatchNorm2d (names, hooks and state_dict unchanged), which
    SyncBatchNorm would not, and it works on gloo, which SyncBatchNorm does not.
    """
    from torch.distributed.nn.functional import all_reduce

    def synced(layer: nn.modules.batchnorm._BatchNorm, plain):
        def forward(x: torch.Tensor) -> torch.Tensor:
            if not layer.training:
                return plain(x)
            dims = [0] + list(range(2, x.dim()))
            shape = [1, -1] + [1] * (x.dim() - 2)
            count = x.numel() // x.shape[1] * dist.get_world_size()
            mean = all_reduce(x.sum(dims)) / count
            centred = x - mean.reshape(shape)
            var = all_reduce((centred * centred).sum(dims)) / count
            y = centred / torch.sqrt(var + layer.eps).reshape(shape)
            if layer.affine:
                y = y * layer.weight.reshape(shape) + layer.bias.reshape(shape)
            if layer.track_running_stats:
                with torch.no_grad():
                    layer.num_batches_tracked += 1
                    momentum = layer.momentum if layer.momentum is not None else 1.0 / float(layer.num_batches_tracked)
                    layer.running_mean.mul_(1 - momentum).add_(mean.detach(), alpha=momentum)
                    layer.running_var.mul_(1 - momentum).add_(var.detach() * count / max(count - 1, 1), alpha=momentum)
            return y

        return forward

    for layer in module.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            layer.forward = synced(layer, layer.forward)


class Run:
    """One run of the config: its model (wrapped for DDP), optimizer, metrics and state."""

    def __init__(self, index: int, spec: dict, model: nn.Module, optimizer, module: nn.Module) -> None:
        self.index, self.spec, self.model, self.optimizer, self.module = index, spec, model, optimizer, module
        self.state = "running"
        self.message: Optional[str] = None
        self.steps_done = 0
        self.rows: List[dict] = []
        self.pending_times: List[float] = []
        self.all_times: List[float] = []
        self.last_evaluation: Optional[dict] = None
        self.last_test: Optional[dict] = None


def tensor_bytes(value, seen: set, skip: set) -> int:
    """Bytes of the tensors reachable from an optimizer's attributes, each storage counted once."""
    if isinstance(value, torch.Tensor):
        key = value.data_ptr()
        if key in seen or key in skip:
            return 0
        seen.add(key)
        return value.numel() * value.element_size()
    if isinstance(value, torch.optim.Optimizer):
        return tensor_bytes(dict(value.state), seen, skip)
    if isinstance(value, dict):
        return sum(tensor_bytes(item, seen, skip) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(tensor_bytes(item, seen, skip) for item in value)
    if hasattr(value, "__dict__") and not isinstance(value, (nn.Module, type)):
        return sum(tensor_bytes(item, seen, skip) for key, item in vars(value).items() if key not in ("model", "setup"))
    return 0


def memory(run: Run) -> dict:
    """The summary's gpu_bytes, measured on the torch tensors: trained parameters, their gradients and
    the optimizer's tensors; `held` adds the frozen tensors and buffers (activations are not counted)."""
    params = [p for p in run.module.parameters() if p.requires_grad]
    parameters = sum(p.numel() * p.element_size() for p in params)
    skip = {p.data_ptr() for p in run.module.parameters()} | {b.data_ptr() for b in run.module.buffers()}
    optimizer_state = tensor_bytes(run.optimizer, set(), skip)
    others = sum(t.numel() * t.element_size() for t in run.module.state_dict().values()) - parameters
    total = 2 * parameters + optimizer_state
    return {"parameters": parameters, "gradients": parameters, "optimizer_state": optimizer_state, "total": total, "held": total + others}


def evaluate_split(module: nn.Module, batches: Iterable[data_module.Batch], device: torch.device, task: str) -> Dict[str, float]:
    """Mean loss and accuracy over a split's counted rows (a language model's tokens), in eval mode."""
    module.eval()
    loss_sum, correct, counted = 0.0, 0, 0
    with torch.no_grad():
        for batch in batches:
            targets = batch.targets.copy()
            if task != "language-modeling":
                targets[batch.size:] = data_module.IGNORE_TARGET
            logits = module(torch.from_numpy(batch.inputs).to(device))
            loss, right, rows = cross_entropy(logits, torch.from_numpy(targets).to(device))
            loss_sum += float(loss) * rows
            correct += right
            counted += rows
    return {"loss": loss_sum / counted, "accuracy": correct / counted}


class Trainer:
    """The playground's trainer loop over the runs, on one batch sequence."""

    def __init__(self, config: dict, args: argparse.Namespace, distributed: Distributed) -> None:
        self.config, self.args, self.dist = config, args, distributed
        self.task = MODEL_INFO["task"]
        if self.task != config["task"]:
            raise UsageError(f"model.py is a {self.task} model but config.yaml's task is {config['task']}; export the setup again.")
        batch_size = int(config["batch_size"])
        if batch_size % distributed.world_size:
            raise UsageError(
                f"batch_size {batch_size} does not split evenly over {distributed.world_size} processes; "
                f"use a --nproc_per_node that divides {batch_size}, or change batch_size in config.yaml."
            )
        context = int(MODEL_INFO["input_shape"][0]) if self.task == "language-modeling" else 0
        self.data = data_module.load_training_data(config, args.data, context)
        if self.data.classes != MODEL_INFO["classes"]:
            raise UsageError(f"model.py predicts {MODEL_INFO['classes']} classes but the data has {self.data.classes}; export the setup again.")
        steps = args.steps if args.steps is not None else config.get("steps")
        self.total_steps = int(steps) if steps is not None else int(config["epochs"]) * self.data.steps_per_epoch
        torch.manual_seed(int(config["seed"]))
        self.runs: List[Run] = []
        for index, spec in enumerate(config["runs"]):
            module = build_model().to(distributed.device)
            load_initial(module, args.init, config.get("init"))
            if distributed.active:
                synchronise_batch_norm(module)
            model = module
            if distributed.active:
                model = nn.parallel.DistributedDataParallel(module, device_ids=[distributed.device.index] if distributed.device.type == "cuda" else None)
            setup = Setup(
                seed=int(config["seed"]), stream=index, total_steps=self.total_steps, model_info=MODEL_INFO,
                distributed=distributed.active, world_size=distributed.world_size,
            )
            self.runs.append(Run(index, spec, model, build_optimizer(model, spec, setup), module))
        self.start = time.perf_counter()

    def log(self, text: str) -> None:
        if self.dist.rank == 0:
            print(text, flush=True)

    def train(self) -> None:
        config, spe = self.config, self.data.steps_per_epoch
        self.log(f"Training {', '.join(r.spec['name'] for r in self.runs)} on {MODEL_INFO['preset']} for {self.total_steps} steps "
                 f"({spe} per epoch) on {self.dist.world_size} process(es), {self.dist.device}")
        step = 0
        while step < self.total_steps and any(run.state == "running" for run in self.runs):
            epoch = step // spe
            batch = self.data.next_batch()
            inputs = torch.from_numpy(self.dist.shard(batch.inputs)).to(self.dist.device)
            targets = torch.from_numpy(self.dist.shard(batch.targets)).to(self.dist.device)
            due = step == 0 or (step + 1) % int(config["log_every"]) == 0 or step == self.total_steps - 1
            for run in self.runs:
                if run.state == "running":
                    self.train_step(run, step, epoch, inputs, targets, due, batch)
            step += 1
            if step % spe == 0:
                self.evaluate_all(epoch)
        self.evaluate_all(max(0, step - 1) // spe, final=True)
        for run in self.runs:
            if run.state == "running":
                run.state = "finished"

    def train_step(self, run: Run, step: int, epoch: int, inputs, targets, due: bool, batch) -> None:
        started = time.perf_counter()
        result = run.optimizer.train_step(step, inputs, targets)
        if self.dist.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = (time.perf_counter() - started) * 1000
        run.steps_done = step + 1
        run.pending_times.append(elapsed)
        run.all_times.append(elapsed)
        if not due:
            return
        loss_sum, correct, counted = self.dist.sum([result.loss * result.counted, result.correct, result.counted])
        loss = loss_sum / counted if counted else float("nan")
        lr = run.optimizer.lr_at(step)
        if not math.isfinite(loss):
            run.state = "diverged"
            run.message = f"The loss became {js_number(loss)} at step {step + 1}. Lower the learning rate (now {lr:.2e}) or add warm-up; the other runs go on."
            self.log(f"[{run.spec['name']}] diverged: {run.message}")
            return
        ms = sum(run.pending_times) / len(run.pending_times)
        rows = batch.targets.size
        row = {
            "step": step + 1, "epoch": epoch, "train_loss": loss, "train_accuracy": correct / rows, "lr": lr, "ms_per_step": ms,
            "wall_time": time.perf_counter() - self.start,
        }
        if self.task == "language-modeling":
            row["tokens_per_second"] = rows * 1000 / ms
        run.pending_times = []
        run.rows.append(row)
        self.log(f"[{run.spec['name']}] step {step + 1}/{self.total_steps} loss {loss:.4f} acc {correct / rows:.3f} lr {lr:.3g} {ms:.1f} ms/step")

    def evaluate_all(self, epoch: int, final: bool = False) -> None:
        """Evaluates (on process 0, which writes the files) every run that trained since its last evaluation."""
        if self.dist.rank != 0:
            return
        for run in self.runs:
            if run.state in ("diverged", "failed") or run.steps_done == 0:
                continue
            last, last_test = run.last_evaluation, run.last_test
            if last and last["step"] == run.steps_done and (not final or (last_test and last_test["step"] == run.steps_done)):
                continue
            self.evaluate(run, epoch, final)

    def evaluate(self, run: Run, epoch: int, final: bool) -> None:
        """Images and tables: the test split. Language models: the validation split, and the test split at the end."""
        row: dict = {"step": run.steps_done, "epoch": epoch}
        device = self.dist.device
        if self.task == "language-modeling" and self.data.validation_batches:
            validation = evaluate_split(run.module, self.data.validation_batches(), device, self.task)
            row.update(val_loss=validation["loss"], val_perplexity=math.exp(validation["loss"]))
            if final:
                test = evaluate_split(run.module, self.data.test_batches(), device, self.task)
                row.update(test_loss=test["loss"], test_accuracy=test["accuracy"], test_perplexity=math.exp(test["loss"]))
        else:
            test = evaluate_split(run.module, self.data.test_batches(), device, self.task)
            row.update(test_loss=test["loss"], test_accuracy=test["accuracy"])
        self.log(f"[{run.spec['name']}] evaluation after step {run.steps_done}: "
                 + ", ".join(f"{key} {value:.4f}" for key, value in row.items() if key not in ("step", "epoch")))
        run.last_evaluation = row
        if "test_loss" in row:
            run.last_test = row
        if run.rows and run.rows[-1]["step"] == row["step"]:
            run.rows[-1].update({key: value for key, value in row.items() if key not in ("step", "epoch")})

    def summary(self, run: Run) -> dict:
        summary = {"run": run.spec["name"], "optimizer": run.spec["optimizer"]["type"], "state": run.state}
        if run.message is not None:
            summary["message"] = run.message
        last_test = run.last_test or {}
        summary.update(
            steps=run.steps_done,
            train_loss_first=run.rows[0]["train_loss"] if run.rows else None,
            train_loss_last=run.rows[-1]["train_loss"] if run.rows else None,
            test_loss=last_test.get("test_loss"),
            test_accuracy=last_test.get("test_accuracy"),
            val_perplexity=(run.last_evaluation or {}).get("val_perplexity"),
            test_perplexity=last_test.get("test_perplexity"),
            ms_per_step_median=statistics.median(run.all_times) if run.all_times else None,
            # Each step waited for (CUDA synchronised): its wall time, where the browser has GPU timestamps or completions.
            step_times="wall-clock",
            gpu_bytes=memory(run),
            adapter=f"PyTorch {torch.__version__} on {torch.cuda.get_device_name(self.dist.device) if self.dist.device.type == 'cuda' else 'CPU'}"
            + (f" x{self.dist.world_size} processes" if self.dist.active else ""),
        )
        return summary

    def write(self) -> None:
        out = self.args.out
        csv_task = "language-modeling" if self.task == "language-modeling" else "image-classification"
        for run in self.runs:
            folder = out if len(self.runs) == 1 else os.path.join(out, slug(run.spec["name"]))
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "metrics.csv"), "w", encoding="utf-8") as handle:
                handle.write(metrics_csv(run.rows, csv_task))
            with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as handle:
                handle.write(json.dumps(self.summary(run), indent=2) + "\n")
            save_final(run.module, os.path.join(folder, "final.safetensors"), run.spec, run.steps_done)
            self.log(f"[{run.spec['name']}] {run.state} after {run.steps_done} steps -> {folder}")


def parse_args(argv: List[str]) -> argparse.Namespace:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="Train the exported setup's runs (one process, or many under torchrun).")
    parser.add_argument("--config", default=os.path.join(here, "config.yaml"), help="the setup (default: config.yaml)")
    parser.add_argument("--steps", type=int, default=None, help="train this many steps instead of the config's steps or epochs")
    parser.add_argument("--out", default=os.path.join(here, "out"), help="where metrics.csv, summary.json and final.safetensors go")
    parser.add_argument("--init", default=os.path.join(here, "init.safetensors"), help="the weights every run starts from")
    parser.add_argument("--data", default=os.path.join(here, "data"), help="the data folder (shards, CIFAR-10's files)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be a whole number > 0, got {args.steps}")
    return args


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    distributed = Distributed()
    try:
        trainer = Trainer(read_config(args.config), args, distributed)
        trainer.train()
        if distributed.rank == 0:
            trainer.write()
        failed = any(run.state == "failed" for run in trainer.runs)
        return 1 if failed else 0
    except (UsageError, data_module.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        distributed.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
