"""The event-camera datasets in the folder layouts spikerep reads (src/data/nmnist.ts, dvsGesture.ts, dvsCifar10.ts),
with its sample order, labels and train/test split. An item is T frames [T, 2, H, W] of event counts (event_frames.py)
and its label; the model takes a batch [B, T, 2, H, W] one frame per time step (models.py). Training items share one
random crop over their T frames (cropPad, zero padding) and, where the recipe says flip, one left-right flip, as in
spikerep (src/data/transforms.ts). Files are parsed when an item is read.

  n-mnist      DIR/Train/0…9/*.bin and DIR/Test/0…9/*.bin; label = the digit folder; 34×34.
  dvs-gesture  DIR/userNN_<lighting>.aedat with userNN_<lighting>_labels.csv beside each; one item per labelled
               window (its events in file order); the recordings listed in trials_to_train.txt / trials_to_test.txt
               when DIR has them, else users 1–23 train and 24–29 test; 128×128.
  dvs-cifar10  DIR/<class>/cifar10_<class>_<i>.aedat, i = 0…999 per class; files 0–899 train, 900–999 test;
               128×128 resized to 48×48.
"""
import math
import os
import re

import torch

from event_files import read_aedat2, read_aedat3, read_gesture_labels, read_nmnist
from event_frames import frames_by_count, resize_bilinear
from random_crop import random_crop_flip

DVS_DATASETS = ("n-mnist", "dvs-gesture", "dvs-cifar10")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
LAST_TRAIN_USER = 23


def js_sorted(names):
    """Sorted as JavaScript sorts strings (by UTF-16 code units), so that both engines number the files alike."""
    return sorted(names, key=lambda s: s.encode("utf-16-be"))


class EventFrames(torch.utils.data.Dataset):
    """Items (frames, label); subclasses give the sample list, labels and frames(i)."""

    size = (0, 0)

    def __init__(self, T, labels, crop_pad=0, flip=False, limit=None):
        if not (isinstance(T, int) and T > 0):
            raise SystemExit(f"T must be a positive integer, got {T}")
        self.T, self.crop_pad, self.flip = T, crop_pad, flip
        self.labels = torch.tensor(labels[:limit] if limit is not None else labels, dtype=torch.long)

    @property
    def input_shape(self):
        """One frame's [C, H, W]."""
        return (2, *self.size)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return random_crop_flip(self.frames(i), self.crop_pad, self.flip), self.labels[i]


class NMnistFrames(EventFrames):
    size = (34, 34)

    def __init__(self, data_dir, split, T, crop_pad=0, flip=False, limit=None):
        sub = "Train" if split == "train" else "Test"
        folder = os.path.join(data_dir, sub)
        if not os.path.isdir(folder):
            raise SystemExit(f"{data_dir}: N-MNIST folder not found: expected {sub}/0…9 of .bin event files in it; "
                             "pass --data-dir")  # fmt: skip
        self.files, labels = [], []
        for digit in range(10):
            d = os.path.join(folder, str(digit))
            if not os.path.isdir(d):
                raise SystemExit(f"{d}: N-MNIST class folder missing (expected one per digit 0…9)")
            for f in js_sorted(f for f in os.listdir(d) if f.lower().endswith(".bin")):
                self.files.append(os.path.join(d, f))
                labels.append(digit)
        super().__init__(T, labels, crop_pad, flip, limit)

    def frames(self, i):
        x, y, p, _t = read_nmnist(self.files[i])
        return frames_by_count(x, y, p, self.T, *self.size)


def gesture_recordings(root, split):
    """The .aedat names of one split: the dataset's trial list when present, else by user number."""
    listed = os.path.join(root, "trials_to_train.txt" if split == "train" else "trials_to_test.txt")
    if os.path.exists(listed):
        with open(listed, encoding="latin1", newline="") as f:
            lines = [line.strip(" \t\n\v\f\r\xa0") for line in re.split(r"\r?\n", f.read())]
        return [line for line in lines if line.lower().endswith(".aedat")]
    user = re.compile(r"user([0-9]+)_.*\.aedat", re.IGNORECASE | re.ASCII)
    names = [f for f in os.listdir(root) if user.fullmatch(f)]
    return js_sorted(f for f in names if (int(user.fullmatch(f).group(1)) <= LAST_TRAIN_USER) == (split == "train"))


class DvsGestureFrames(EventFrames):
    size = (128, 128)

    def __init__(self, data_dir, split, T, crop_pad=0, flip=False, limit=None):
        if not os.path.isdir(data_dir):
            raise SystemExit(f"{data_dir}: DVS Gesture folder not found: expected the userNN_<lighting>.aedat "
                             "recordings and their _labels.csv files; pass --data-dir")  # fmt: skip
        self.windows, labels = [], []
        for name in gesture_recordings(data_dir, split):
            path = os.path.join(data_dir, name)
            if not os.path.exists(path):
                raise SystemExit(f"{path}: DVS Gesture recording missing")
            csv = re.sub(r"\.aedat\Z", "_labels.csv", path, flags=re.IGNORECASE | re.ASCII)
            if not os.path.isfile(csv):
                raise SystemExit(f"{csv}: the recording has no _labels.csv file beside it")
            for row, (label, start, end) in enumerate(read_gesture_labels(csv)):
                self.windows.append((path, row, start, end))
                labels.append(label)
        if not labels:
            raise SystemExit(f"{data_dir}: no DVS Gesture {split} recordings (userNN_*.aedat) in the folder")
        self.parsed = (None, None)  # the last recording parsed: reading in order parses each file once
        super().__init__(T, labels, crop_pad, flip, limit)

    def frames(self, i):
        path, row, start, end = self.windows[i]
        if self.parsed[0] != path:
            self.parsed = (path, read_aedat3(path))
        x, y, p, t = self.parsed[1]
        inside = ((t >= start) & (t < end)).nonzero().flatten()
        if len(inside) == 0:
            raise SystemExit(f"{path}: no events in gesture {row + 1}'s window [{start}, {end}) µs of its _labels.csv")
        return frames_by_count(x[inside], y[inside], p[inside], self.T, *self.size)


class DvsCifar10Frames(EventFrames):
    size = (48, 48)

    def __init__(self, data_dir, split, T, crop_pad=0, flip=False, limit=None, files_per_class=1000,
                 train_per_class=None):  # fmt: skip
        n_train = math.floor(0.9 * files_per_class + 0.5) if train_per_class is None else train_per_class
        if not os.path.isdir(data_dir):
            raise SystemExit(f"{data_dir}: DVS-CIFAR10 folder not found: expected one subfolder of .aedat files per "
                             "class; pass --data-dir")  # fmt: skip
        lo, hi = (0, n_train) if split == "train" else (n_train, files_per_class)
        self.files, labels = [], []
        for label, cls in enumerate(CIFAR10_CLASSES):
            for i in range(lo, hi):
                path = os.path.join(data_dir, cls, f"cifar10_{cls}_{i}.aedat")
                if not os.path.exists(path):
                    raise SystemExit(f"{path}: DVS-CIFAR10 file missing (expected {files_per_class} files per class)")
                self.files.append(path)
                labels.append(label)
        super().__init__(T, labels, crop_pad, flip, limit)

    def frames(self, i):
        x, y, p, _t = read_aedat2(self.files[i])
        return resize_bilinear(frames_by_count(x, y, p, self.T, 128, 128), *self.size)


def open_event_frames(dataset, data_dir, split, T, crop_pad=0, flip=False, limit=None):
    kinds = {"n-mnist": NMnistFrames, "dvs-gesture": DvsGestureFrames, "dvs-cifar10": DvsCifar10Frames}
    return kinds[dataset](data_dir, split, T, crop_pad, flip, limit)
