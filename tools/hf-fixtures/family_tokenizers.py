"""Tiny family-style Hugging Face tokenizers with their families' real chat templates.

Run by developers only (never by CI or users), through build.py. Each tokenizer is trained with the
`tokenizers` library on a small ASCII corpus, then given the pipeline its family's tokenizer.json has
(Llama's SentencePiece-style BPE with byte fallback, or GPT-2-style byte-level BPE), its special tokens
and its real chat template. Deterministic: the same corpus gives the same files.
"""
from __future__ import annotations

import json
import os
from typing import Any

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers, Regex

# --- the families' real chat templates (copied from their tokenizer_config.json on the Hugging Face hub) ---

LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
    "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
)

TULU_TEMPLATE = (
    "{% for message in messages %}\n{% if message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] }}\n"
    "{% elif message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] }}\n"
    "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)

PHI3_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)

QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# SmolLM-style: ChatML without a default system prompt, saved to chat_template.jinja (the transformers 5 layout).
SMOL_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# OLMo-style TULU markup on a GPT-NeoX tokenizer; here the generation prompt ends in a newline.
OLMO_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}{{ '<|system|>\n' + message['content'] + '\n' }}"
    "{% elif message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + '\n' }}"
    "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\n' + message['content'] + eos_token + '\n' }}{% endif %}"
    "{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}{% endfor %}"
)

QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _added(content: str, i: int, special: bool = True, rstrip: bool = False) -> dict[str, Any]:
    return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": rstrip, "normalized": False, "special": special}


def _ascii_corpus(corpus: list[str]) -> list[str]:
    # Non-ASCII text must reach the byte-fallback pieces, so the trained vocabulary holds ASCII only.
    return ["".join(ch for ch in t if ord(ch) < 128) for t in corpus]


def llama_tokenizer(corpus: list[str], vocab_size: int, extra: list[tuple[str, bool]] = ()) -> dict[str, Any]:
    """Llama-2's tokenizer.json pipeline: Prepend/Replace normalizer, BPE with byte fallback, <s> post-processor."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 259, special_tokens=[], show_progress=False, min_frequency=2)
    tok.train_from_iterator(_ascii_corpus(corpus), trainer)
    trained = json.loads(tok.to_str())
    pieces = sorted(trained["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab: dict[str, int] = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    for piece, _ in pieces:
        if piece not in vocab:
            vocab[piece] = len(vocab)
    added = [_added("<unk>", 0), _added("<s>", 1), _added("</s>", 2)]
    for content, rstrip in extra:
        added.append(_added(content, len(vocab) + len(added) - 3, rstrip=rstrip))
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
            "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": vocab, "merges": trained["model"]["merges"],
        },
    }


def byte_level_tokenizer(corpus: list[str], vocab_size: int, specials: list[str], qwen: bool) -> dict[str, Any]:
    """GPT-2 / GPT-NeoX byte-level BPE, or Qwen2's (NFC, its own split regex) when `qwen`."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(specials), special_tokens=[], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False, min_frequency=2,
    )
    tok.train_from_iterator(corpus, trainer)
    if qwen:
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens(specials)
    return json.loads(tok.to_str())


def _write(folder: str, name: str, data: Any) -> None:
    with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
        if isinstance(data, str):
            f.write(data)
        else:
            json.dump(data, f, ensure_ascii=False, indent=1 if name != "tokenizer.json" else None)
            f.write("\n")


# What each family writes: its tokenizer.json builder, tokenizer_config.json fields, generation_config eos ids.
def build_family(family: str, folder: str, corpus: list[str]) -> dict[str, Any]:
    """Writes tokenizer.json, tokenizer_config.json (and chat_template.jinja, generation_config.json) into folder."""
    os.makedirs(folder, exist_ok=True)
    jinja_file = False
    if family in ("llama2", "tulu2"):
        tj = llama_tokenizer(corpus, 512)
        cfg = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": None,
               "add_bos_token": True, "add_eos_token": False, "legacy": False, "clean_up_tokenization_spaces": False,
               "chat_template": LLAMA2_TEMPLATE if family == "llama2" else TULU_TEMPLATE}
        eos = [2]
    elif family == "phi3":
        extra = [("<|endoftext|>", False), ("<|assistant|>", True), ("<|system|>", True), ("<|end|>", True), ("<|user|>", True)]
        tj = llama_tokenizer(corpus, 512, extra)
        ids = {a["content"]: a["id"] for a in tj["added_tokens"]}
        cfg = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "<|endoftext|>", "unk_token": "<unk>", "pad_token": "<|endoftext|>",
               "add_bos_token": False, "add_eos_token": False, "legacy": False, "clean_up_tokenization_spaces": False, "chat_template": PHI3_TEMPLATE}
        eos = [ids["<|endoftext|>"], ids["<|assistant|>"], ids["<|end|>"]]
    elif family == "qwen2":
        tj = byte_level_tokenizer(corpus, 480, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], qwen=True)
        ids = {a["content"]: a["id"] for a in tj["added_tokens"]}
        cfg = {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
               "unk_token": None, "clean_up_tokenization_spaces": False, "chat_template": QWEN2_TEMPLATE}
        eos = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    elif family == "gpt2":
        tj = byte_level_tokenizer(corpus, 480, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], qwen=False)
        ids = {a["content"]: a["id"] for a in tj["added_tokens"]}
        cfg = {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>",
               "pad_token": "<|im_end|>", "clean_up_tokenization_spaces": False}
        jinja_file = True
        eos = [ids["<|im_end|>"]]
    elif family == "neox":
        tj = byte_level_tokenizer(corpus, 480, ["<|endoftext|>", "<|padding|>"], qwen=False)
        ids = {a["content"]: a["id"] for a in tj["added_tokens"]}
        cfg = {"tokenizer_class": "GPTNeoXTokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
               "pad_token": "<|padding|>", "add_bos_token": False, "clean_up_tokenization_spaces": False, "chat_template": OLMO_TEMPLATE}
        eos = [ids["<|endoftext|>"]]
    else:
        raise ValueError(family)
    cfg["model_max_length"] = 4096
    _write(folder, "tokenizer.json", tj)
    _write(folder, "tokenizer_config.json", cfg)
    if jinja_file:
        _write(folder, "chat_template.jinja", SMOL_TEMPLATE)
    return {"eos_token_id": eos if len(eos) > 1 else eos[0], "vocab_size": max(max(tj["model"]["vocab"].values()), max(a["id"] for a in tj["added_tokens"])) + 1}


FAMILIES = ("llama2", "tulu2", "phi3", "qwen2", "gpt2", "neox")
