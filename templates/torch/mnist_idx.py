"""MNIST / Fashion-MNIST in their IDX files (optionally gzipped), as spikerep reads them: images scaled to [0, 1]
and normalised per channel with the dataset's mean and std; training images randomly cropped from a zero-padded
copy when the recipe gives cropPad (the padding is black before normalisation, as in the reference pipeline)."""
import gzip
import os
import struct

import torch

from random_crop import random_crop_flip

STATS = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}  # fmt: skip


def read_idx(path):
    """An IDX file's array as a uint8 tensor (magic: two zero bytes, dtype 0x08 = unsigned byte, the rank)."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                raw = f.read()
            break
    else:
        raise SystemExit(f"{path}: no such IDX file (pass --data-dir with the four IDX files)")
    zero, dtype, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(f">{rank}I", raw[4 : 4 + 4 * rank])
    return torch.frombuffer(bytearray(raw[4 + 4 * rank :]), dtype=torch.uint8).reshape(shape)


class Images(torch.utils.data.Dataset):
    """[N, 1, H, W] uint8 images and their labels; items are normalised float images (cropped when training)."""

    def __init__(self, data_dir, split, dataset="mnist", crop_pad=0, limit=None):
        images, labels = (read_idx(os.path.join(data_dir, f)) for f in FILES[split])
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        self.images, self.labels = images.unsqueeze(1), labels.long()
        self.mean, self.std = STATS[dataset]
        self.crop_pad = crop_pad

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = random_crop_flip(self.images[i].float() / 255.0, self.crop_pad)
        return (x - self.mean) / self.std, self.labels[i]
