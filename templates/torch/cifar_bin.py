"""CIFAR-10 / CIFAR-100 in their "binary version" batches, as spikerep reads them: each record is the label byte
(CIFAR-100: coarse, then the fine label used here) and 3072 pixel bytes (the red, green, blue 32×32 planes).
Normalised per channel (docs/method.md §4.3); training images randomly cropped from a black-padded copy (cropPad)
and flipped left-right (flip)."""
import os

import torch

from random_crop import random_crop_flip

STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5071, 0.4867, 0.4408), (0.2675, 0.2565, 0.2761)),
}
FILES = {
    "cifar10": ("cifar-10-batches-bin", {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}),
    "cifar100": ("cifar-100-binary", {"train": ["train.bin"], "test": ["test.bin"]}),
}


def read_batches(data_dir, dataset, split):
    folder, names = FILES[dataset]
    base = data_dir if os.path.exists(os.path.join(data_dir, names[split][0])) else os.path.join(data_dir, folder)
    label_bytes = 1 if dataset == "cifar10" else 2
    records = []
    for name in names[split]:
        path = os.path.join(base, name)
        if not os.path.exists(path):
            raise SystemExit(f"{path}: no such batch file (pass --data-dir with the {folder} files)")
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) % (label_bytes + 3072):
            raise SystemExit(f"{path}: not a whole number of {label_bytes + 3072}-byte records")
        records.append(torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(-1, label_bytes + 3072))
    r = torch.cat(records)
    return r[:, label_bytes:].reshape(-1, 3, 32, 32), r[:, label_bytes - 1].long()


class CifarImages(torch.utils.data.Dataset):
    def __init__(self, data_dir, split, dataset="cifar10", crop_pad=0, flip=False, limit=None):
        images, labels = read_batches(data_dir, dataset, split)
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        self.images, self.labels = images, labels
        mean, std = STATS[dataset]
        self.mean, self.std = torch.tensor(mean).view(3, 1, 1), torch.tensor(std).view(3, 1, 1)
        self.crop_pad, self.flip = crop_pad, flip

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = random_crop_flip(self.images[i].float() / 255.0, self.crop_pad, self.flip)
        return (x - self.mean) / self.std, self.labels[i]
