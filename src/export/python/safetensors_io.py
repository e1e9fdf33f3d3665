"""safetensors read and write with numpy alone (no `safetensors` package needed).

The format: an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the tensors' raw little-endian bytes; offsets count from the end of the header.
The writer orders tensors as the reference writer (and the playground) does: by dtype,
widest first, then by name, with the header padded by spaces to a multiple of 8 bytes,
so a file written here is byte-identical to the playground's.
"""

from __future__ import annotations

import json
import os
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

HEADER_LENGTH_BYTES = 8
DATA_ALIGNMENT = 8
# The reference reader refuses headers above 100 MB: a larger one means a foreign or corrupt file.
MAX_HEADER_BYTES = 100_000_000
METADATA_KEY = "__metadata__"
REEXPORT = "Export the checkpoint again, from the playground or with safetensors.torch.save_file."

# dtype name -> (numpy little-endian dtype, rank in the reference writer's order).
DTYPES: Dict[str, Tuple[np.dtype, int]] = {
    "BOOL": (np.dtype("bool"), 0),
    "U8": (np.dtype("u1"), 1),
    "I8": (np.dtype("i1"), 2),
    "I16": (np.dtype("<i2"), 5),
    "U16": (np.dtype("<u2"), 6),
    "F16": (np.dtype("<f2"), 7),
    "I32": (np.dtype("<i4"), 9),
    "U32": (np.dtype("<u4"), 10),
    "F32": (np.dtype("<f4"), 11),
    "F64": (np.dtype("<f8"), 12),
    "I64": (np.dtype("<i8"), 13),
    "U64": (np.dtype("<u8"), 14),
}
# BF16 has no numpy dtype: its 16-bit patterns are read as uint16 and widened to float32.
BF16 = "BF16"
BF16_RANK = 8


class SafetensorsError(ValueError):
    """A file that is not a complete, well-formed safetensors file; the message says what to do."""


def _dtype_name(array: np.ndarray) -> str:
    for name, (dtype, _) in DTYPES.items():
        if array.dtype.newbyteorder("<") == dtype or array.dtype == dtype:
            return name
    raise SafetensorsError(f"numpy dtype {array.dtype} cannot be stored; use one of {', '.join(DTYPES)}.")


def encode(tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """The file's bytes for `tensors` (name -> array) and string `metadata`."""
    entries = []
    for name, value in tensors.items():
        if name == METADATA_KEY:
            raise SafetensorsError(f'The tensor name "{METADATA_KEY}" is reserved for the metadata; rename that tensor.')
        array = np.asarray(value)
        dtype_name = _dtype_name(array)
        data = np.ascontiguousarray(array, dtype=DTYPES[dtype_name][0]).tobytes()
        entries.append((DTYPES[dtype_name][1], name.encode("utf-8"), name, dtype_name, list(array.shape), data))
    # Widest dtype first, then names as UTF-8 bytes, as the reference writer sorts.
    entries.sort(key=lambda entry: (-entry[0], entry[1]))
    parts = []
    if metadata is not None:
        for key, text in metadata.items():
            if not isinstance(text, str):
                raise SafetensorsError(f'Metadata "{key}" is a {type(text).__name__}; metadata values must be strings.')
        fields = ",".join(f"{json.dumps(key)}:{json.dumps(text)}" for key, text in metadata.items())
        parts.append(f'"{METADATA_KEY}":{{{fields}}}')
    offset = 0
    for _, _, name, dtype_name, shape, data in entries:
        end = offset + len(data)
        dims = ",".join(str(dim) for dim in shape)
        parts.append(f'{json.dumps(name)}:{{"dtype":"{dtype_name}","shape":[{dims}],"data_offsets":[{offset},{end}]}}')
        offset = end
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    padded = -(-len(header) // DATA_ALIGNMENT) * DATA_ALIGNMENT
    header = header + b" " * (padded - len(header))
    return len(header).to_bytes(HEADER_LENGTH_BYTES, "little") + header + b"".join(entry[5] for entry in entries)


def save_file(tensors: Mapping[str, np.ndarray], path: str, metadata: Optional[Mapping[str, str]] = None) -> None:
    """Writes `tensors` to `path` (through a temporary file, so a crash never leaves half a file)."""
    temporary = f"{path}.partial"
    with open(temporary, "wb") as handle:
        handle.write(encode(tensors, metadata))
    os.replace(temporary, path)


def _header(data: bytes, source: str) -> Tuple[dict, int]:
    if len(data) < HEADER_LENGTH_BYTES:
        raise SafetensorsError(
            f"{source} is {len(data)} bytes long, too short for a safetensors file (which starts with an "
            "8-byte header length). Check that the complete .safetensors file was copied."
        )
    length = int.from_bytes(data[:HEADER_LENGTH_BYTES], "little")
    if length > MAX_HEADER_BYTES:
        raise SafetensorsError(
            f"{source}: the header length field says {length} bytes, above the 100 MB limit, so this is not a "
            "safetensors file or its first 8 bytes are corrupt."
        )
    available = len(data) - HEADER_LENGTH_BYTES
    if length > available:
        raise SafetensorsError(
            f"{source}: the header length field says {length} bytes but only {available} bytes follow it: "
            f"the file is truncated or not a safetensors file. {REEXPORT}"
        )
    try:
        header = json.loads(data[HEADER_LENGTH_BYTES:HEADER_LENGTH_BYTES + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetensorsError(f"{source}: the header is not valid JSON ({error}), so the file is corrupt. {REEXPORT}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{source}: the header is not a JSON object, so the file is corrupt. {REEXPORT}")
    return header, HEADER_LENGTH_BYTES + length


def decode(data: bytes, source: str = "the file") -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """(tensors, metadata) of a safetensors file's bytes; `source` names the file in messages.

    Every offset is checked: the tensors must tile the data section exactly, each holding
    prod(shape) * itemsize bytes, so a truncated or corrupt file is refused with its reason.
    BF16 tensors are widened to float32.
    """
    header, data_start = _header(data, source)
    metadata = header.pop(METADATA_KEY, {}) or {}
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise SafetensorsError(f'{source}: tensor "{name}" lacks "dtype", "shape" or "data_offsets". {REEXPORT}')
        dtype_name = info["dtype"]
        if dtype_name not in DTYPES and dtype_name != BF16:
            raise SafetensorsError(f'{source}: tensor "{name}" has dtype "{dtype_name}", which this reader does not support.')
        begin, end = info["data_offsets"]
        entries.append((begin, end, name, dtype_name, tuple(int(dim) for dim in info["shape"])))
    entries.sort()
    available = len(data) - data_start
    cursor = 0
    tensors: Dict[str, np.ndarray] = {}
    for begin, end, name, dtype_name, shape in entries:
        if begin != cursor or end < begin:
            raise SafetensorsError(
                f'{source}: tensor "{name}" occupies bytes [{begin}, {end}) of the data, which should begin at {cursor}. '
                f"The file is corrupt. {REEXPORT}"
            )
        itemsize = 2 if dtype_name == BF16 else DTYPES[dtype_name][0].itemsize
        expected = int(np.prod(shape, dtype=np.int64)) * itemsize
        if end - begin != expected:
            raise SafetensorsError(
                f'{source}: tensor "{name}" of shape {list(shape)} ({dtype_name}) needs {expected} bytes but its offsets '
                f"give {end - begin}. The file is corrupt. {REEXPORT}"
            )
        if end > available:
            raise SafetensorsError(
                f'{source}: tensor "{name}" ends at byte {end} of the data but the file holds only {available}: '
                f"the file is truncated. {REEXPORT}"
            )
        raw = data[data_start + begin:data_start + end]
        if dtype_name == BF16:
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            tensors[name] = bits.view(np.float32).reshape(shape)
        else:
            tensors[name] = np.frombuffer(raw, dtype=DTYPES[dtype_name][0]).reshape(shape).copy()
        cursor = end
    if cursor != available:
        raise SafetensorsError(f"{source}: {available - cursor} bytes follow the last tensor. The file is corrupt. {REEXPORT}")
    return tensors, {str(key): str(value) for key, value in metadata.items()}


def load_file(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """(tensors, metadata) of the safetensors file at `path`."""
    if not os.path.isfile(path):
        raise SafetensorsError(f"{path} does not exist. Give the path of a .safetensors file.")
    with open(path, "rb") as handle:
        return decode(handle.read(), path)
