#!/usr/bin/env python3
"""Convert a VLSM-Adapter Lightning checkpoint (.ckpt) into the safetensors file Delineate imports.

For the cluster side of docs/adapter-packs.md: train with the reference PyTorch/Lightning code
(naamiinepal/vlsm-adapter), then

    python ckpt_to_adapter.py logs/train/runs/<run>/checkpoints/best.ckpt \\
        --out site-A-polyp.safetensors --base-model ~/.cache/huggingface/hub/models--CIDAS--clipseg-rd64-refined/snapshots/<rev>

and bring the file back: `delineate adapter import site-A-polyp.safetensors --project NAME`.

Output format (what Delineate's reader checks):
  tensors   only the adapter modules, float32, under the reference module names
            v_attn_adapters.N / v_out_adapters.N / l_attn_adapters.N / l_out_adapters.N (dense),
            vision_extract_adapters.K / text_extract_adapters.K (shallow), cond_adapter,
            each with fc1.weight [r, d], fc1.bias [r], fc2.weight [d, r], fc2.bias [d];
            the frozen CLIPSeg weights (net.clipseg.*) are left out
  metadata  format=vlsm-adapter, adapter_form=reference, variant (da-v … sa-vlc, from the names),
            source=lightning-ckpt, source_file, epoch, global_step, created_at (UTC ISO 8601),
            created_by=ckpt_to_adapter.py, and when given: base_model_sha256 (sha256 of the base
            model's model.safetensors, so Delineate can refuse a mismatch), name, note

Needs only torch and safetensors, imported inside main(): the key mapping (map_keys) is plain
Python so it can be tested without them.
"""

import argparse
import hashlib
import os
import re
import sys
from datetime import datetime, timezone

# Wrappers a state dict's names may carry: Lightning's module attribute (net.), DDP (module.),
# torch.compile (_orig_mod.), and a generic model. prefix.
_PREFIX = r"(?:(?:net|model|module|_orig_mod)\.)*"
_ADAPTER = re.compile(
    "^" + _PREFIX + r"((?:v_attn|v_out|l_attn|l_out|vision_extract|text_extract)_adapters\.\d+|cond_adapter)\.(fc[12]\.(?:weight|bias))$"
)
_FROZEN = re.compile("^" + _PREFIX + r"clipseg\.")


class ConversionError(Exception):
    pass


def map_keys(state_dict):
    """Returns (adapters, skipped): the adapter entries under their reference names (values untouched)
    and the names left out (frozen CLIPSeg weights and anything else that is not an adapter).
    Raises ConversionError when two names map to one, or when no adapter is found."""
    adapters = {}
    origin = {}
    skipped = []
    for key, value in state_dict.items():
        m = _ADAPTER.match(key)
        if not m:
            skipped.append(key)
            continue
        name = m.group(1) + "." + m.group(2)
        if name in adapters:
            raise ConversionError("both %r and %r map to %r" % (origin[name], key, name))
        adapters[name] = value
        origin[name] = key
    if not adapters:
        raise ConversionError("no VLSM-Adapter tensors found (expected names like net.v_attn_adapters.0.fc1.weight or net.vision_extract_adapters.0.fc1.weight)")
    return adapters, skipped


def variant_of(names):
    """'da-vlc', 'sa-v', …: dense or shallow, with text (l) and conditional (c) adapters when present."""
    names = list(names)
    dense = any(re.match(r"^v_(attn|out)_adapters\.", n) for n in names)
    shallow = any(n.startswith("vision_extract_adapters.") for n in names)
    if dense == shallow:
        raise ConversionError("expected either dense (v_attn_adapters…) or shallow (vision_extract_adapters…) vision adapters, found %s" % ("both" if dense else "neither"))
    text = any(re.match(r"^(l_(attn|out)|text_extract)_adapters\.", n) for n in names)
    cond = any(n.startswith("cond_adapter.") for n in names)
    if cond and not text:
        raise ConversionError("a conditional adapter without text adapters is not a VLSM-Adapter variant")
    return ("da" if dense else "sa") + "-v" + ("l" if text else "") + ("c" if cond else "")


def sha256_of_model(path):
    """sha256 of a model.safetensors, or of the one in an HF snapshot folder."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frozen_count(skipped):
    return sum(1 for k in skipped if _FROZEN.match(k))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("ckpt", help="Lightning checkpoint (.ckpt) or a plain state-dict file (.pt)")
    p.add_argument("--out", required=True, help="output .safetensors file")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--base-model", help="the base model's model.safetensors (or its HF snapshot folder): its sha256 is recorded")
    g.add_argument("--base-model-sha256", help="the base model's sha256, if already known")
    p.add_argument("--name", help="a name for the adapter")
    p.add_argument("--note", help="free text carried to the importing site (no patient data)")
    a = p.parse_args(argv)

    import torch  # only here: map_keys stays testable without torch
    from safetensors.torch import save_file

    # A Lightning checkpoint pickles its hyper-parameters (optimizer partials), which weights_only
    # loading refuses; load only checkpoints you made yourself.
    ckpt = torch.load(a.ckpt, map_location="cpu", weights_only=False)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ConversionError("%s: no state_dict in it" % a.ckpt)
    adapters, skipped = map_keys(state)
    tensors = {n: t.detach().to(torch.float32).contiguous() for n, t in adapters.items()}
    meta = {
        "format": "vlsm-adapter",
        "adapter_form": "reference",
        "variant": variant_of(tensors),
        "source": "lightning-ckpt",
        "source_file": os.path.basename(a.ckpt),
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "created_by": "ckpt_to_adapter.py",
    }
    for key in ("epoch", "global_step"):
        if isinstance(ckpt.get(key), int):
            meta[key] = str(ckpt[key])
    sha = a.base_model_sha256 or (sha256_of_model(a.base_model) if a.base_model else None)
    if sha:
        if not re.match(r"^[0-9a-f]{64}$", sha):
            raise ConversionError("--base-model-sha256 must be 64 lower-case hex digits")
        meta["base_model_sha256"] = sha
    if a.name:
        meta["name"] = a.name
    if a.note:
        meta["note"] = a.note
    save_file(tensors, a.out, metadata=meta)
    other = [k for k in skipped if not _FROZEN.match(k)]
    print("wrote %s: %s, %d tensors (%d parameters); left out %d frozen CLIPSeg tensors%s" % (
        a.out, meta["variant"], len(tensors), sum(t.numel() for t in tensors.values()), frozen_count(skipped),
        ("" if not other else " and %d others (%s)" % (len(other), ", ".join(other[:5])))))
    if not sha:
        print("note: no --base-model given; Delineate will assume the adapter was trained on the model it has installed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ConversionError as e:
        print("ckpt_to_adapter: %s" % e, file=sys.stderr)
        sys.exit(1)
