"""Chat-template and decoding goldens: what Hugging Face renders and tokenizes, for the runner's CI tests.

For each family tokenizer and a few cpi-bench items, the user message is the runner's `chat` template body
and the reference is `apply_chat_template(messages, add_generation_prompt=True)`:
  - `text`: the rendered prompt (transformers' jinja, trim_blocks/lstrip_blocks);
  - `ids`: `tokenizers` ids of that text, encoded without adding special tokens (the template decides them);
  - `idsTransformers`: `apply_chat_template(..., tokenize=True)` ids from transformers itself;
  - `continuationIds`: what the answer adds, joined as the model saw it in training (no space after a newline).
Byte-fallback decodings: random id sequences decoded by `tokenizers` (one U+FFFD per invalid byte).
"""
from __future__ import annotations

import json
import os
import random
from typing import Any

from tokenizers import Tokenizer
from transformers import AutoTokenizer

CHAT_BODY = 'Background: {context}\n"Question": {question}'
CLOSED_BODY = "{question}"


def user_message(item: dict[str, Any]) -> str:
    if item.get("context") is None:
        return CLOSED_BODY.replace("{question}", item["question"])
    return CHAT_BODY.replace("{context}", item["context"]).replace("{question}", item["question"])


def join_answer(text: str, answer: str) -> str:
    # A prompt that ends in a line break is followed by the answer directly; otherwise by " " + answer.
    return text + answer if text[-1:] in "\n\r" else text + " " + answer


def chat_goldens(folder: str, family: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    hf = AutoTokenizer.from_pretrained(folder)
    raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    out = []
    for item in items:
        messages = [{"role": "user", "content": user_message(item)}]
        text = hf.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        ids = raw.encode(text, add_special_tokens=False).ids
        via_hf = hf.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
        if isinstance(via_hf, dict):
            via_hf = via_hf["input_ids"]
        answer = item.get("contextAnswer") or item["parametricAnswer"]
        whole = raw.encode(join_answer(text, answer), add_special_tokens=False).ids
        assert whole[: len(ids)] == ids, (family, item["id"])
        out.append({
            "family": family, "itemId": item["id"], "text": text, "ids": ids, "idsTransformers": list(via_hf),
            "answer": answer, "continuationIds": whole[len(ids):],
        })
    return out


def byte_fallback_goldens(folder: str, seed: int = 5, count: int = 24) -> list[dict[str, Any]]:
    """Id sequences mixing word pieces with byte tokens (valid and invalid UTF-8), and tokenizers' decoding."""
    raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    vocab = raw.get_vocab()
    byte_ids = [vocab[f"<0x{b:02X}>"] for b in range(256)]
    piece_ids = sorted(i for t, i in vocab.items() if not t.startswith("<"))
    rng = random.Random(seed)
    out = []
    for n in range(count):
        ids: list[int] = []
        for _ in range(rng.randint(2, 8)):
            r = rng.random()
            if r < 0.4:
                ids.append(rng.choice(piece_ids))
            elif r < 0.7:  # one stray byte (invalid alone when >= 0x80)
                ids.append(rng.choice(byte_ids[0x80:]))
            else:  # a whole UTF-8 character, or its first bytes only
                enc = rng.choice(["é", "ß", "€", "😀", "Ω"]).encode("utf-8")
                cut = len(enc) if rng.random() < 0.5 else rng.randint(1, len(enc))
                ids.extend(byte_ids[b] for b in enc[:cut])
        out.append({"ids": ids, "text": raw.decode(ids, skip_special_tokens=True)})
    return out


def write_json(path: str, data: dict[str, Any]) -> None:
    """One line per list element: small files that still diff well."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"{json.dumps(key)}: [\n  {rows}\n ]")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n " + ",\n ".join(parts) + "\n}\n")
