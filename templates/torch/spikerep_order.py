"""spikerep's order of training images, for runs that must see the same batches as a spikerep run with the same seed
(train.py --order spikerep): its seeded generator (splitmix32 seeding xoshiro128**, spikerep src/rng.ts), the
validation images it holds out of the training set (src/data/split.ts), and its per-epoch Fisher–Yates shuffle of
the rest (src/data/dataset.ts). Pure Python: it needs nothing of PyTorch."""
import math

M32 = 0xFFFFFFFF
HOLD_OUT = {"mnist": 5000, "fashion-mnist": 5000}


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    def __init__(self, seed):
        x, words = seed & M32, []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = ((x ^ (x >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            words.append(z ^ (z >> 16))
        if not any(words):
            words[0] = 1
        self.s = words

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s = [s0, s1, s2, rotl(s3, 11)]
        return result

    def int(self, n):
        return math.floor(self.next_u32() / 4294967296 * n)

    def fork(self):
        return Rng(self.next_u32() ^ 0x5BD1E995)

    def shuffled(self, n):
        a = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            a[i], a[j] = a[j], a[i]
        return a


def validation_size(dataset, n, train_limit=None, val_split=None):
    if val_split is not None:
        return val_split
    tenth = lambda k: max(1, round(k / 10))  # noqa: E731
    full = HOLD_OUT.get(dataset, tenth(n))
    return min(full, full if train_limit is None else tenth(train_limit), max(0, n - 1))


def split_indices(dataset, n, seed, train_limit=None, val_split=None):
    """spikerep's split of the training file: the indices it trains on (all but the held-out validation images, in
    file order, then the first train_limit of them) and the held-out ones (in file order)."""
    size = validation_size(dataset, n, train_limit, val_split)
    drawn = Rng((seed ^ 0x5EED7A1D) & M32).shuffled(n)[:size] if size > 0 else []
    held = set(drawn)
    rest = [i for i in range(n) if i not in held]
    return (rest if train_limit is None else rest[:train_limit]), sorted(drawn)



class EpochOrders:
    """spikerep's order stream (the first fork of Rng(seed)): epoch e's permutation of the training indices."""

    def __init__(self, indices, seed):
        self.indices, self.stream, self.done = indices, Rng(seed).fork(), []

    def epoch(self, e):
        while len(self.done) <= e:
            self.done.append([self.indices[i] for i in self.stream.shuffled(len(self.indices))])
        return self.done[e]
