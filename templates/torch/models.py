"""spikerep's models in PyTorch (mnistnet, PreAct-ResNet-18, VGG-11), with spikerep's parameter names (so weights move
between the two unchanged) and its initialisation (docs/method.md §4): conv weights kaiming-normal (fan-out, ReLU), conv and linear biases and linear
weights PyTorch's defaults, batch-norm weight 1 and bias 0. Activations are NCHW, [T*B, C, H, W], time-major.

A model takes images [B, C, H, W], presented unchanged at every step (direct encoding, docs/method.md §3), or event
frames [B, T, C, H, W] (dvs_datasets.py), frame t at step t, as spikerep feeds them (src/train/encode.ts)."""
import torch.nn as nn

from dsr import SpikingNeuron, rate_readout


def neuron_factory(cfg):
    """A function making one neuron layer with the recipe's settings."""
    n = cfg["neuronConfig"]

    def make():
        return SpikingNeuron(
            cfg["T"],
            kind=n["kind"],
            vth=n["vth"],
            alpha=n["alpha"],
            vth_bound=n["vthBound"],
            tau=n.get("tau", 1.0),
            dt=n.get("dt", 0.05),
            vth_grad_scale=n.get("vthGradScale", 1.0),
            mode=cfg.get("neuronMode", "dsr"),
            slope=cfg.get("surrogateSlope", 4.0),
        )

    return make


def time_major(x, T):
    """The network's input [T*B, C, H, W], row t*B + b holding sample b at step t."""
    if x.dim() == 4:
        return x.repeat(T, 1, 1, 1)
    if x.dim() != 5 or x.shape[1] != T:
        raise SystemExit(f"input of shape {list(x.shape)}: expected [B, C, H, W] images or [B, {T}, C, H, W] frames")
    return x.transpose(0, 1).reshape(T * x.shape[0], *x.shape[2:])


def conv(c_in, c_out, k=3, stride=1):
    c = nn.Conv2d(c_in, c_out, k, stride=stride, padding=(k - 1) // 2, bias=True)
    nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
    return c


class MnistNet(nn.Module):
    """conv3×3 C→32, BN, neuron, avgpool2, conv3×3 32→64, BN, neuron, avgpool2, linear →256, BN1d, neuron,
    linear 256→classes, BN1d, neuron; the logits are the last layer's (weighted) firing rate."""

    def __init__(self, cfg, input_shape, classes):
        super().__init__()
        C, H, W = input_shape
        neuron = neuron_factory(cfg)
        self.T, self.n = cfg["T"], cfg["neuronConfig"]
        self.features = nn.Sequential(
            conv(C, 32), nn.BatchNorm2d(32), neuron(), nn.AvgPool2d(2),
            conv(32, 64), nn.BatchNorm2d(64), neuron(), nn.AvgPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Linear((H // 4) * (W // 4) * 64, 256), nn.BatchNorm1d(256), neuron(),
            nn.Linear(256, classes), nn.BatchNorm1d(classes), neuron(),
        )  # fmt: skip

    def spikes(self, x):
        """The last neuron layer's spikes [T*B, classes] for images [B, C, H, W] or frames [B, T, C, H, W]."""
        h = self.features(time_major(x, self.T)).flatten(1)
        return self.classifier(h)

    def forward(self, x):
        return rate_readout(self.spikes(x), self.T, self.n["kind"], self.n.get("tau", 1.0), self.n.get("dt", 0.05))


class PreActBlock(nn.Module):
    """BN → neuron, then the main path (conv3×3/s → BN → neuron → dropout → conv3×3) and the shortcut (identity, or
    conv1×1/s when the shape changes) both start from that neuron's spikes; their sum is the block's output current
    (docs/method.md §3, §4.1). Dropout draws its mask independently at every step (it sees T·B rows)."""

    def __init__(self, c_in, c_out, stride, neuron, dropout):
        super().__init__()
        self.bn1, self.relu1 = nn.BatchNorm2d(c_in), neuron()
        self.conv1, self.bn2, self.relu2 = conv(c_in, c_out, 3, stride), nn.BatchNorm2d(c_out), neuron()
        self.dropout = nn.Dropout(dropout)
        self.conv2 = conv(c_out, c_out, 3)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(conv(c_in, c_out, 1, stride))

    def forward(self, x):
        x = self.relu1(self.bn1(x))
        return self.conv2(self.dropout(self.relu2(self.bn2(self.conv1(x))))) + self.shortcut(x)


class PreActResNet18(nn.Module):
    """docs/method.md §4.1: a bias-free 3×3 stem with no BN or neuron after it, four stages of two blocks
    (64/128/256/512, strides 1/2/2/2), BN → neuron → global average pool → neuron → linear (bias 0) → BN1d → neuron."""

    def __init__(self, cfg, input_shape, classes):
        super().__init__()
        C = input_shape[0]
        neuron = neuron_factory(cfg)
        self.T, self.n = cfg["T"], cfg["neuronConfig"]
        dropout = cfg.get("dropout") or 0.0
        self.conv1 = nn.Conv2d(C, 64, 3, padding=1, bias=False)
        nn.init.kaiming_normal_(self.conv1.weight, mode="fan_out", nonlinearity="relu")
        c_in = 64
        for stage, c_out in enumerate([64, 128, 256, 512]):
            first = 1 if stage == 0 else 2
            blocks = [PreActBlock(c_in, c_out, first, neuron, dropout), PreActBlock(c_out, c_out, 1, neuron, dropout)]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
            c_in = c_out
        self.bn, self.relu = nn.BatchNorm2d(512), neuron()
        self.pool, self.relu2 = nn.AdaptiveAvgPool2d(1), neuron()
        self.linear = nn.Linear(512, classes)
        nn.init.zeros_(self.linear.bias)
        self.bn_out, self.relu_out = nn.BatchNorm1d(classes), neuron()

    def spikes(self, x):
        h = self.conv1(time_major(x, self.T))
        h = self.layer4(self.layer3(self.layer2(self.layer1(h))))
        h = self.relu2(self.pool(self.relu(self.bn(h)))).flatten(1)
        return self.relu_out(self.bn_out(self.linear(h)))

    def forward(self, x):
        return rate_readout(self.spikes(x), self.T, self.n["kind"], self.n.get("tau", 1.0), self.n.get("dt", 0.05))


class Vgg11(nn.Module):
    """docs/method.md §4.2: stages [64] [128] [256, 256] [512, 512] [512, 512], each conv 3×3/pad 1 (bias 0) → BN →
    neuron → dropout (an independent mask at every step), AvgPool2d(2) after each stage, then AdaptiveAvgPool2d(7×7)
    (which replicates a 1×1 map 49 times) → linear (N(0, 0.01), bias 0) → BN1d → neuron. The Sequential's indices
    are spikerep's names (a dropout index is kept even at p = 0)."""

    def __init__(self, cfg, input_shape, classes):
        super().__init__()
        neuron = neuron_factory(cfg)
        self.T, self.n = cfg["T"], cfg["neuronConfig"]
        p = cfg.get("dropout")
        p = 0.1 if p is None else p
        layers, c_in = [], input_shape[0]
        for stage in [[64], [128], [256, 256], [512, 512], [512, 512]]:
            for c_out in stage:
                c = conv(c_in, c_out)
                nn.init.zeros_(c.bias)
                layers += [c, nn.BatchNorm2d(c_out), neuron(), nn.Dropout(p)]
                c_in = c_out
            layers.append(nn.AvgPool2d(2))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        linear = nn.Linear(512 * 49, classes)
        nn.init.normal_(linear.weight, 0, 0.01)
        nn.init.zeros_(linear.bias)
        self.classifier = nn.Sequential(linear, nn.BatchNorm1d(classes), neuron())

    def spikes(self, x):
        h = self.avgpool(self.features(time_major(x, self.T))).flatten(1)
        return self.classifier(h)

    def forward(self, x):
        return rate_readout(self.spikes(x), self.T, self.n["kind"], self.n.get("tau", 1.0), self.n.get("dt", 0.05))


MODELS = {"mnistnet": MnistNet, "resnet18": PreActResNet18, "vgg11": Vgg11}


def build_model(cfg, input_shape, classes):
    if cfg["model"] not in MODELS:
        raise SystemExit(f"model {cfg['model']!r}: this project has {', '.join(MODELS)}")
    return MODELS[cfg["model"]](cfg, input_shape, classes)


def load_weights(model, tensors):
    """Copies spikerep-named tensors into the model; every parameter and running statistic must be there."""
    state = model.state_dict()
    missing = [k for k in state if k not in tensors and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit(f"weights: missing {', '.join(missing[:5])}")
    for k, v in state.items():
        if k in tensors:
            if tuple(tensors[k].shape) != tuple(v.shape):
                raise SystemExit(f"weights: {k} has shape {list(tensors[k].shape)}, the model needs {list(v.shape)}")
            v.copy_(tensors[k])


def weights_of(model):
    """The model's tensors under spikerep's names (BN's num_batches_tracked has no spikerep counterpart)."""
    return {k: v.detach().float() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
