"""Builds the runner's Hugging Face fixtures: family tokenizers, chat goldens, tiny PyTorch checkpoints
exported to ONNX in the layouts researchers bring, and PyTorch golden values. Developers only:

    python3 -m venv /tmp/hfvenv && /tmp/hfvenv/bin/pip install torch transformers tokenizers onnx onnxruntime onnxscript
    /tmp/hfvenv/bin/python tools/hf-fixtures/build.py

Writes packages/runner/test/fixtures/hf/ (committed; CI reads it with no Python).
"""
from __future__ import annotations

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "packages", "runner", "test", "fixtures", "hf")
sys.path.insert(0, HERE)

from family_tokenizers import FAMILIES, build_family  # noqa: E402
from chat_goldens import byte_fallback_goldens, chat_goldens, write_json  # noqa: E402


def load_items() -> list[dict]:
    items = []
    folder = os.path.join(ROOT, "datasets", "default")
    for name in sorted(os.listdir(folder)):
        if not name.startswith("cf-") and name != "cpi-facts.jsonl":
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            items.extend(json.loads(line) for line in f.read().splitlines() if line.strip())
    return items


def corpus_of(items: list[dict]) -> list[str]:
    texts = []
    for it in items:
        for k in ("context", "question", "contextAnswer", "parametricAnswer"):
            if isinstance(it.get(k), str):
                texts.append(it[k])
    texts += ["Background:", '"Question":', "Answer the question based on the input context only.", "You are a helpful assistant."]
    return texts


def golden_items(items: list[dict]) -> list[dict]:
    # Ten items across the three datasets, including non-ASCII answers (byte fallback) and a closed-book one.
    picked, seen = [], set()
    for it in items:
        key = (it["dataset"], it["split"], any(ord(c) > 127 for c in it.get("contextAnswer", "")))
        if key not in seen:
            seen.add(key)
            picked.append(it)
        if len(picked) == 9:
            break
    closed = next(it for it in items if it.get("context") is None)
    return picked + [closed]


def main() -> None:
    items = load_items()
    corpus = corpus_of(items)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    tok_root = os.path.join(OUT, "tokenizers")
    gold_items = golden_items(items)
    chat = []
    families = {}
    for fam in FAMILIES:
        folder = os.path.join(tok_root, fam)
        families[fam] = build_family(fam, folder, corpus)
        chat += chat_goldens(folder, fam, gold_items)
    # The items themselves travel with their goldens, so the tests do not depend on the suite being regenerated.
    unique = list({it["id"]: it for it in gold_items}.values())
    write_json(os.path.join(OUT, "chat-goldens.json"), {"items": unique, "goldens": chat})
    write_json(os.path.join(OUT, "byte-fallback-goldens.json"), {"family": "llama2", "cases": byte_fallback_goldens(os.path.join(tok_root, "llama2"))})
    if "--tokenizers-only" not in sys.argv:
        from export_models import build_models  # torch is only needed here
        build_models(OUT, tok_root, families, gold_items)


if __name__ == "__main__":
    main()
