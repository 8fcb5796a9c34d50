"""Tiny random-weight PyTorch checkpoints of real architectures, exported to ONNX under Optimum's names,
in the layouts researchers bring, with PyTorch golden values. Called by build.py (developers only).

Export: torch.onnx.export (TorchScript exporter) of a wrapper taking Optimum's inputs `input_ids`,
`attention_mask`, `position_ids`, `past_key_values.{i}.key/value` and giving `logits`, `present.{i}.key/value`.
optimum itself does not install here; the names and shapes are what `optimum-cli export onnx --task
text-generation-with-past` writes.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer
from genai_gqa import build_gqa_graph
from transformers import (
    DynamicCache, GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig, LlamaForCausalLM,
    Phi3Config, Phi3ForCausalLM, Qwen2Config, Qwen2ForCausalLM,
)

MAX_POS = 256
NEW_TOKENS = 8
SCORE_PROMPTS = [  # (prompt, continuation): the runner's plain template on short items, answers joined with " "
    ("Question: What is the capital city of France?\nAnswer:", " Paris"),
    ("Context: The capital of Albania moved to Durr\u00ebs.\nQuestion: What is the capital city of Albania?\nAnswer:", " Durr\u00ebs"),
    ("Question: Who is the author of A Brief History of Time?\nAnswer:", " Stephen Hawking"),
    ("The capital of Italy is", " Rome"),
]


def arch(name: str, vocab: int, family_eos: Any) -> torch.nn.Module:
    common = dict(vocab_size=vocab, max_position_embeddings=MAX_POS, initializer_range=0.25, tie_word_embeddings=False)
    if name == "llama":
        cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, bos_token_id=1, eos_token_id=2, **common)
        return LlamaForCausalLM(cfg)
    if name == "qwen2":
        cfg = Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, **common)
        return Qwen2ForCausalLM(cfg)
    if name == "phi3":
        cfg = Phi3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                         original_max_position_embeddings=MAX_POS, pad_token_id=0, bos_token_id=1, eos_token_id=family_eos, **common)
        return Phi3ForCausalLM(cfg)
    if name == "gpt_neox":
        cfg = GPTNeoXConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, rotary_pct=0.25, **common)
        return GPTNeoXForCausalLM(cfg)
    if name == "gpt2":
        eos = family_eos if isinstance(family_eos, int) else None
        cfg = GPT2Config(vocab_size=vocab, n_positions=MAX_POS, n_embd=32, n_layer=2, n_head=4, initializer_range=0.25, bos_token_id=eos, eos_token_id=eos)
        return GPT2LMHeadModel(cfg)
    raise ValueError(name)


class OptimumWrapper(torch.nn.Module):
    """Optimum's decoder signature around a transformers causal LM."""

    def __init__(self, model: torch.nn.Module, with_past: bool, derive_positions: bool = False, last_only: bool = False):
        super().__init__()
        self.model, self.with_past, self.derive_positions, self.last_only = model, with_past, derive_positions, last_only
        self.n = model.config.num_hidden_layers

    def forward(self, input_ids, attention_mask, *rest):
        if self.derive_positions:  # onnxruntime-genai style: positions come from the mask inside the graph
            position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)[:, -input_ids.shape[1]:]
            past = rest
        else:
            position_ids, past = rest[0], rest[1:]
        cache = None
        if self.with_past:
            cache = DynamicCache(config=self.model.config)
            for i in range(self.n):
                cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, past_key_values=cache, use_cache=self.with_past)
        logits = out.logits[:, -1:, :] if self.last_only else out.logits
        if not self.with_past:
            return (logits,)
        flat = []
        for layer in out.past_key_values.layers:
            flat += [layer.keys, layer.values]
        return (logits, *flat)


def kv_shape(model: torch.nn.Module) -> tuple[int, int]:
    c = model.config
    heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
    return heads, c.hidden_size // c.num_attention_heads


def export(model: torch.nn.Module, path: str, with_past: bool = True, derive_positions: bool = False, last_only: bool = False) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    wrapper = OptimumWrapper(model, with_past, derive_positions, last_only).eval()
    heads, hd = kv_shape(model)
    b, t, p = 2, 3, 4
    args: list[torch.Tensor] = [torch.randint(0, 50, (b, t)), torch.ones(b, p + t if with_past else t, dtype=torch.long)]
    names = ["input_ids", "attention_mask"]
    dyn: dict[str, dict[int, str]] = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "total_sequence_length"}}
    if not derive_positions:
        args.append(torch.arange(p, p + t).unsqueeze(0).repeat(b, 1) if with_past else torch.arange(t).unsqueeze(0).repeat(b, 1))
        names.append("position_ids")
        dyn["position_ids"] = {0: "batch_size", 1: "sequence_length"}
    outputs = ["logits"]
    dyn["logits"] = {0: "batch_size", 1: "sequence_length"} if not last_only else {0: "batch_size"}
    if with_past:
        for i in range(wrapper.n):
            for kv in ("key", "value"):
                args.append(torch.randn(b, heads, p, hd))
                names.append(f"past_key_values.{i}.{kv}")
                outputs.append(f"present.{i}.{kv}")
                dyn[f"past_key_values.{i}.{kv}"] = {0: "batch_size", 2: "past_sequence_length"}
                dyn[f"present.{i}.{kv}"] = {0: "batch_size", 2: "total_sequence_length"}
    with torch.no_grad():
        torch.onnx.export(wrapper, tuple(args), path, input_names=names, output_names=outputs, dynamic_axes=dyn, opset_version=17, dynamo=False)
    m = onnx.load(path)
    onnx.save(m, path)  # one file (no stray external data from the exporter)


def to_fp16(src: str, dst: str) -> None:
    """fp16 weights, inputs and outputs (transformers.js's model_fp16.onnx), keeping int inputs."""
    from onnx import numpy_helper as nh
    m = onnx.load(src)
    for init in m.graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            init.CopyFrom(nh.from_array(nh.to_array(init).astype(np.float16), init.name))
    for node in m.graph.node:
        for a in node.attribute:
            if a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(nh.from_array(nh.to_array(a.t).astype(np.float16)))
        if node.op_type == "ConstantOfShape":
            pass
    for v in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    onnx.save(m, dst)


def quantize(src: str, dst: str, weight_type: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(src, dst, weight_type=QuantType.QUInt8 if weight_type == "uint8" else QuantType.QInt8)


def chunk_external(path: str, chunks: int = 2, data_name: str | None = None) -> list[str]:
    """Moves initializers to external files: one (`data_name`) or transformers.js's chunks model.onnx_data, _1, …"""
    m = onnx.load(path)
    base = os.path.basename(path)
    folder = os.path.dirname(path)
    big = [t for t in m.graph.initializer if len(t.raw_data) >= 1024 or (t.data_type == TensorProto.FLOAT and numpy_helper.to_array(t).size >= 256)]
    names = [data_name] if data_name else [f"{base}_data"] + [f"{base}_data_{k}" for k in range(1, chunks)]
    files = {n: open(os.path.join(folder, n), "wb") for n in names}
    for k, t in enumerate(big):
        raw = numpy_helper.to_array(t).tobytes()
        name = names[k * len(names) // len(big)]
        f = files[name]
        offset = f.tell()
        f.write(raw)
        t.ClearField("raw_data")
        for field in ("float_data", "int64_data", "int32_data", "double_data"):
            t.ClearField(field)
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        for key, value in (("location", name), ("offset", str(offset)), ("length", str(len(raw)))):
            e = t.external_data.add()
            e.key, e.value = key, value
    for f in files.values():
        f.close()
    onnx.save(m, path)
    return names


def add_cache_branch(path: str) -> None:
    """A merged decoder's `use_cache_branch` input. The with-past graph serves both branches (an empty past
    gives the no-cache result), so the flag only has to be a declared, consumed input."""
    m = onnx.load(path)
    m.graph.input.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    logits = next(o for o in m.graph.output if o.name == "logits")
    for node in m.graph.node:
        node.output[:] = ["logits_inner" if o == "logits" else o for o in node.output]
    m.graph.node.extend([
        helper.make_node("Cast", ["use_cache_branch"], ["ucb_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ucb_f", "ucb_zero"], ["ucb_zero_f"]),
        helper.make_node("Add", ["logits_inner", "ucb_zero_f"], ["logits"]),
    ])
    m.graph.initializer.append(numpy_helper.from_array(np.zeros([1], np.float32), "ucb_zero"))
    del logits
    onnx.save(m, path)


def cache_dtype(path: str, elem: int) -> None:
    """Caches in another precision (the model builder's fp16 or bf16 KV cache) around the fp32 graph: Casts
    after each past_key_values input and before each present output."""
    m = onnx.load(path, load_external_data=False)
    casts = []
    for v in m.graph.input:
        if v.name.startswith("past_key_values."):
            v.type.tensor_type.elem_type = elem
            for node in m.graph.node:
                node.input[:] = [v.name + "_f32" if i == v.name else i for i in node.input]
            casts.append(helper.make_node("Cast", [v.name], [v.name + "_f32"], to=TensorProto.FLOAT))
    for v in m.graph.output:
        if v.name.startswith("present."):
            v.type.tensor_type.elem_type = elem
            for node in m.graph.node:  # the producer and every fp32 consumer (attention reads the cache) move to _f32
                node.output[:] = [v.name + "_f32" if o == v.name else o for o in node.output]
                node.input[:] = [v.name + "_f32" if i == v.name else i for i in node.input]
            casts.append(helper.make_node("Cast", [v.name + "_f32"], [v.name], to=elem))
    m.graph.node.extend(casts)
    onnx.save(m, path)


def write_genai_config(d: str, model: torch.nn.Module, eos: Any) -> None:
    c = model.config
    write_json(os.path.join(d, "genai_config.json"), {"model": {
        "type": "llama", "vocab_size": c.vocab_size, "context_length": MAX_POS, "bos_token_id": 1, "eos_token_id": eos, "pad_token_id": 0,
        "decoder": {"filename": "model.onnx", "hidden_size": c.hidden_size, "head_size": c.hidden_size // c.num_attention_heads,
                    "num_attention_heads": c.num_attention_heads, "num_key_value_heads": c.num_key_value_heads, "num_hidden_layers": c.num_hidden_layers,
                    "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                    "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"}}},
        "search": {"max_length": MAX_POS}})


def hf_config(model: torch.nn.Module, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    d = model.config.to_dict()
    d["torch_dtype"] = "float32"
    d.update(extra or {})
    return d


def write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")


def goldens(model: torch.nn.Module, tok_dir: str, stop_ids: list[int]) -> dict[str, Any]:
    """What the runner stores: per prompt, its ids, the continuation's ids and summed log-prob, and greedy ids."""
    tok = Tokenizer.from_file(os.path.join(tok_dir, "tokenizer.json"))
    rows = []
    for prompt, cont in SCORE_PROMPTS:
        ctx = tok.encode(prompt).ids
        whole = tok.encode(prompt + cont).ids
        cont_ids = whole[len(ctx):]
        ids = torch.tensor([ctx + cont_ids])
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=ids).logits[0].double(), -1)
        lp = float(sum(logp[len(ctx) - 1 + j, t] for j, t in enumerate(cont_ids)))
        gen = list(ctx)
        greedy = []
        for _ in range(NEW_TOKENS):
            with torch.no_grad():
                nxt = int(model(input_ids=torch.tensor([gen])).logits[0, -1].argmax())
            if nxt in stop_ids:
                break
            greedy.append(nxt)
            gen.append(nxt)
        rows.append({"prompt": prompt, "continuation": cont, "promptIds": ctx, "continuationIds": cont_ids, "logprob": lp, "greedyIds": greedy})
    return {"stopIds": stop_ids, "cases": rows}


def copy_tokenizer(tok_dir: str, dst: str) -> None:
    for f in os.listdir(tok_dir):
        shutil.copy(os.path.join(tok_dir, f), os.path.join(dst, f))


ARCHS = [  # (folder, architecture, tokenizer family)
    ("llama-gqa", "llama", "llama2"),
    ("qwen2", "qwen2", "qwen2"),
    ("phi3", "phi3", "phi3"),
    ("gpt-neox", "gpt_neox", "neox"),
    ("gpt2", "gpt2", "gpt2"),
]


def build_models(out: str, tok_root: str, families: dict[str, Any], _items: list[dict]) -> None:
    models_dir = os.path.join(out, "models")
    manifest = []
    for folder, name, fam in ARCHS:
        torch.manual_seed(11)
        eos = families[fam]["eos_token_id"]
        model = arch(name, families[fam]["vocab_size"], eos).eval()
        stop_ids = eos if isinstance(eos, list) else [eos]
        dst = os.path.join(models_dir, folder)
        os.makedirs(dst, exist_ok=True)
        export(model, os.path.join(dst, "model.onnx"))
        write_json(os.path.join(dst, "config.json"), hf_config(model))
        write_json(os.path.join(dst, "generation_config.json"), {"eos_token_id": eos})
        copy_tokenizer(os.path.join(tok_root, fam), dst)
        gold = goldens(model, dst, stop_ids)
        write_json(os.path.join(dst, "golden.json"), gold)
        manifest.append({"folder": folder, "architecture": name, "tokenizer": fam, "layout": "optimum with past", "dtype": "fp32"})
        if name != "llama":
            continue
        # The other layouts, on the Llama (GQA) checkpoint: same weights, same goldens.
        def variant(sub: str, layout: str, dtype: str = "fp32") -> str:
            d = os.path.join(models_dir, sub)
            os.makedirs(d, exist_ok=True)
            write_json(os.path.join(d, "config.json"), hf_config(model))
            write_json(os.path.join(d, "generation_config.json"), {"eos_token_id": eos})
            copy_tokenizer(os.path.join(tok_root, fam), d)
            write_json(os.path.join(d, "golden.json"), gold)
            manifest.append({"folder": sub, "architecture": name, "tokenizer": fam, "layout": layout, "dtype": dtype})
            return d
        d = variant("llama-nocache", "optimum without cache (text-generation)")
        export(model, os.path.join(d, "model.onnx"), with_past=False)
        d = variant("llama-merged", "transformers.js hub: onnx/decoder_model_merged.onnx with use_cache_branch")
        export(model, os.path.join(d, "onnx", "decoder_model_merged.onnx"))
        add_cache_branch(os.path.join(d, "onnx", "decoder_model_merged.onnx"))
        d = variant("llama-tjs-dtypes", "transformers.js onnx/ dtype files, chunked external data", "fp32,fp16,q8,int8,uint8")
        export(model, os.path.join(d, "onnx", "model.onnx"))
        to_fp16(os.path.join(d, "onnx", "model.onnx"), os.path.join(d, "onnx", "model_fp16.onnx"))
        quantize(os.path.join(d, "onnx", "model.onnx"), os.path.join(d, "onnx", "model_quantized.onnx"), "int8")
        shutil.copy(os.path.join(d, "onnx", "model_quantized.onnx"), os.path.join(d, "onnx", "model_int8.onnx"))
        quantize(os.path.join(d, "onnx", "model.onnx"), os.path.join(d, "onnx", "model_uint8.onnx"), "uint8")
        chunk_external(os.path.join(d, "onnx", "model.onnx"), chunks=2)
        for sub, last_only, cache, label in (
            ("llama-genai", False, None, "onnxruntime-genai builder folder"),
            ("llama-genai-fp16-cache", False, TensorProto.FLOAT16, "genai, fp16 KV cache"),
            ("llama-genai-bf16-cache", False, TensorProto.BFLOAT16, "genai, bf16 KV cache (refused)"),
            ("llama-genai-pruned", True, None, "genai, prune_lm_head"),
        ):
            d = variant(sub, label, "fp32" if cache is None else ("fp16 cache" if cache == TensorProto.FLOAT16 else "bf16 cache"))
            os.remove(os.path.join(d, "config.json"))  # the builder writes genai_config.json instead
            export(model, os.path.join(d, "model.onnx"), derive_positions=True, last_only=last_only)
            if cache is not None:
                cache_dtype(os.path.join(d, "model.onnx"), cache)
            chunk_external(os.path.join(d, "model.onnx"), data_name="model.onnx.data")
            write_genai_config(d, model, eos)
    # The builder's own operators: GroupQueryAttention with rotary fused, a symbolic KV-head dimension (its
    # kernel needs head_size % 16 == 0, so this Llama is wider than the others).
    torch.manual_seed(12)
    eos = families["llama2"]["eos_token_id"]
    cfg = LlamaConfig(vocab_size=families["llama2"]["vocab_size"], hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=MAX_POS, initializer_range=0.25, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(cfg).eval()
    d = os.path.join(models_dir, "llama-genai-gqa")
    os.makedirs(d, exist_ok=True)
    copy_tokenizer(os.path.join(tok_root, "llama2"), d)
    build_gqa_graph(model, os.path.join(d, "model.onnx"), MAX_POS)
    chunk_external(os.path.join(d, "model.onnx"), data_name="model.onnx.data")
    write_genai_config(d, model, eos)
    write_json(os.path.join(d, "golden.json"), goldens(model, d, [eos]))
    manifest.append({"folder": "llama-genai-gqa", "architecture": "llama", "tokenizer": "llama2", "layout": "genai builder: GroupQueryAttention, rotary fused, symbolic kv heads", "dtype": "fp32"})
    # A Hugging Face Trainer output folder: checkpoint-1/, checkpoint-2/ and the final model (step 3) on top.
    trainer = os.path.join(models_dir, "trainer-out")
    for k, sub in enumerate(["checkpoint-1", "checkpoint-2", "."]):
        torch.manual_seed(100 + k)
        model = arch("gpt2", families["gpt2"]["vocab_size"], families["gpt2"]["eos_token_id"]).eval()
        d = os.path.join(trainer, sub)
        os.makedirs(d, exist_ok=True)
        export(model, os.path.join(d, "model.onnx"))
        write_json(os.path.join(d, "config.json"), hf_config(model))
        copy_tokenizer(os.path.join(tok_root, "gpt2"), d)
        write_json(os.path.join(d, "trainer_state.json"), {"global_step": k + 1, "max_steps": 3})
    manifest.append({"folder": "trainer-out", "architecture": "gpt2", "tokenizer": "gpt2", "layout": "Trainer output: checkpoint-*/ + final model", "dtype": "fp32"})
    write_json(os.path.join(models_dir, "manifest.json"), manifest)
