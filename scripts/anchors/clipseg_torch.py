"""The peer Delineate is measured against, made here because HF transformers cannot be installed on
the build machines: CLIPSeg (rd64-refined architecture, random weights) written as a user would in
plain PyTorch eager modules, following HF's CLIPSegForImageSegmentation step for step (all 12
vision blocks run, the position table interpolated in the forward, argmax pooling of the text),
then exported with torch.onnx.export (opset 17) for scripts/anchors/bench-ort-export.ts.

  /usr/bin/python3 scripts/anchors/clipseg_torch.py --export OUT.onnx
  /usr/bin/python3 scripts/anchors/clipseg_torch.py --eager-runs 10   # PyTorch eager itself, 2 threads

Needs Debian's python3-torch (and libopenblas0-pthread for --eager-runs). Not part of the test suite; see scripts/anchors/README.md."""

import argparse
import json
import os
import time

# Debian's torch does its matrix products through the system BLAS: the reference one (about 20×
# slower) unless libopenblas0-pthread is installed; OpenBLAS reads its thread count at load.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '2')
import torch  # noqa: E402
import torch.nn.functional as F
from torch import nn

V_WIDTH, V_LAYERS, V_HEADS, PATCH, SIZE = 768, 12, 12, 16, 352
T_WIDTH, T_LAYERS, T_HEADS, VOCAB, T_POS = 512, 12, 8, 49408, 77
PROJ, REDUCE, D_HEADS, D_MLP, EXTRACT = 512, 64, 4, 2048, [3, 6, 9]


class QuickGelu(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.scale = heads, (width // heads) ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x, mask=None):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x) * self.scale), split(self.k_proj(x)), split(self.v_proj(x))
        w = q @ k.transpose(-1, -2)
        if mask is not None:
            w = w + mask
        return self.out_proj((w.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """CLIP's pre-LN block, or CLIPSeg's post-LN decoder block (relu)."""

    def __init__(self, width, heads, mlp, post_ln=False):
        super().__init__()
        self.post_ln = post_ln
        self.self_attn = Attention(width, heads)
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp), nn.ReLU() if post_ln else QuickGelu(), nn.Linear(mlp, width))

    def forward(self, x, mask=None):
        if self.post_ln:
            x = self.layer_norm1(x + self.self_attn(x))
            return self.layer_norm2(x + self.mlp(x))
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class ClipSeg(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, V_WIDTH, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(V_WIDTH) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(197, V_WIDTH) * 0.02)
        self.pre_layrnorm = nn.LayerNorm(V_WIDTH)
        self.vision = nn.ModuleList(Block(V_WIDTH, V_HEADS, 4 * V_WIDTH) for _ in range(V_LAYERS))
        self.token_embedding = nn.Embedding(VOCAB, T_WIDTH)
        self.text_position = nn.Parameter(torch.randn(T_POS, T_WIDTH) * 0.02)
        self.text = nn.ModuleList(Block(T_WIDTH, T_HEADS, 4 * T_WIDTH) for _ in range(T_LAYERS))
        self.final_layer_norm = nn.LayerNorm(T_WIDTH)
        self.text_projection = nn.Linear(T_WIDTH, PROJ, bias=False)
        self.film_mul, self.film_add = nn.Linear(PROJ, REDUCE), nn.Linear(PROJ, REDUCE)
        self.reduces = nn.ModuleList(nn.Linear(V_WIDTH, REDUCE) for _ in EXTRACT)
        self.layers = nn.ModuleList(Block(REDUCE, D_HEADS, D_MLP, post_ln=True) for _ in EXTRACT)
        t = PATCH // 4
        self.transposed_convolution = nn.Sequential(
            nn.Conv2d(REDUCE, REDUCE, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(REDUCE, REDUCE // 2, t, t), nn.ReLU(),
            nn.ConvTranspose2d(REDUCE // 2, 1, t, t))

    def positions(self, grid):
        # HF interpolates the 14×14 table to the input's grid in every forward
        cls, rest = self.position_embedding[:1], self.position_embedding[1:]
        rest = rest.reshape(1, 14, 14, V_WIDTH).permute(0, 3, 1, 2)
        rest = F.interpolate(rest, size=(grid, grid), mode='bicubic', align_corners=False)
        return torch.cat([cls, rest.permute(0, 2, 3, 1).reshape(grid * grid, V_WIDTH)])

    def vision_hidden(self, pixel_values):
        """Every vision block's output (all twelve, as HF runs them) and the patch grid's side."""
        b = pixel_values.shape[0]
        x = self.patch_embedding(pixel_values)
        grid = x.shape[-1]
        x = torch.cat([self.class_embedding.expand(b, 1, V_WIDTH), x.flatten(2).transpose(1, 2)], 1)
        x = self.pre_layrnorm(x + self.positions(grid))
        hidden = []
        for block in self.vision:
            x = block(x)
            hidden.append(x)
        return hidden, grid

    def forward(self, pixel_values, input_ids):
        b = pixel_values.shape[0]
        hidden, grid = self.vision_hidden(pixel_values)
        t = input_ids.shape[1]
        mask = torch.full((t, t), float('-inf')).triu(1)
        y = self.token_embedding(input_ids) + self.text_position[:t]
        for block in self.text:
            y = block(y, mask)
        y = self.final_layer_norm(y)
        cond = self.text_projection(y[torch.arange(b), input_ids.argmax(-1)])
        out = None
        for i, (k, reduce, layer) in enumerate(zip(reversed(EXTRACT), self.reduces, self.layers)):
            a = reduce(hidden[k])
            out = a if out is None else out + a
            if i == 0:
                out = self.film_mul(cond)[:, None] * out + self.film_add(cond)[:, None]
            out = layer(out)
        out = out[:, 1:].transpose(1, 2).reshape(b, REDUCE, grid, grid)
        return self.transposed_convolution(out)[:, 0]


def inputs():
    g = torch.Generator().manual_seed(0)
    pixels = torch.randn(1, 3, SIZE, SIZE, generator=g)
    ids = torch.tensor([[49406] + [320 + i for i in range(8)] + [49407] * 7])  # 8 words → 16 tokens
    return pixels, ids


class VisionOnly(nn.Module):
    """The vision tower up to the decoder's three reduces: what Delineate's vision graph computes."""
    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, pixel_values):
        hidden, _ = self.m.vision_hidden(pixel_values)
        return tuple(reduce(hidden[k]) for k, reduce in zip(reversed(EXTRACT), self.m.reduces))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--export')
    p.add_argument('--vision-only', action='store_true', help='export the vision tower and reduces alone (pixel_values → three reduced activations)')
    p.add_argument('--eager-runs', type=int, help='instead of exporting, time this many eager forwards (image + prompt, 2 threads)')
    a = p.parse_args()
    if not a.export and not a.eager_runs:
        p.error('give --export OUT.onnx or --eager-runs N')
    torch.manual_seed(12345)
    model = ClipSeg().eval()
    pixels, ids = inputs()
    if a.eager_runs:
        # what a user running the model in PyTorch gets: eager, no_grad, the same two threads as the ORT side
        torch.set_num_threads(2)
        times = []
        with torch.no_grad():
            for i in range(2 + a.eager_runs):
                t0 = time.perf_counter()
                model(pixels, ids)
                if i >= 2:
                    times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(json.dumps({'bench': 'pytorch-eager', 'median_ms': times[len(times) // 2], 'min_ms': times[0], 'runs': a.eager_runs, 'batch': 1, 'precision': 'fp32', 'threads': 2, 'torch': torch.__version__}))
        return
    with torch.no_grad():
        if a.vision_only:
            torch.onnx.export(VisionOnly(model), (pixels,), a.export, input_names=['pixel_values'], output_names=['reduced.0', 'reduced.1', 'reduced.2'], opset_version=17, do_constant_folding=True)
        else:
            torch.onnx.export(model, (pixels, ids), a.export, input_names=['pixel_values', 'input_ids'], output_names=['logits'], opset_version=17, do_constant_folding=True)
    print(json.dumps({'exported': a.export, 'params': sum(t.numel() for t in model.parameters())}))


if __name__ == '__main__':
    main()
