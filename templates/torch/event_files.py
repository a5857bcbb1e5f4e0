"""The event-camera file formats spikerep reads (src/data/nmnistEvents.ts, aedat.ts, aedat3.ts, dvsGestureLabels.ts),
decoded the same way, into int64 tensors (x, y, p, t) in file order. Bad files stop with one line naming the file.

  N-MNIST .bin    headerless 5-byte events: x, y, then polarity (bit 7) and a 23-bit µs timestamp, big-endian;
                  y = 240 marks a timestamp overflow and is skipped.
  CIFAR10-DVS     AEDAT 2: '#' header lines (a blank line also ends them), then 8-byte big-endian records, address
  .aedat          then timestamp; x = 127 − bits 1–7 (mirrored), y = bits 8–14, polarity = 1 − bit 0.
  DVS Gesture     AEDAT 3.1: header lines up to "#!END-HEADER", then 28-byte little-endian packet headers each
  .aedat          followed by capacity × size bytes; polarity packets (type 1) hold a uint32 (bit 0 valid, bit 1
                  polarity, bits 2–16 y, bits 17–31 x) and an int32 timestamp; time = overflow·2³¹ + timestamp.
"""
import json
import re
import struct

import torch

NMNIST_SIZE = 34
DVS_SIZE = 128
# the characters JavaScript's trim() removes that latin1 text can hold (Python's strip() removes a few more)
JS_SPACE = " \t\n\v\f\r\xa0"


def read_bytes(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise SystemExit(f"{path}: cannot read the {what} ({e.strerror})")


def as_bytes_tensor(raw):
    """The bytes as a uint8 tensor widened to int64, so that shifts and ORs of four bytes do not overflow."""
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).long() if raw else torch.zeros(0, dtype=torch.long)


def read_nmnist(path):
    raw = read_bytes(path, "N-MNIST event file")
    if len(raw) % 5:
        raise SystemExit(f"{path}: N-MNIST event data of {len(raw)} bytes is not a whole number of 5-byte events: "
                         "the last event is cut off")  # fmt: skip
    b = as_bytes_tensor(raw).reshape(-1, 5)
    kept = (b[:, 1] != 240).nonzero().flatten()
    b = b[kept]
    outside = ((b[:, 0] >= NMNIST_SIZE) | (b[:, 1] >= NMNIST_SIZE)).nonzero().flatten()
    if len(outside):
        k = outside[0].item()
        raise SystemExit(f"{path}: event {kept[k].item()} at (x {b[k, 0].item()}, y {b[k, 1].item()}) lies outside "
                         "the 34×34 N-MNIST sensor: not an N-MNIST .bin file")  # fmt: skip
    if len(b) == 0:
        raise SystemExit(f"{path}: no events in the N-MNIST file")
    t = ((b[:, 2] & 0x7F) << 16) | (b[:, 3] << 8) | b[:, 4]
    return b[:, 0], b[:, 1], b[:, 2] >> 7, t


def aedat2_header_length(raw):
    """Where the records start: after the leading lines whose first non-blank character is '#'."""
    pos = 0
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        end = len(raw) if nl < 0 else nl + 1
        k = pos
        while k < end and (raw[k] == 0x20 or 0x09 <= raw[k] <= 0x0D):
            k += 1
        if k == end or raw[k] != 0x23:
            break
        pos = end
    return pos


def read_aedat2(path):
    """A CIFAR10-DVS file, with its conventions applied: x mirrored to 127 − x, polarity 1 − bit."""
    raw = read_bytes(path, "DVS-CIFAR10 event file")
    start = aedat2_header_length(raw)
    n = len(raw) - start
    if n % 8:
        raise SystemExit(f"{path}: event data of {n} bytes is not a whole number of 8-byte records")
    if n == 0:
        raise SystemExit(f"{path}: no event records after the header")
    r = as_bytes_tensor(raw[start:]).reshape(-1, 8)
    address = (r[:, 0] << 24) | (r[:, 1] << 16) | (r[:, 2] << 8) | r[:, 3]
    t = (r[:, 4] << 24) | (r[:, 5] << 16) | (r[:, 6] << 8) | r[:, 7]
    return 127 - ((address & 0xFE) >> 1), (address & 0x7F00) >> 8, 1 - (address & 1), t


def aedat3_data_start(raw, path):
    if not raw[:16].decode("latin1").startswith("#!AER-DAT3"):
        raise SystemExit(f"{path}: not an AEDAT 3.x file: the first line must be #!AER-DAT3.1")
    pos = 0
    while pos < len(raw) and raw[pos] == 0x23:
        nl = raw.find(b"\n", pos)
        if nl < 0:
            break
        line = raw[pos:nl].decode("latin1").rstrip(JS_SPACE)
        pos = nl + 1
        if line == "#!END-HEADER":
            return pos
    raise SystemExit(f"{path}: the AEDAT header has no #!END-HEADER line")


def little_endian_u32(b):
    return b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16) | (b[:, 3] << 24)


def read_aedat3(path):
    """A DVS Gesture recording's valid polarity events; other packet types (special events, frames, IMU) skipped."""
    raw = read_bytes(path, "DVS Gesture recording")
    pos = aedat3_data_start(raw, path)
    data = as_bytes_tensor(raw)
    parts = []
    while pos < len(raw):
        if len(raw) - pos < 28:
            raise SystemExit(f"{path}: the packet header at byte {pos} is cut off ({len(raw) - pos} of 28 bytes)")
        kind, _source, size, ts_offset, overflow, capacity, count, _valid = struct.unpack_from("<hhiiiiii", raw, pos)
        if size < 1 or capacity < 0 or count < 0 or count > capacity:
            raise SystemExit(f"{path}: bad packet header at byte {pos} (event size {size}, capacity {capacity}, "
                             f"events {count})")  # fmt: skip
        body, length = pos + 28, capacity * size
        if body + length > len(raw):
            raise SystemExit(f"{path}: the packet at byte {pos} declares {length} bytes of events, the file has "
                             f"{len(raw) - body} left: the last event is cut off")  # fmt: skip
        if kind == 1:
            if size < 8 or ts_offset < 0 or ts_offset + 4 > size:
                raise SystemExit(f"{path}: polarity packet at byte {pos}: event size {size} and timestamp offset "
                                 f"{ts_offset} do not fit 8-byte events")  # fmt: skip
            ev = data[body : body + count * size].reshape(count, size)
            word = little_endian_u32(ev[:, 0:4])
            stamp = little_endian_u32(ev[:, ts_offset : ts_offset + 4])
            stamp = stamp - ((stamp >> 31) << 32)  # int32
            valid = (word & 1).nonzero().flatten()
            word, stamp = word[valid], stamp[valid]
            x, y = word >> 17, (word >> 2) & 0x7FFF
            outside = ((x >= DVS_SIZE) | (y >= DVS_SIZE)).nonzero().flatten()
            if len(outside):
                k = outside[0].item()
                raise SystemExit(f"{path}: event at byte {body + valid[k].item() * size} at (x {x[k].item()}, "
                                 f"y {y[k].item()}) lies outside the 128×128 DVS128 sensor")  # fmt: skip
            parts.append((x, y, (word >> 1) & 1, overflow * 2**31 + stamp))
        pos = body + length
    if not parts:
        return tuple(torch.zeros(0, dtype=torch.long) for _ in range(4))
    return tuple(torch.cat(column) for column in zip(*parts))


GESTURE_CLASSES = 11
MAX_SAFE_INTEGER = 2**53 - 1
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
RADIX = re.compile(r"0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)", re.ASCII)


def js_integer(field):
    """The field as JavaScript's Number() reads it, when that is a safe integer; else None."""
    if RADIX.fullmatch(field):
        value = int(field, 0)
    elif DECIMAL.fullmatch(field):
        value = float(field)
        if not value.is_integer():
            return None
        value = int(value)
    else:
        return None
    return value if abs(value) <= MAX_SAFE_INTEGER else None


def read_gesture_labels(path):
    """A recording's userNN_<lighting>_labels.csv: [(label 0…10, start µs, end µs)], one per gesture performed."""
    text = read_bytes(path, "gesture label file").decode("latin1")
    windows = []
    for i, raw in enumerate(re.split(r"\r?\n", text)):
        line = raw.strip(JS_SPACE)
        if line == "" or (i == 0 and re.match(r"[A-Za-z]", line)):
            continue  # the header, blank lines
        fields = [f.strip(JS_SPACE) for f in line.split(",")]
        nums = [js_integer(f) for f in fields]

        def bad(why):
            raise SystemExit(f"{path}: line {i + 1} {json.dumps(line, ensure_ascii=False)}: {why}")

        if len(fields) != 3 or any(v is None for v in nums):
            bad("expected three integers: class, start µs, end µs")
        cls, start, end = nums
        if cls < 1 or cls > GESTURE_CLASSES:
            bad(f"class {cls} is not one of 1…{GESTURE_CLASSES}")
        if not (start >= 0 and end > start):
            bad(f"the window [{start}, {end}) is empty or negative")
        windows.append((cls - 1, start, end))
    if not windows:
        raise SystemExit(f"{path}: no gesture windows in the label file")
    return windows
