"""Events to frames as spikerep makes them (src/data/aedat.ts framesByCount, src/data/resize.ts), in PyTorch's layout
[T, 2, H, W] where spikerep's is channels-last [T, H, W, 2]; the values are the same, bit for bit.

Framing by equal event counts (SpikingJelly's split_by='number'): with d = ⌊N/T⌋, frame j counts the events
[j·d, (j+1)·d) in file order and the last frame also takes the remainder (d = 0: every event in the last frame).
Channel 0 counts the events of polarity 0, channel 1 the others; raw counts, no normalisation.

Resizing (DVS-CIFAR10's 128×128 → 48×48) is bilinear with align_corners=False and no antialiasing, with spikerep's
rounding: source coordinates and weights in float32, the blend in float64, the result rounded once to float32."""
import math
import struct

import torch


def frames_by_count(x, y, p, T, height, width):
    n = len(x)
    d = n // T
    order = torch.arange(n)
    frame = (order // d).clamp(max=T - 1) if d > 0 else torch.full((n,), T - 1, dtype=torch.long)
    cell = ((frame * 2 + (p != 0).long()) * height + y) * width + x
    return torch.bincount(cell, minlength=T * 2 * height * width).float().reshape(T, 2, height, width)


def f32(v):
    """v rounded to float32 (JavaScript's Math.fround)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def resize_axis(n_in, n_out):
    """Per output index: the two source indices and the float32 weight of the second."""
    scale = f32(n_in / n_out)
    lo, hi, w = [], [], []
    for o in range(n_out):
        s = max(f32(f32(scale * (o + 0.5)) - 0.5), 0.0)
        i0 = math.floor(s)
        lo.append(i0)
        hi.append(i0 + 1 if i0 < n_in - 1 else i0)
        w.append(f32(s - i0))
    return torch.tensor(lo), torch.tensor(hi), torch.tensor(w, dtype=torch.float64)


def resize_bilinear(frames, height, width):
    """[..., H, W] float32 → [..., height, width] float32."""
    src = frames.double()
    ylo, yhi, wy = resize_axis(src.shape[-2], height)
    xlo, xhi, wx = resize_axis(src.shape[-1], width)
    wy = wy.view(-1, 1)
    r0, r1 = src[..., ylo, :], src[..., yhi, :]
    # separate multiplies and adds in spikerep's order, each rounded as JavaScript rounds it (no fused multiply-add)
    top = (1 - wx) * r0[..., xlo] + wx * r0[..., xhi]
    bottom = (1 - wx) * r1[..., xlo] + wx * r1[..., xhi]
    return ((1 - wy) * top + wy * bottom).float()
