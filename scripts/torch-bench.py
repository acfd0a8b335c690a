#!/usr/bin/env python3
"""PyTorch counterpart of `cnn bench`: training-step throughput of cnn's zoo models.

Builds lenet5, alexnet-lite, vgg-small and resnet20 exactly as cnn's zoo defines them
(src/model/zoo/), asserts their parameter counts, and times full training steps on
synthetic input: forward, cross-entropy, backward, SGD (momentum 0.9, weight decay 5e-4)
step. After --warmup untimed steps, --steps timed steps; prints one JSON line:

  {"model", "threads", "batchSize", "steps", "layout", "precision", "imagesPerSecond", "msPerStep",
   "medianMsPerStep", "torch"}

  /usr/bin/python3 scripts/torch-bench.py MODEL [--threads 1] [--batch-size 64]
                                             [--steps 50] [--warmup 5] [--channels-last] [--bf16]
  /usr/bin/python3 scripts/torch-bench.py bf16-supported    (prints true or false)

--channels-last keeps the model and its input in torch.channels_last memory format, PyTorch's
best CPU configuration for convolutions (oneDNN then runs its blocked kernels without a layout
change per op). --bf16 runs forward and loss under torch.autocast('cpu', dtype=torch.bfloat16).

OPENBLAS_NUM_THREADS is forced to 1 before torch is imported: Debian's torch links
OpenBLAS, whose own thread pool otherwise competes with torch's OpenMP threads and makes
it several times slower, which would flatter cnn. Parallelism is torch.set_num_threads.
"""
import argparse
import json
import os
import sys
import time

# Must happen before `import torch` (OpenBLAS reads it when the library loads).
os.environ['OPENBLAS_NUM_THREADS'] = '1'

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def lenet5():
    """1x28x28: the modern LeNet-5 (ReLU, max pooling), 61,706 parameters."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def alexnet_lite():
    """3x32x32: overlapping 3/2 pools take 32 -> 15 -> 7 -> 3, 1,842,570 parameters."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 128, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(128, 192, 3, padding=1), nn.ReLU(),
        nn.Conv2d(192, 192, 3, padding=1), nn.ReLU(),
        nn.Conv2d(192, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(128 * 3 * 3, 512), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(),
        nn.Linear(512, 10),
    )


def vgg_small():
    """3x32x32: [conv3x3 x2, maxpool] x3 with 32/64/128 filters, dense 256, 814,122 parameters."""
    layers, c = [], 3
    for width in (32, 64, 128):
        for _ in range(2):
            layers += [nn.Conv2d(c, width, 3, padding=1), nn.ReLU()]
            c = width
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(
        *layers, nn.Flatten(),
        nn.Linear(128 * 4 * 4, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, 10),
    )


class BasicBlock(nn.Module):
    """Two 3x3 convs without bias, each with batchnorm; a 1x1 conv + BN shortcut where the shape changes (option B)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def resnet20():
    """He et al.'s CIFAR ResNet-20: 3 stages of 3 BasicBlocks, 16/32/64 filters, GAP, 272,474 parameters."""
    blocks, cin = [], 16
    for width, stride in ((16, 1), (32, 2), (64, 2)):
        for b in range(3):
            blocks.append(BasicBlock(cin, width, stride if b == 0 else 1))
            cin = width
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )


# name -> (builder, input shape (C, H, W), parameter count as cnn's zoo has it)
MODELS = {
    'lenet5': (lenet5, (1, 28, 28), 61_706),
    'alexnet-lite': (alexnet_lite, (3, 32, 32), 1_842_570),
    'vgg-small': (vgg_small, (3, 32, 32), 814_122),
    'resnet20': (resnet20, (3, 32, 32), 272_474),
}


def parse_args():
    p = argparse.ArgumentParser(description='PyTorch training-step throughput of cnn zoo models')
    p.add_argument('model', help=', '.join(MODELS) + ", or 'list' to print the names as JSON")
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--steps', type=int, default=50, help='timed steps')
    p.add_argument('--warmup', type=int, default=5, help='untimed steps first')
    p.add_argument('--channels-last', action='store_true', help='channels_last memory format')
    p.add_argument('--bf16', action='store_true', help='bf16 autocast for forward and loss')
    return p.parse_args()


def bf16_supported():
    """Whether this PyTorch runs a bf16 autocast convolution step on this CPU."""
    try:
        conv = nn.Conv2d(3, 8, 3)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            y = conv(torch.randn(2, 3, 8, 8))
        y.float().sum().backward()
        return y.dtype == torch.bfloat16
    except Exception:  # noqa: BLE001 (any failure means no)
        return False


def main():
    args = parse_args()
    if args.model == 'list':
        print(json.dumps(sorted(MODELS)))
        return 0
    if args.model == 'bf16-supported':
        print(json.dumps(bf16_supported()))
        return 0
    if args.model not in MODELS:
        print(f"torch-bench: unknown model '{args.model}' (known: {', '.join(MODELS)})", file=sys.stderr)
        return 2
    if args.threads < 1 or args.batch_size < 1 or args.steps < 1 or args.warmup < 0:
        print('torch-bench: --threads, --batch-size and --steps must be >= 1, --warmup >= 0', file=sys.stderr)
        return 2
    build, (c, h, w), expected = MODELS[args.model]
    torch.manual_seed(1234)
    torch.set_num_threads(args.threads)
    model = build()
    params = sum(p.numel() for p in model.parameters())
    assert params == expected, f'{args.model}: {params} parameters, cnn has {expected}'
    model.train()
    x = torch.randn(args.batch_size, c, h, w)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (args.batch_size,))
    # Same settings as `cnn bench`; the small learning rate keeps random-label training finite.
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        if args.bf16:
            with torch.autocast('cpu', dtype=torch.bfloat16):
                loss = loss_fn(model(x), y)
        else:
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    times = []
    start = time.perf_counter()
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    times.sort()
    print(json.dumps({
        'model': args.model,
        'threads': args.threads,
        'batchSize': args.batch_size,
        'steps': args.steps,
        'layout': 'channels_last' if args.channels_last else 'nchw',
        'precision': 'bf16' if args.bf16 else 'fp32',
        'imagesPerSecond': args.batch_size * args.steps / total,
        'msPerStep': total * 1000 / args.steps,
        'medianMsPerStep': times[len(times) // 2],
        'torch': torch.__version__,
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
