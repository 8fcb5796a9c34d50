"""An onnxruntime-genai model-builder-style graph of a transformers Llama: GroupQueryAttention (com.microsoft)
with rotary embedding fused (`do_rotary=1`, cos/sin caches), no `position_ids` input, `seqlens_k` and
`total_sequence_length` computed from `attention_mask` as the builder does. onnxruntime-genai's builder does
not install here, so this writes the same operators by hand from the PyTorch weights.
"""
from __future__ import annotations

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper


def build_gqa_graph(model: torch.nn.Module, path: str, max_pos: int, symbolic_heads: bool = True) -> None:
    c = model.config
    hd = c.hidden_size // c.num_attention_heads
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def w(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array.astype(np.float32)), name))
        return name

    def lin(x: str, weight: torch.Tensor, name: str) -> str:  # HF Linear: y = x W^T
        nodes.append(helper.make_node("MatMul", [x, w(name + ".weight", weight.detach().numpy().T)], [name]))
        return name

    def rms(x: str, weight: torch.Tensor, name: str) -> str:
        eps = w(name + ".eps", np.array([c.rms_norm_eps], np.float32))
        nodes.extend([
            helper.make_node("Mul", [x, x], [name + ".sq"]),
            helper.make_node("ReduceMean", [name + ".sq"], [name + ".mean"], axes=[-1], keepdims=1),
            helper.make_node("Add", [name + ".mean", eps], [name + ".var"]),
            helper.make_node("Sqrt", [name + ".var"], [name + ".std"]),
            helper.make_node("Div", [x, name + ".std"], [name + ".normed"]),
            helper.make_node("Mul", [name + ".normed", w(name + ".weight", weight.detach().numpy())], [name]),
        ])
        return name

    # seqlens_k = sum(mask) - 1 and total_sequence_length = mask width, as int32 (the builder's subgraph).
    inits.append(numpy_helper.from_array(np.array(1, np.int64), "one_i64"))
    nodes.extend([
        helper.make_node("ReduceSum", ["attention_mask", "axes_1"], ["mask_sum"], keepdims=0),
        helper.make_node("Sub", ["mask_sum", "one_i64"], ["seqlens_k_64"]),
        helper.make_node("Cast", ["seqlens_k_64"], ["seqlens_k"], to=TensorProto.INT32),
        helper.make_node("Shape", ["attention_mask"], ["mask_shape"]),
        helper.make_node("Gather", ["mask_shape", "one_i64"], ["total_len_64"], axis=0),
        helper.make_node("Cast", ["total_len_64"], ["total_sequence_length"], to=TensorProto.INT32),
    ])
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axes_1"))
    inv_freq = model.model.rotary_emb.inv_freq.detach().numpy().astype(np.float64)
    angles = np.arange(max_pos, dtype=np.float64)[:, None] * inv_freq[None, :]
    w("cos_cache", np.cos(angles))
    w("sin_cache", np.sin(angles))

    nodes.append(helper.make_node("Gather", [w("embed_tokens", model.model.embed_tokens.weight.detach().numpy()), "input_ids"], ["h0"], axis=0))
    h = "h0"
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
    ]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", c.vocab_size])]
    kv_dim: int | str = "num_kv_heads" if symbolic_heads else c.num_key_value_heads
    for i, layer in enumerate(model.model.layers):
        a = layer.self_attn
        x = rms(h, layer.input_layernorm.weight, f"l{i}.ln1")
        q, k, v = lin(x, a.q_proj.weight, f"l{i}.q"), lin(x, a.k_proj.weight, f"l{i}.k"), lin(x, a.v_proj.weight, f"l{i}.v")
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", TensorProto.FLOAT, ["batch_size", kv_dim, "past_sequence_length", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", TensorProto.FLOAT, ["batch_size", kv_dim, "total_sequence_length", hd]))
        nodes.append(helper.make_node(
            "GroupQueryAttention",
            [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", "seqlens_k", "total_sequence_length", "cos_cache", "sin_cache"],
            [f"l{i}.attn", f"present.{i}.key", f"present.{i}.value"],
            domain="com.microsoft", num_heads=c.num_attention_heads, kv_num_heads=c.num_key_value_heads, do_rotary=1, rotary_interleaved=0,
        ))
        o = lin(f"l{i}.attn", a.o_proj.weight, f"l{i}.o")
        nodes.append(helper.make_node("Add", [h, o], [f"l{i}.res1"]))
        x = rms(f"l{i}.res1", layer.post_attention_layernorm.weight, f"l{i}.ln2")
        m = layer.mlp
        g, u = lin(x, m.gate_proj.weight, f"l{i}.gate"), lin(x, m.up_proj.weight, f"l{i}.up")
        nodes.extend([
            helper.make_node("Sigmoid", [g], [f"l{i}.sig"]),
            helper.make_node("Mul", [g, f"l{i}.sig"], [f"l{i}.silu"]),
            helper.make_node("Mul", [f"l{i}.silu", u], [f"l{i}.act"]),
        ])
        d = lin(f"l{i}.act", m.down_proj.weight, f"l{i}.down")
        nodes.append(helper.make_node("Add", [f"l{i}.res1", d], [f"l{i}.out"]))
        h = f"l{i}.out"
    x = rms(h, model.model.norm.weight, "final_norm")
    nodes.append(helper.make_node("MatMul", [x, w("lm_head.weight", model.lm_head.weight.detach().numpy().T)], ["logits"]))
    graph = helper.make_graph(nodes, "genai-gqa", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)], producer_name="cpi-bench hf-fixtures", ir_version=8)
    onnx.save(m, path)
