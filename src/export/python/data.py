"""The training data, batch for batch as the playground's engine makes it.

Sources, as the config's data section names them:

- image shards (`npm run data -- cifar10`, and the built-in images the export writes to
  data/): manifest.json with <split>-NNNNN.bin shards of CIFAR-10's 3073-byte records;
- CIFAR-10's official binary files (data_batch_1..5.bin and test_batch.bin, in a folder or
  in cifar-10-binary.tar.gz);
- token shards (word-level WikiText-2 with vocab.txt, or GPT-1 BPE ids cut into the paper's
  windows), and the built-in text written out the same way;
- Iris, computed here from Fisher's measurements as the playground computes it.

Order and values follow the engine exactly: the same seeded generator (playground_random),
the same shuffles, crops and flips drawn in the same order, the same float32 normalisation,
drop-last training epochs and padded evaluation batches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tarfile
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from playground_random import Rng, permutation, shuffle_in_place

# A target that is not scored (PyTorch's ignore_index); the engine's largest uint32.
IGNORE_TARGET = 0xFFFFFFFF

MANIFEST_FORMAT = "adafisher-playground-shards"
MANIFEST_FILE = "manifest.json"
IMAGE_SIDE = 32
IMAGE_CHANNELS = 3
IMAGE_BYTES = IMAGE_CHANNELS * IMAGE_SIDE * IMAGE_SIDE
CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.247, 0.2435, 0.2616)
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch.bin"
CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz"
CROP_PADDING = 4
# Shards per window of the streamed training split (the engine's DEFAULT_WINDOW_SHARDS).
WINDOW_SHARDS = 2
TOKEN_DTYPES = {"uint16": np.dtype("<u2"), "uint32": np.dtype("<u4")}
REWRITE = "Write the dataset again with `npm run data`, or export the setup again."


class DataError(Exception):
    """Missing, truncated or inconsistent data; the message names the file and what to do."""


@dataclass
class Batch:
    """inputs: float32 (B, 3, 32, 32) images, int64 (B, T) token ids or float32 (B, F) features;
    targets: int64 (B) labels or (B, T) next tokens, IGNORE_TARGET where not scored;
    size: real rows (an evaluation batch's tail is padding)."""

    inputs: np.ndarray
    targets: np.ndarray
    size: int


# ---------------------------------------------------------------------------------------------
# Files


def _read_bytes(path: str, what: str, advice: str) -> bytes:
    if not os.path.isfile(path):
        raise DataError(f"{path} is missing: it should hold {what}. {advice}")
    with open(path, "rb") as handle:
        return handle.read()


class ShardFolder:
    """A folder written by `npm run data`: the manifest, checked, and its shards, each checked
    for size and SHA-256 before use (as the engine's ShardReader checks them)."""

    def __init__(self, manifest_path: str) -> None:
        self.path = manifest_path
        self.root = os.path.dirname(os.path.abspath(manifest_path))
        text = _read_bytes(manifest_path, "a shard manifest", REWRITE)
        try:
            manifest = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{manifest_path} is not valid JSON ({error}). {REWRITE}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise DataError(f'{manifest_path} is not a shard manifest (its "format" is not "{MANIFEST_FORMAT}"). {REWRITE}')
        self.manifest = manifest
        self.kind = manifest.get("kind")
        if self.kind == "images":
            self.record_bytes = CIFAR10_RECORD_BYTES
        elif self.kind == "tokens":
            self.record_bytes = TOKEN_DTYPES[manifest["dtype"]].itemsize
        else:
            raise DataError(f'{manifest_path} has kind "{self.kind}"; expected "images" or "tokens". {REWRITE}')
        for name, split in manifest["splits"].items():
            total = sum(shard["records"] for shard in split["shards"])
            if total != split["records"]:
                raise DataError(f"{manifest_path}: splits.{name}.records is {split['records']} but its shards hold {total}. {REWRITE}")

    def shards(self, split: str) -> List[dict]:
        if split not in self.manifest["splits"]:
            raise DataError(f'{self.path} has no "{split}" split. {REWRITE}')
        return self.manifest["splits"][split]["shards"]

    def records(self, split: str) -> int:
        return int(self.manifest["splits"][split]["records"])

    def read_listed(self, entry: dict, what: str) -> bytes:
        """A file the manifest lists with its size and SHA-256, checked against both."""
        path = os.path.join(self.root, entry["file"])
        data = _read_bytes(path, what, REWRITE)
        if len(data) != entry["bytes"]:
            state = "truncated" if len(data) < entry["bytes"] else "longer than listed"
            raise DataError(f"{path} is {len(data)} bytes but {self.path} lists {entry['bytes']}: the file is {state}. {REWRITE}")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise DataError(f"{path} does not have the SHA-256 {self.path} lists: the file is corrupt or from another dataset. {REWRITE}")
        return data

    def read_shard(self, split: str, index: int) -> bytes:
        return self.read_listed(self.shards(split)[index], f"{split} shard {index + 1} of {len(self.shards(split))}")

    def read_split(self, split: str) -> bytes:
        return b"".join(self.read_shard(split, index) for index in range(len(self.shards(split))))

    def token_ids(self, split: str) -> np.ndarray:
        return np.frombuffer(self.read_split(split), dtype=TOKEN_DTYPES[self.manifest["dtype"]]).astype(np.int64)


def find_manifest(data_dir: str, dataset: str, url: Optional[str]) -> str:
    """The manifest a config reads: data.url when it names a local file, else
    <data_dir>/<dataset>/manifest.json or <data_dir>/manifest.json."""
    candidates = []
    if url and not url.startswith(("http://", "https://", "/data/")):
        candidates.append(url if os.path.isabs(url) else os.path.join(data_dir, "..", url))
    candidates += [os.path.join(data_dir, dataset, MANIFEST_FILE), os.path.join(data_dir, MANIFEST_FILE)]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise DataError(
        f"No shard manifest for {dataset}: looked for {', '.join(candidates)}. Copy the folder `npm run data -- {dataset}` "
        f"wrote (manifest.json and its shards) to {os.path.join(data_dir, dataset)}, or pass --data with its folder."
    )


# ---------------------------------------------------------------------------------------------
# Images


def parse_cifar(data: bytes, source: str, classes: int = len(CIFAR10_CLASSES)) -> Tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 binary records (label byte, then R, G, B planes of 32x32) -> (images (n, 3072) uint8, labels (n) uint8)."""
    advice = f"Download {CIFAR10_ARCHIVE} again from https://www.cs.toronto.edu/~kriz/ or write the shards again with `npm run data`."
    if len(data) == 0:
        raise DataError(f"{source} is empty, but a CIFAR-10 batch holds records of {CIFAR10_RECORD_BYTES} bytes. {advice}")
    if len(data) % CIFAR10_RECORD_BYTES:
        raise DataError(
            f"{source} is {len(data)} bytes, not a whole number of {CIFAR10_RECORD_BYTES}-byte CIFAR-10 records: it is truncated. {advice}"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, CIFAR10_RECORD_BYTES)
    labels = records[:, 0].copy()
    bad = np.nonzero(labels >= classes)[0]
    if bad.size:
        raise DataError(f"{source}: record {int(bad[0])} has label {int(labels[bad[0]])}, but there are {classes} classes. {advice}")
    return records[:, 1:].copy(), labels


def pixel_values(normalize: bool) -> np.ndarray:
    """(3, 256) float32: the value a byte v of channel c becomes, rounded to float32 after each
    step as torchvision's float32 tensors are: (fl(v / 255) - mean) / std, or fl(v / 255)."""
    table = np.zeros((IMAGE_CHANNELS, 256), dtype=np.float32)
    for channel in range(IMAGE_CHANNELS):
        mean = float(np.float32(CIFAR10_MEAN[channel]))
        std = float(np.float32(CIFAR10_STD[channel]))
        for value in range(256):
            scaled = float(np.float32(value / 255))
            table[channel, value] = np.float32(float(np.float32(scaled - mean)) / std) if normalize else scaled
    return table


class ImageSlotWriter:
    """Writes an example into a batch slot, normalised and, with augment 'standard', cropped from
    the image zero-padded by 4 at (top, left) and mirrored: out[c, y, x] = padded[c, y + top,
    (31 - x if flip else x) + left]. Draws top, left (each int(9)) then the flip (next() < 0.5)."""

    def __init__(self, batch_size: int, augment: str, normalize: bool, rng: Rng) -> None:
        self.images = np.zeros((batch_size, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
        self.labels = np.zeros(batch_size, dtype=np.int64)
        self.augment = augment
        self.values = pixel_values(normalize)
        self.rng = rng

    def write(self, images: np.ndarray, labels: np.ndarray, source: int, slot: int) -> None:
        planes = images[source].reshape(IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE)
        values = np.stack([self.values[c][planes[c]] for c in range(IMAGE_CHANNELS)])
        if self.augment == "standard":
            top = self.rng.int(2 * CROP_PADDING + 1)
            left = self.rng.int(2 * CROP_PADDING + 1)
            flip = self.rng.next() < 0.5
            side = IMAGE_SIDE + 2 * CROP_PADDING
            # The padding is a zero byte, so it takes whatever 0 normalises to in its channel.
            padded = np.broadcast_to(self.values[:, 0, None, None], (IMAGE_CHANNELS, side, side)).copy()
            padded[:, CROP_PADDING:CROP_PADDING + IMAGE_SIDE, CROP_PADDING:CROP_PADDING + IMAGE_SIDE] = values
            values = padded[:, top:top + IMAGE_SIDE, left:left + IMAGE_SIDE]
            if flip:
                values = values[:, :, ::-1]
        self.images[slot] = values
        self.labels[slot] = labels[source]

    def batch(self) -> Batch:
        return Batch(self.images.copy(), self.labels.copy(), len(self.labels))


def _check_batch(count: int, batch_size: int, what: str) -> None:
    if count < batch_size:
        raise DataError(f"{what} has {count} examples, fewer than one batch of {batch_size}; lower batch_size to at most {count}.")


class ImageBatcher:
    """Training batches from a whole image set: a fresh permutation per epoch (when shuffling)
    from one stream, augmentation from another, floor(n / B) full batches an epoch."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, shuffle: bool, augment: str, normalize: bool) -> None:
        _check_batch(len(labels), batch_size, "The training set")
        self.images, self.labels, self.batch_size, self.shuffle = images, labels, batch_size, shuffle
        self.steps_per_epoch = len(labels) // batch_size
        seeds = Rng(seed)
        self.order_rng = Rng(seeds.int(4294967296))
        self.writer = ImageSlotWriter(batch_size, augment, normalize, Rng(seeds.int(4294967296)))
        self.step = 0
        self._start_epoch()

    def _start_epoch(self) -> None:
        order = list(range(len(self.labels)))
        if self.shuffle:
            shuffle_in_place(order, self.order_rng)
        self.order = order

    def next(self) -> Batch:
        start = self.step * self.batch_size
        for slot in range(self.batch_size):
            self.writer.write(self.images, self.labels, self.order[start + slot], slot)
        self.step += 1
        if self.step == self.steps_per_epoch:
            self.step = 0
            self._start_epoch()
        return self.writer.batch()


class StreamingImageBatcher:
    """Training batches from image shards as the engine streams them: each epoch reads the shards
    in the order permutation(shards, Rng(seed + epoch)) (manifest order without shuffle), two at a
    time; each window's records are permuted by one stream; floor(n / B) batches an epoch, the
    rest of the epoch's windows skipped."""

    def __init__(self, folder: ShardFolder, batch_size: int, seed: int, shuffle: bool, augment: str, normalize: bool, classes: int) -> None:
        self.folder, self.batch_size, self.seed, self.shuffle, self.classes = folder, batch_size, seed, shuffle, classes
        records = folder.records("train")
        _check_batch(records, batch_size, f"{folder.path} (train split)")
        self.steps_per_epoch = records // batch_size
        seeds = Rng(seed)
        self.order_seeds = Rng(seeds.int(4294967296))
        self.writer = ImageSlotWriter(batch_size, augment, normalize, Rng(seeds.int(4294967296)))
        shard_count = len(folder.shards("train"))
        self.windows_per_epoch = math.ceil(shard_count / WINDOW_SHARDS)
        self.epoch, self.window = 0, 0
        self.images = np.zeros((0, IMAGE_BYTES), dtype=np.uint8)
        self.labels = np.zeros(0, dtype=np.uint8)
        self.order: List[int] = []
        self.cursor = 0
        self.step = 0
        self.skipping = False
        self._load_window()

    def _window_shards(self, epoch: int, window: int) -> List[int]:
        count = len(self.folder.shards("train"))
        order = list(permutation(count, Rng(self.seed + epoch))) if self.shuffle else list(range(count))
        return order[window * WINDOW_SHARDS:(window + 1) * WINDOW_SHARDS]

    def _load_window(self) -> None:
        while True:
            epoch, window = self.epoch, self.window
            first = window == 0
            self.window += 1
            if self.window == self.windows_per_epoch:
                self.epoch, self.window = self.epoch + 1, 0
            if self.skipping and not first:
                continue
            self.skipping = False
            data = b"".join(self.folder.read_shard("train", index) for index in self._window_shards(epoch, window))
            self.images, self.labels = parse_cifar(data, f"{self.folder.path} (train split, epoch {epoch + 1})", self.classes)
            self.order = list(permutation(len(self.labels), self.order_seeds if self.shuffle else None))
            self.cursor = 0
            return

    def next(self) -> Batch:
        for slot in range(self.batch_size):
            if self.cursor == len(self.order):
                self._load_window()
            self.writer.write(self.images, self.labels, self.order[self.cursor], slot)
            self.cursor += 1
        self.step += 1
        if self.step == self.steps_per_epoch:
            self.step = 0
            self.skipping = True
            self.cursor = len(self.order)
        return self.writer.batch()


def image_evaluation_batches(images: np.ndarray, labels: np.ndarray, batch_size: int, normalize: bool) -> Iterator[Batch]:
    """Every image once in file order, not augmented; the last batch padded with zeros (label 0)."""
    values = pixel_values(normalize)
    count = len(labels)
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        out = np.zeros((batch_size, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
        targets = np.zeros(batch_size, dtype=np.int64)
        planes = images[start:start + size].reshape(size, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE)
        for channel in range(IMAGE_CHANNELS):
            out[:size, channel] = values[channel][planes[:, channel]]
        targets[:size] = labels[start:start + size]
        yield Batch(out, targets, size)


def read_cifar_files(data_dir: str) -> Tuple[Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]:
    """CIFAR-10's official files: cifar-10-binary.tar.gz, or data_batch_1..5.bin and test_batch.bin
    in data_dir or its cifar-10-batches-bin folder. The training split is the five batches in turn."""
    advice = (
        f"Put {CIFAR10_ARCHIVE} (https://www.cs.toronto.edu/~kriz/{CIFAR10_ARCHIVE}) or data_batch_1..5.bin with "
        f"{CIFAR10_TEST_FILE} in {data_dir}, or pass --data with their folder."
    )
    names = (*CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE)
    files: Dict[str, Tuple[bytes, str]] = {}
    archive = os.path.join(data_dir, CIFAR10_ARCHIVE)
    if os.path.isfile(archive):
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar.getmembers():
                    base = os.path.basename(member.name)
                    if member.isfile() and base in names:
                        files[base] = (tar.extractfile(member).read(), f"{archive} ({member.name})")
        except (tarfile.TarError, EOFError, OSError) as error:
            raise DataError(f"{archive} cannot be read ({error}): it is truncated or not a .tar.gz. {advice}") from None
    else:
        for folder in (data_dir, os.path.join(data_dir, "cifar-10-batches-bin")):
            for name in names:
                path = os.path.join(folder, name)
                if name not in files and os.path.isfile(path):
                    with open(path, "rb") as handle:
                        files[name] = (handle.read(), path)
    missing = [name for name in names if name not in files]
    if missing:
        raise DataError(f"CIFAR-10 is incomplete: {', '.join(missing)} not found. {advice}")
    parts = [parse_cifar(*files[name]) for name in CIFAR10_TRAIN_FILES]
    train = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    return train, parse_cifar(*files[CIFAR10_TEST_FILE])


# ---------------------------------------------------------------------------------------------
# Tokens


def _check_length(count: int, context: int, split: str) -> None:
    if count < context + 1:
        raise DataError(f"The {split} split has {count} tokens, fewer than the {context + 1} one window of context {context} needs; use a longer {split} split.")


class TokenBatcher:
    """Word-level training: each row a window of T + 1 tokens at offset Rng(seed).int(n - T), drawn
    with replacement; an epoch is max(1, floor((n - 1) / (B T))) steps."""

    def __init__(self, tokens: np.ndarray, batch_size: int, context: int, seed: int) -> None:
        _check_length(len(tokens), context, "training")
        self.tokens, self.batch_size, self.context = tokens, batch_size, context
        self.steps_per_epoch = max(1, (len(tokens) - 1) // (batch_size * context))
        self.rng = Rng(seed)

    def next(self) -> Batch:
        inputs = np.zeros((self.batch_size, self.context), dtype=np.int64)
        targets = np.zeros((self.batch_size, self.context), dtype=np.int64)
        starts = len(self.tokens) - self.context
        for row in range(self.batch_size):
            start = self.rng.int(starts)
            inputs[row] = self.tokens[start:start + self.context]
            targets[row] = self.tokens[start + 1:start + self.context + 1]
        return Batch(inputs, targets, self.batch_size)


def token_evaluation_batches(tokens: np.ndarray, batch_size: int, context: int, split: str) -> Iterator[Batch]:
    """Every token after the first predicted once: windows at stride T, the last moved back to end
    at the last token with its repeated targets ignored; padding rows have inputs 0, targets ignored."""
    _check_length(len(tokens), context, split)
    windows = math.ceil((len(tokens) - 1) / context)
    last = len(tokens) - 1 - context
    for first in range(0, windows, batch_size):
        size = min(batch_size, windows - first)
        inputs = np.zeros((batch_size, context), dtype=np.int64)
        targets = np.full((batch_size, context), IGNORE_TARGET, dtype=np.int64)
        for row in range(size):
            window = first + row
            start = min(window * context, last)
            inputs[row] = tokens[start:start + context]
            targets[row] = tokens[start + 1:start + context + 1]
            targets[row, :window * context - start] = IGNORE_TARGET
        yield Batch(inputs, targets, size)


def paper_window_spans(count: int, context: int) -> List[Tuple[int, int]]:
    """[start, length] of the paper's windows: c = floor((n - 1) / T) full windows of T + 1 ids at
    0, T, 2T...; then the r = n - (cT + [c > 0]) ids left, when r + [c > 0] > 1."""
    full = (count - 1) // context if count > 0 else 0
    spans = [(i * context, context + 1) for i in range(full)]
    start = full * context + (1 if full > 0 else 0)
    remainder = count - start
    if remainder > 0 and remainder + (1 if full > 0 else 0) > 1:
        spans.append((start, remainder))
    return spans


def paper_windows(ids: np.ndarray, context: int) -> Tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each (windows, T): sources padded with id 0, padded targets ignored."""
    spans = paper_window_spans(len(ids), context)
    inputs = np.zeros((len(spans), context), dtype=np.int64)
    targets = np.full((len(spans), context), IGNORE_TARGET, dtype=np.int64)
    for row, (start, length) in enumerate(spans):
        pairs = max(length - 1, 0)
        inputs[row, :pairs] = ids[start:start + pairs]
        targets[row, :pairs] = ids[start + 1:start + 1 + pairs]
    return inputs, targets


class PaperWindowBatcher:
    """GPT-1 BPE training: the full windows in a fresh permutation each epoch from one stream
    Rng(seed), drawn at the epoch's first batch; floor(windows / B) batches an epoch."""

    def __init__(self, ids: np.ndarray, batch_size: int, context: int, seed: int) -> None:
        self.windows = sum(1 for _, length in paper_window_spans(len(ids), context) if length == context + 1)
        if self.windows < batch_size:
            raise DataError(
                f"The training split has {len(ids)} tokens: {self.windows} full windows of {context + 1} (context {context}), "
                f"fewer than the batch size {batch_size}; lower batch_size or use a longer training split."
            )
        self.batch_size = batch_size
        self.steps_per_epoch = self.windows // batch_size
        self.inputs, self.targets = paper_windows(ids[:self.windows * context + 1], context)
        self.rng = Rng(seed)
        self.order: Optional[np.ndarray] = None
        self.step = 0

    def next(self) -> Batch:
        if self.order is None:
            self.order = permutation(self.windows, self.rng)
        rows = self.order[self.step * self.batch_size:(self.step + 1) * self.batch_size]
        self.step += 1
        if self.step == self.steps_per_epoch:
            self.step = 0
            self.order = None
        return Batch(self.inputs[rows].copy(), self.targets[rows].copy(), self.batch_size)


def paper_evaluation_batches(windows: Tuple[np.ndarray, np.ndarray], batch_size: int, split: str) -> Iterator[Batch]:
    """Every window once, in order; padding rows have inputs 0 and ignored targets."""
    inputs, targets = windows
    if not np.any(targets != IGNORE_TARGET):
        raise DataError(f"The {split} split has no token to predict (a window needs at least 2 tokens); use a longer {split} split.")
    context = inputs.shape[1]
    for first in range(0, len(inputs), batch_size):
        size = min(batch_size, len(inputs) - first)
        batch_inputs = np.zeros((batch_size, context), dtype=np.int64)
        batch_targets = np.full((batch_size, context), IGNORE_TARGET, dtype=np.int64)
        batch_inputs[:size] = inputs[first:first + size]
        batch_targets[:size] = targets[first:first + size]
        yield Batch(batch_inputs, batch_targets, size)


# ---------------------------------------------------------------------------------------------
# Iris

# Fisher's 150 flowers (sepal length, sepal width, petal length, petal width in cm) in
# scikit-learn's load_iris order: 50 setosa, 50 versicolor, 50 virginica.
IRIS_MEASUREMENTS = """
    5.1 3.5 1.4 0.2  4.9 3 1.4 0.2  4.7 3.2 1.3 0.2  4.6 3.1 1.5 0.2  5 3.6 1.4 0.2  5.4 3.9 1.7 0.4
    4.6 3.4 1.4 0.3  5 3.4 1.5 0.2  4.4 2.9 1.4 0.2  4.9 3.1 1.5 0.1  5.4 3.7 1.5 0.2  4.8 3.4 1.6 0.2
    4.8 3 1.4 0.1  4.3 3 1.1 0.1  5.8 4 1.2 0.2  5.7 4.4 1.5 0.4  5.4 3.9 1.3 0.4  5.1 3.5 1.4 0.3
    5.7 3.8 1.7 0.3  5.1 3.8 1.5 0.3  5.4 3.4 1.7 0.2  5.1 3.7 1.5 0.4  4.6 3.6 1 0.2  5.1 3.3 1.7 0.5
    4.8 3.4 1.9 0.2  5 3 1.6 0.2  5 3.4 1.6 0.4  5.2 3.5 1.5 0.2  5.2 3.4 1.4 0.2  4.7 3.2 1.6 0.2
    4.8 3.1 1.6 0.2  5.4 3.4 1.5 0.4  5.2 4.1 1.5 0.1  5.5 4.2 1.4 0.2  4.9 3.1 1.5 0.2  5 3.2 1.2 0.2
    5.5 3.5 1.3 0.2  4.9 3.6 1.4 0.1  4.4 3 1.3 0.2  5.1 3.4 1.5 0.2  5 3.5 1.3 0.3  4.5 2.3 1.3 0.3
    4.4 3.2 1.3 0.2  5 3.5 1.6 0.6  5.1 3.8 1.9 0.4  4.8 3 1.4 0.3  5.1 3.8 1.6 0.2  4.6 3.2 1.4 0.2
    5.3 3.7 1.5 0.2  5 3.3 1.4 0.2  7 3.2 4.7 1.4  6.4 3.2 4.5 1.5  6.9 3.1 4.9 1.5  5.5 2.3 4 1.3
    6.5 2.8 4.6 1.5  5.7 2.8 4.5 1.3  6.3 3.3 4.7 1.6  4.9 2.4 3.3 1  6.6 2.9 4.6 1.3  5.2 2.7 3.9 1.4
    5 2 3.5 1  5.9 3 4.2 1.5  6 2.2 4 1  6.1 2.9 4.7 1.4  5.6 2.9 3.6 1.3  6.7 3.1 4.4 1.4
    5.6 3 4.5 1.5  5.8 2.7 4.1 1  6.2 2.2 4.5 1.5  5.6 2.5 3.9 1.1  5.9 3.2 4.8 1.8  6.1 2.8 4 1.3
    6.3 2.5 4.9 1.5  6.1 2.8 4.7 1.2  6.4 2.9 4.3 1.3  6.6 3 4.4 1.4  6.8 2.8 4.8 1.4  6.7 3 5 1.7
    6 2.9 4.5 1.5  5.7 2.6 3.5 1  5.5 2.4 3.8 1.1  5.5 2.4 3.7 1  5.8 2.7 3.9 1.2  6 2.7 5.1 1.6
    5.4 3 4.5 1.5  6 3.4 4.5 1.6  6.7 3.1 4.7 1.5  6.3 2.3 4.4 1.3  5.6 3 4.1 1.3  5.5 2.5 4 1.3
    5.5 2.6 4.4 1.2  6.1 3 4.6 1.4  5.8 2.6 4 1.2  5 2.3 3.3 1  5.6 2.7 4.2 1.3  5.7 3 4.2 1.2
    5.7 2.9 4.2 1.3  6.2 2.9 4.3 1.3  5.1 2.5 3 1.1  5.7 2.8 4.1 1.3  6.3 3.3 6 2.5  5.8 2.7 5.1 1.9
    7.1 3 5.9 2.1  6.3 2.9 5.6 1.8  6.5 3 5.8 2.2  7.6 3 6.6 2.1  4.9 2.5 4.5 1.7  7.3 2.9 6.3 1.8
    6.7 2.5 5.8 1.8  7.2 3.6 6.1 2.5  6.5 3.2 5.1 2  6.4 2.7 5.3 1.9  6.8 3 5.5 2.1  5.7 2.5 5 2
    5.8 2.8 5.1 2.4  6.4 3.2 5.3 2.3  6.5 3 5.5 1.8  7.7 3.8 6.7 2.2  7.7 2.6 6.9 2.3  6 2.2 5 1.5
    6.9 3.2 5.7 2.3  5.6 2.8 4.9 2  7.7 2.8 6.7 2  6.3 2.7 4.9 1.8  6.7 3.3 5.7 2.1  7.2 3.2 6 1.8
    6.2 2.8 4.8 1.8  6.1 3 4.9 1.8  6.4 2.8 5.6 2.1  7.2 3 5.8 1.6  7.4 2.8 6.1 1.9  7.9 3.8 6.4 2
    6.4 2.8 5.6 2.2  6.3 2.8 5.1 1.5  6.1 2.6 5.6 1.4  7.7 3 6.1 2.3  6.3 3.4 5.6 2.4  6.4 3.1 5.5 1.8
    6 3 4.8 1.8  6.9 3.1 5.4 2.1  6.7 3.1 5.6 2.4  6.9 3.1 5.1 2.3  5.8 2.7 5.1 1.9  6.8 3.2 5.9 2.3
    6.7 3.3 5.7 2.5  6.7 3 5.2 2.3  6.3 2.5 5 1.9  6.5 3 5.2 2  6.2 3.4 5.4 2.3  5.9 3 5.1 1.8
"""
IRIS_SPECIES = ("setosa", "versicolor", "virginica")


def iris_set() -> Tuple[np.ndarray, np.ndarray]:
    """(inputs (150, 2) float32, labels (150)): PCA(n_components=2) then StandardScaler, in float64
    with the engine's summation order, the sign of each direction making its largest |entry| positive."""
    values = np.array(IRIS_MEASUREMENTS.split(), dtype=np.float64).reshape(150, 4)
    n, d = values.shape
    mean = np.zeros(d)
    for i in range(n):
        mean += values[i] / n
    centred = values - mean
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    components = []
    for column in np.argsort(-singular, kind="stable")[:2]:
        direction = vt[column]
        largest = 0
        for j in range(1, d):
            if abs(direction[j]) > abs(direction[largest]):
                largest = j
        components.append(-direction if direction[largest] < 0 else direction)
    scores = np.zeros((n, 2))
    for i in range(n):
        for c in range(2):
            dot = 0.0
            for j in range(d):
                dot += centred[i, j] * components[c][j]
            scores[i, c] = dot
    mean2 = np.zeros(2)
    for i in range(n):
        mean2 += scores[i] / n
    var = np.zeros(2)
    for i in range(n):
        var += (scores[i] - mean2) ** 2 / n
    std = np.sqrt(var)
    inputs = ((scores - mean2) / np.where(std == 0, 1, std)).astype(np.float32)
    return inputs, np.repeat(np.arange(3, dtype=np.int64), 50)


class IrisBatcher:
    """All 150 flowers reshuffled every epoch (shuffle_in_place of the previous order, Rng(seed)),
    floor(150 / B) batches an epoch."""

    def __init__(self, batch_size: int, seed: int, shuffle: bool) -> None:
        self.inputs, self.labels = iris_set()
        _check_batch(len(self.labels), batch_size, "Iris")
        self.batch_size, self.shuffle = batch_size, shuffle
        self.steps_per_epoch = len(self.labels) // batch_size
        self.rng = Rng(seed)
        self.order = list(range(len(self.labels)))
        self.step = 0
        self._start_epoch()

    def _start_epoch(self) -> None:
        if self.shuffle:
            shuffle_in_place(self.order, self.rng)

    def next(self) -> Batch:
        rows = self.order[self.step * self.batch_size:(self.step + 1) * self.batch_size]
        self.step += 1
        if self.step == self.steps_per_epoch:
            self.step = 0
            self._start_epoch()
        return Batch(self.inputs[rows].copy(), self.labels[rows].copy(), self.batch_size)


def feature_evaluation_batches(inputs: np.ndarray, labels: np.ndarray, batch_size: int) -> Iterator[Batch]:
    """Every row once, in order; the last batch padded with zeros (label 0)."""
    for start in range(0, len(labels), batch_size):
        size = min(batch_size, len(labels) - start)
        batch_inputs = np.zeros((batch_size,) + inputs.shape[1:], dtype=np.float32)
        targets = np.zeros(batch_size, dtype=np.int64)
        batch_inputs[:size] = inputs[start:start + size]
        targets[:size] = labels[start:start + size]
        yield Batch(batch_inputs, targets, size)


# ---------------------------------------------------------------------------------------------
# From a config


@dataclass
class TrainingData:
    """What train.py consumes: next_batch() in the engine's sequence, the test split (and a
    language model's validation split) once each, padded to the batch size."""

    task: str
    classes: int
    steps_per_epoch: int
    next_batch: Callable[[], Batch]
    test_batches: Callable[[], Iterator[Batch]]
    validation_batches: Optional[Callable[[], Iterator[Batch]]] = None


def _unreadable(data: dict) -> str:
    return (
        f"data.from: {data['from']} is not read by the exported project. Write the data with `npm run data -- {data['source']}`, "
        "copy the folder into data/ and set data.from: shards in config.yaml."
    )


def _image_data(config: dict, data_dir: str) -> TrainingData:
    data = config["data"]
    batch_size, seed = int(config["batch_size"]), int(config["seed"])
    options = dict(seed=seed, shuffle=bool(data["shuffle"]), augment=data["augment"], normalize=bool(data["normalize"]))
    if data["source"] == "cifar10" and data["from"] == "files":
        (train_images, train_labels), (test_images, test_labels) = read_cifar_files(data_dir)
        classes = len(CIFAR10_CLASSES)
        batcher = ImageBatcher(train_images, train_labels, batch_size, **options)
    elif data["source"] == "synthetic" or data["from"] == "shards":
        folder = ShardFolder(find_manifest(data_dir, data["source"], data.get("url")))
        if folder.kind != "images":
            raise DataError(f"{folder.path} holds {folder.kind}; image classification needs an image manifest such as `npm run data -- cifar10` writes.")
        classes = len(folder.manifest["classes"])
        test_images, test_labels = parse_cifar(folder.read_split("test"), f"{folder.path} (test split)", classes)
        if data["source"] == "synthetic":
            # The playground holds its built-in images whole: one permutation of all of them per epoch.
            train_images, train_labels = parse_cifar(folder.read_split("train"), f"{folder.path} (train split)", classes)
            batcher = ImageBatcher(train_images, train_labels, batch_size, **options)
        else:
            batcher = StreamingImageBatcher(folder, batch_size, classes=classes, **options)
    else:
        raise DataError(_unreadable(data))
    normalize = bool(data["normalize"])
    return TrainingData(
        "image-classification", classes, batcher.steps_per_epoch, batcher.next,
        lambda: image_evaluation_batches(test_images, test_labels, batch_size, normalize),
    )


def _text_data(config: dict, data_dir: str, context: int) -> TrainingData:
    data = config["data"]
    if data["from"] != "shards" and data["source"] != "synthetic":
        raise DataError(_unreadable(data))
    folder = ShardFolder(find_manifest(data_dir, data["source"], data.get("url")))
    if folder.kind != "tokens":
        raise DataError(f"{folder.path} holds {folder.kind}; language modelling needs a token manifest such as `npm run data -- wikitext2` writes.")
    batch_size, seed = int(config["batch_size"]), int(config["seed"])
    classes = int(folder.manifest["vocabulary"]["size"])
    splits = {name: folder.token_ids(name) for name in ("train", "validation", "test")}
    for name, ids in splits.items():
        if ids.size and int(ids.max()) >= classes:
            raise DataError(f"{folder.path}: the {name} split holds token id {int(ids.max())}, outside the vocabulary of {classes}. {REWRITE}")
    if folder.manifest.get("tokenizer") == "gpt1-bpe":
        batcher = PaperWindowBatcher(splits["train"], batch_size, context, seed)
        validation, test = paper_windows(splits["validation"], context), paper_windows(splits["test"], context)
        return TrainingData(
            "language-modeling", classes, batcher.steps_per_epoch, batcher.next,
            lambda: paper_evaluation_batches(test, batch_size, "test"),
            lambda: paper_evaluation_batches(validation, batch_size, "validation"),
        )
    batcher = TokenBatcher(splits["train"], batch_size, context, seed)
    return TrainingData(
        "language-modeling", classes, batcher.steps_per_epoch, batcher.next,
        lambda: token_evaluation_batches(splits["test"], batch_size, context, "test"),
        lambda: token_evaluation_batches(splits["validation"], batch_size, context, "validation"),
    )


def load_training_data(config: dict, data_dir: str, context: int = 0) -> TrainingData:
    """The config's training data read from data_dir; `context` is a language model's T."""
    task = config["task"]
    if task == "language-modeling":
        return _text_data(config, data_dir, context)
    if task == "image-classification":
        return _image_data(config, data_dir)
    batcher = IrisBatcher(int(config["batch_size"]), int(config["seed"]), bool(config["data"]["shuffle"]))
    return TrainingData(
        "tabular-classification", len(IRIS_SPECIES), batcher.steps_per_epoch, batcher.next,
        lambda: feature_evaluation_batches(batcher.inputs, batcher.labels, int(config["batch_size"])),
    )
