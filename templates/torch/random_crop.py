"""The training augmentation spikerep applies (src/data/transforms.ts): a random crop of the zero-padded image or
frames (one crop for all T frames), then, where asked, a left-right flip with probability 1/2."""
import torch


def random_crop_flip(x, pad, flip=False):
    """x [..., H, W] → the same shape: cropped from x padded by `pad` on every side, then maybe flipped."""
    if pad > 0:
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dy, dx = torch.randint(0, 2 * pad + 1, (2,)).tolist()
        x = padded[..., dy : dy + x.shape[-2], dx : dx + x.shape[-1]]
    if flip and torch.rand(()) < 0.5:
        x = x.flip(-1)
    return x
