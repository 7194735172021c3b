"""ResNet-50 v1.5, BERT-base and GPT-2 (small) as ONNX, with seeded random weights, built
node by node with onnx.helper and numpy (no PyTorch), for accuracy and
speed checks on machines without torch (bench/precision_report.py,
bench/compare_ort.py --model):

    .venv/bin/python bench/make_reference_models.py OUTDIR [--models resnet50,bert_base,gpt2]
        [--seed 0] [--check-ingot]

writes OUTDIR/resnet50/{model.onnx,inputs.npz},
OUTDIR/bert_base/{model.onnx,inputs.npz} and OUTDIR/gpt2/... Each model is
checked with
onnx.checker and run once with onnxruntime (the script prints the
statistics of its outputs: magnitudes matter for FP16); --check-ingot also
runs bench/precision_report.py --precision fp32 on it.

The graphs follow what the PyTorch exporters produce for torchvision's
resnet50 and Hugging Face's BertModel (opset 17), op for op where it
matters to a compiler's pattern matching: Conv + BatchNormalization (not
folded), bottleneck blocks with the stride on the 3x3 convolution (v1.5),
GlobalAveragePool + Flatten + Gemm; for BERT three embedding Gathers,
LayerNormalization, attention as MatMul/Reshape/Transpose/Div/Add/Softmax
with the additive mask (1 - mask) * -10000, and GELU in its erf form; for
GPT-2 (GPT2Model, last hidden state) the fused q/k/v projection and its
Split, the causal Where mask and GELU's tanh form (see build_gpt2). The
weights are random, so the outputs mean nothing; they only have to be
numerically like a trained model's (scales, BN statistics), for precision
comparisons.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 17
IR_VERSION = 8  # the IR of opset 17 (onnx 1.12): loadable by older runtimes too


class Graph:
    """Collects nodes and initializers; names every value uniquely."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes, self.inits, self.count, self.shared = [], [], {}, {}

    def name(self, base):
        self.count[base] = self.count.get(base, 0) + 1
        return f"{base}_{self.count[base]}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def shared_const(self, base, array):
        """One initializer for a constant every layer uses (scalars, shapes)."""
        if base not in self.shared:
            self.shared[base] = self.const(base, array)
        return self.shared[base]

    def op(self, op_type, inputs, base=None, outputs=1, **attrs):
        outs = [self.name(base or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name("n_" + op_type),
                                           **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, name, inputs, outputs):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="ingot bench/make_reference_models.py")
        model.ir_version = IR_VERSION
        return model


# ----------------------------------------------------------------- ResNet-50

def conv_bn(g, x, cin, cout, k, stride, prefix, relu=True):
    """Conv (no bias, He-normal) + BatchNormalization (+ Relu), as the
    exporter emits them in eval mode with BN folding off."""
    # He-normal with fan_out, as torchvision initializes its convolutions.
    w = g.rng.normal(0, np.sqrt(2.0 / (cout * k * k)), (cout, cin, k, k)).astype(np.float32)
    y = g.op("Conv", [x, g.const(prefix + ".weight", w)], prefix + ".conv", kernel_shape=[k, k],
             strides=[stride, stride], pads=[k // 2] * 4)
    # Gamma around 1, small shifts. The running statistics drawn here
    # (mean N(0, 0.1), variance U(0.5, 1.5)) are replaced by calibrated ones
    # unless --bn-stats random (see calibrate_bn).
    f32 = np.float32
    scale = g.const(prefix + ".bn.weight", g.rng.uniform(0.5, 1.5, cout).astype(f32))
    bias = g.const(prefix + ".bn.bias", g.rng.normal(0, 0.1, cout).astype(f32))
    mean = g.const(prefix + ".bn.running_mean", g.rng.normal(0, 0.1, cout).astype(f32))
    var = g.const(prefix + ".bn.running_var", g.rng.uniform(0.5, 1.5, cout).astype(f32))
    y = g.op("BatchNormalization", [y, scale, bias, mean, var], prefix + ".bn", epsilon=1e-5,
             momentum=0.9)
    return g.op("Relu", [y], prefix + ".relu") if relu else y


def bottleneck(g, x, cin, planes, stride, prefix):
    """torchvision Bottleneck (v1.5: the stride is on the 3x3 convolution)."""
    y = conv_bn(g, x, cin, planes, 1, 1, prefix + ".conv1")
    y = conv_bn(g, y, planes, planes, 3, stride, prefix + ".conv2")
    y = conv_bn(g, y, planes, planes * 4, 1, 1, prefix + ".conv3", relu=False)
    if stride != 1 or cin != planes * 4:
        x = conv_bn(g, x, cin, planes * 4, 1, stride, prefix + ".downsample", relu=False)
    return g.op("Relu", [g.op("Add", [y, x], prefix + ".add")], prefix + ".out")


def calibrate_bn(model, rng, batch=4):
    """Sets every BatchNormalization's running mean and variance to the
    statistics of its input on `batch` seeded random images, as training
    leaves them in a real network. With random weights and statistics drawn
    independently of the data, BN does not normalize: the residual stream
    grows about 1.6x per block, to a std of ~300 at layer4 and logits of
    ~750, some 100x a trained ResNet-50's, and unrealistic for precision
    tests. Calibrating keeps every BN output near N(beta, gamma^2).

    One onnxruntime run of a copy where each BN is in training mode with
    momentum 0, so that it normalizes with the batch statistics and returns
    them as its running-mean/var outputs; layers downstream see the inputs
    they will see in the calibrated model."""
    import onnxruntime as ort

    cal = onnx.ModelProto()
    cal.CopyFrom(model)
    cal.graph.input[0].type.tensor_type.shape.dim[0].dim_value = batch
    cal.graph.output[0].type.tensor_type.shape.dim[0].dim_value = batch
    stats = []  # (mean initializer, var initializer, mean output, var output)
    for node in cal.graph.node:
        if node.op_type != "BatchNormalization":
            continue
        del node.attribute[:]
        node.attribute.extend([helper.make_attribute("epsilon", 1e-5),
                               helper.make_attribute("momentum", 0.0),
                               helper.make_attribute("training_mode", 1)])
        node.output.extend([node.name + ".cal_mean", node.name + ".cal_var"])
        stats.append((node.input[3], node.input[4], node.output[1], node.output[2]))
        for out in node.output[1:]:
            cal.graph.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    sess = ort.InferenceSession(cal.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    images = rng.standard_normal((batch, 3, 224, 224)).astype(np.float32)
    values = dict(zip(names, sess.run(None, {"input": images})))
    inits = {t.name: t for t in model.graph.initializer}
    for mean, var, mean_out, var_out in stats:
        inits[mean].CopyFrom(numpy_helper.from_array(values[mean_out].astype(np.float32), mean))
        inits[var].CopyFrom(numpy_helper.from_array(values[var_out].astype(np.float32), var))


def build_resnet50(rng, bn_stats="calibrated"):
    g = Graph(rng)
    y = conv_bn(g, "input", 3, 64, 7, 2, "conv1")
    y = g.op("MaxPool", [y], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, (planes, blocks) in enumerate(zip([64, 128, 256, 512], [3, 4, 6, 3])):
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 0 else 1
            y = bottleneck(g, y, cin, planes, stride, f"layer{stage + 1}.{b}")
            cin = planes * 4
    y = g.op("GlobalAveragePool", [y], "avgpool")
    y = g.op("Flatten", [y], "flatten", axis=1)
    # nn.Linear's default initialization: U(-1/sqrt(in), 1/sqrt(in)).
    bound = 1 / np.sqrt(2048)
    w = g.const("fc.weight", rng.uniform(-bound, bound, (1000, 2048)).astype(np.float32))
    b = g.const("fc.bias", rng.uniform(-bound, bound, 1000).astype(np.float32))
    g.nodes.append(helper.make_node("Gemm", [y, w, b], ["output"], name="fc", transB=1))
    model = g.model("resnet50_v1_5", [
        helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1000])])
    feeds = {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    if bn_stats == "calibrated":
        calibrate_bn(model, rng)
    return model, feeds


# ----------------------------------------------------------------- BERT-base

SEQ, HIDDEN, HEADS, FFN, LAYERS, VOCAB, MAX_POS = 128, 768, 12, 3072, 12, 30522, 512
HEAD = HIDDEN // HEADS
# --dynamic-axes: BERT and GPT-2 as the exporter writes them with
# dynamic_axes for batch and sequence: inputs [batch, sequence], reshape
# targets with 0 for the dims they keep, position ids (and GPT-2's causal
# bias) sliced to the sequence length read with Shape, BERT's token types a
# ConstantOfShape of the ids' shape. Bound to one shape (ingotc
# --input-shape or --dim), they compile as the fixed forms do.
DYNAMIC_AXES = False


def linear(g, x, cin, cout, prefix):
    """MatMul by a [in, out] weight + Add bias: what the exporter emits for
    nn.Linear on 3-D activations. Weights N(0, 0.02) as BERT initializes."""
    w = g.const(prefix + ".weight", g.rng.normal(0, 0.02, (cin, cout)).astype(np.float32))
    b = g.const(prefix + ".bias", g.rng.normal(0, 0.01, cout).astype(np.float32))
    return g.op("Add", [g.op("MatMul", [x, w], prefix + ".matmul"), b], prefix)


def layer_norm(g, x, prefix):
    gamma = g.const(prefix + ".weight", g.rng.normal(1.0, 0.02, HIDDEN).astype(np.float32))
    beta = g.const(prefix + ".bias", g.rng.normal(0, 0.01, HIDDEN).astype(np.float32))
    return g.op("LayerNormalization", [x, gamma, beta], prefix, axis=-1, epsilon=1e-12)


def gelu_erf(g, x, prefix):
    """0.5 * x * (1 + erf(x / sqrt(2))), in the exporter's order."""
    sqrt2 = g.shared_const("sqrt2", np.float32(np.sqrt(2)))
    e = g.op("Erf", [g.op("Div", [x, sqrt2], prefix + ".div")], prefix + ".erf")
    one = g.op("Add", [e, g.shared_const("one", np.float32(1))], prefix + ".add")
    half = g.shared_const("half", np.float32(0.5))
    return g.op("Mul", [g.op("Mul", [x, one], prefix + ".mul"), half], prefix)


def attention(g, x, mask_bias, prefix):
    heads_shape = g.shared_const("heads_shape", np.array(
        [0, 0, HEADS, HEAD] if DYNAMIC_AXES else [1, SEQ, HEADS, HEAD], np.int64))

    def split_heads(t, perm):  # [1, S, 768] -> [1, 12, S, 64] (or K^T: [1, 12, 64, S])
        return g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=perm)

    q = split_heads(linear(g, x, HIDDEN, HIDDEN, prefix + ".query"), [0, 2, 1, 3])
    k = split_heads(linear(g, x, HIDDEN, HIDDEN, prefix + ".key"), [0, 2, 3, 1])
    v = split_heads(linear(g, x, HIDDEN, HIDDEN, prefix + ".value"), [0, 2, 1, 3])
    scores = g.op("MatMul", [q, k], prefix + ".scores")
    sqrt_head = g.shared_const("sqrt_head", np.float32(np.sqrt(HEAD)))
    scores = g.op("Div", [scores, sqrt_head], prefix + ".scaled")
    scores = g.op("Add", [scores, mask_bias], prefix + ".masked")
    probs = g.op("Softmax", [scores], prefix + ".probs", axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v], prefix + ".context")], perm=[0, 2, 1, 3])
    hidden_shape = g.shared_const("hidden_shape", np.array(
        [0, 0, HIDDEN] if DYNAMIC_AXES else [1, SEQ, HIDDEN], np.int64))
    ctx = g.op("Reshape", [ctx, hidden_shape])
    return linear(g, ctx, HIDDEN, HIDDEN, prefix + ".output.dense")


def build_bert_base(rng, bn_stats=None):
    g = Graph(rng)
    f32 = np.float32
    word = g.const("embeddings.word_embeddings.weight",
                   rng.normal(0, 0.02, (VOCAB, HIDDEN)).astype(f32))
    pos = g.const("embeddings.position_embeddings.weight",
                  rng.normal(0, 0.02, (MAX_POS, HIDDEN)).astype(f32))
    typ = g.const("embeddings.token_type_embeddings.weight",
                  rng.normal(0, 0.02, (2, HIDDEN)).astype(f32))
    # Position ids and token types are constants (buffers) in the export,
    # cut to the input's sequence length with dynamic axes.
    if DYNAMIC_AXES:
        ids_shape = g.op("Shape", ["input_ids"], "ids_shape")
        seq_len = g.op("Gather", [ids_shape, g.const("seq_axis", np.array(1, np.int64))],
                       "seq_len", axis=0)
        seq_1d = g.op("Unsqueeze", [seq_len, g.const("unsqueeze_axes", np.array([0], np.int64))],
                      "seq_len_1d")
        table = g.const("position_ids", np.arange(MAX_POS, dtype=np.int64)[None])
        zero = g.const("slice_start", np.array([0], np.int64))
        pos_ids = g.op("Slice", [table, zero, seq_1d, g.const("slice_axes", np.array([1], np.int64))],
                       "position_ids_sliced")
        type_ids = g.op("ConstantOfShape", [ids_shape], "token_type_ids",
                        value=helper.make_tensor("zero", TensorProto.INT64, [1], [0]))
    else:
        pos_ids = g.const("position_ids", np.arange(SEQ, dtype=np.int64)[None])
        type_ids = g.const("token_type_ids", np.zeros((1, SEQ), np.int64))
    h = g.op("Add", [g.op("Gather", [word, "input_ids"], "word_emb"),
                     g.op("Gather", [pos, pos_ids], "pos_emb")])
    h = g.op("Add", [h, g.op("Gather", [typ, type_ids], "type_emb")], "embeddings")
    h = layer_norm(g, h, "embeddings.LayerNorm")

    # Additive mask: (1 - mask) * -10000, broadcast as [1, 1, 1, S].
    m = g.op("Cast", ["attention_mask"], "mask_float", to=TensorProto.FLOAT)
    m = g.op("Sub", [g.shared_const("one", f32(1)), m], "mask_inverted")
    m = g.op("Mul", [m, g.const("mask_min", f32(-10000))], "mask_scaled")
    axes = g.const("mask_axes", np.array([1, 2], np.int64))
    mask_bias = g.op("Unsqueeze", [m, axes], "mask_bias")

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        a = attention(g, h, mask_bias, p + ".attention")
        h = layer_norm(g, g.op("Add", [a, h], p + ".attention.residual"),
                       p + ".attention.LayerNorm")
        f = gelu_erf(g, linear(g, h, HIDDEN, FFN, p + ".intermediate.dense"), p + ".gelu")
        f = linear(g, f, FFN, HIDDEN, p + ".output.dense")
        h = layer_norm(g, g.op("Add", [f, h], p + ".output.residual"), p + ".output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [h], ["last_hidden_state"], name="last_hidden"))

    # Pooler: the [CLS] token through Linear (Gemm, [out, in] weight) + Tanh.
    cls = g.op("Gather", [h, g.const("cls_index", np.array(0, np.int64))], "cls", axis=1)
    w = g.const("pooler.dense.weight", rng.normal(0, 0.02, (HIDDEN, HIDDEN)).astype(f32))
    b = g.const("pooler.dense.bias", rng.normal(0, 0.01, HIDDEN).astype(f32))
    pooled = g.op("Gemm", [cls, w, b], "pooler.dense", transB=1)
    g.nodes.append(helper.make_node("Tanh", [pooled], ["pooler_output"], name="pooler.tanh"))

    batch, seq = ("batch", "sequence") if DYNAMIC_AXES else (1, SEQ)
    model = g.model("bert_base", [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, [batch, seq]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [batch, seq])], [
        helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [batch, seq, HIDDEN]),
        helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT, [batch, HIDDEN])])
    # Random tokens; the last 16 positions are padding (mask 0), so the
    # additive mask is exercised.
    mask = np.ones((1, SEQ), np.int64)
    mask[:, -16:] = 0
    feeds = {"input_ids": rng.integers(0, VOCAB, (1, SEQ)).astype(np.int64), "attention_mask": mask}
    return model, feeds


# ----------------------------------------------------------- GPT-2 (small)

# transformers' GPT2Config() (GPT-2 small) at a fixed sequence; tests build
# smaller ones with the same graph.
GPT2 = dict(seq=128, hidden=768, heads=12, layers=12, vocab=50257, positions=1024)


def build_gpt2(rng, bn_stats=None, cfg=None):
    """GPT2Model (last_hidden_state) as its export writes it (opset 17):
    Conv1D layers as MatMul by [in, out] + Add, the fused q/k/v projection
    Split in three, the causal mask as Where(tril, scores, finfo.min) after
    the Div by sqrt(head size), k transposed by (0, 1, 3, 2) after the head
    split, GELU in its tanh form (gelu_new)."""
    c = dict(GPT2, **(cfg or {}))
    seq, hidden, heads, layers = c["seq"], c["hidden"], c["heads"], c["layers"]
    head = hidden // heads
    g = Graph(rng)
    f32 = np.float32

    def conv1d(x, cin, cout, prefix):
        w = g.const(prefix + ".weight", rng.normal(0, 0.02, (cin, cout)).astype(f32))
        b = g.const(prefix + ".bias", rng.normal(0, 0.01, cout).astype(f32))
        return g.op("Add", [g.op("MatMul", [x, w], prefix + ".matmul"), b], prefix)

    def ln(x, prefix):
        gamma = g.const(prefix + ".weight", rng.normal(1.0, 0.02, hidden).astype(f32))
        beta = g.const(prefix + ".bias", rng.normal(0, 0.01, hidden).astype(f32))
        return g.op("LayerNormalization", [x, gamma, beta], prefix, axis=-1, epsilon=1e-5)

    def gelu_new(x, prefix):
        cube = g.op("Pow", [x, g.shared_const("three", f32(3))], prefix + ".pow")
        inner = g.op("Add", [x, g.op("Mul", [cube, g.shared_const("c044715", f32(0.044715))])])
        t = g.op("Tanh", [g.op("Mul", [inner, g.shared_const("sqrt_2_pi",
                                                          f32(np.sqrt(2 / np.pi)))])])
        one = g.op("Add", [t, g.shared_const("one", f32(1))])
        return g.op("Mul", [g.op("Mul", [x, g.shared_const("half", f32(0.5))]), one], prefix)

    positions = c["positions"]
    heads_shape = g.shared_const("heads_shape", np.array(
        [0, 0, heads, head] if DYNAMIC_AXES else [1, seq, heads, head], np.int64))
    hidden_shape = g.shared_const("hidden_shape", np.array(
        [0, 0, hidden] if DYNAMIC_AXES else [1, seq, hidden], np.int64))
    if DYNAMIC_AXES:
        # The exporter's form: the causal bias buffer and the position ids
        # cut to the sequence length, read with Shape.
        seq_len = g.op("Gather", [g.op("Shape", ["input_ids"], "ids_shape"),
                                  g.const("seq_axis", np.array(1, np.int64))], "seq_len", axis=0)
        seq_1d = g.op("Unsqueeze", [seq_len, g.const("unsqueeze_axes", np.array([0], np.int64))],
                      "seq_len_1d")
        bias = g.const("causal_bias", np.tril(np.ones((positions, positions), np.bool_))[None, None])
        causal = g.op("Slice", [bias, g.const("bias_starts", np.array([0, 0], np.int64)),
                                g.op("Concat", [seq_1d, seq_1d], "bias_ends", axis=0),
                                g.const("bias_axes", np.array([2, 3], np.int64))], "causal_sliced")
        pos = g.op("Slice", [g.const("position_ids", np.arange(positions, dtype=np.int64)[None]),
                             g.const("pos_start", np.array([0], np.int64)), seq_1d,
                             g.const("pos_axes", np.array([1], np.int64))], "position_ids_sliced")
    else:
        causal = g.shared_const("causal_bias", np.tril(np.ones((seq, seq), np.bool_))[None, None])
        pos = g.const("position_ids", np.arange(seq, dtype=np.int64)[None])
    mask_value = g.shared_const("mask_value", f32(np.finfo(np.float32).min))
    wte = g.const("wte.weight", rng.normal(0, 0.02, (c["vocab"], hidden)).astype(f32))
    wpe = g.const("wpe.weight", rng.normal(0, 0.01, (positions, hidden)).astype(f32))
    h = g.op("Add", [g.op("Gather", [wte, "input_ids"], "wte"),
                     g.op("Gather", [wpe, pos], "wpe")], "embeddings")
    for i in range(layers):
        p = f"h.{i}"
        a = ln(h, p + ".ln_1")
        qkv = conv1d(a, hidden, 3 * hidden, p + ".attn.c_attn")
        split = g.shared_const("qkv_split", np.array([hidden] * 3, np.int64))
        q, k, v = g.op("Split", [qkv, split], p + ".attn.split", outputs=3, axis=2)
        q, k, v = [g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=[0, 2, 1, 3])
                   for t in (q, k, v)]
        kT = g.op("Transpose", [k], p + ".attn.key_t", perm=[0, 1, 3, 2])
        s = g.op("MatMul", [q, kT], p + ".attn.scores")
        s = g.op("Div", [s, g.shared_const("sqrt_head", f32(np.sqrt(head)))], p + ".attn.scaled")
        s = g.op("Where", [causal, s, mask_value], p + ".attn.causal")
        probs = g.op("Softmax", [s], p + ".attn.probs", axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v], p + ".attn.context")],
                   perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, hidden_shape])
        h = g.op("Add", [conv1d(ctx, hidden, hidden, p + ".attn.c_proj"), h], p + ".residual1")
        m = conv1d(ln(h, p + ".ln_2"), hidden, 4 * hidden, p + ".mlp.c_fc")
        m = conv1d(gelu_new(m, p + ".mlp.act"), 4 * hidden, hidden, p + ".mlp.c_proj")
        h = g.op("Add", [m, h], p + ".residual2")
    h = ln(h, "ln_f")
    g.nodes.append(helper.make_node("Identity", [h], ["last_hidden_state"], name="last_hidden"))
    dims = ["batch", "sequence"] if DYNAMIC_AXES else [1, seq]
    model = g.model("gpt2", [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims)], [
        helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [hidden])])
    feeds = {"input_ids": rng.integers(0, c["vocab"], (1, seq)).astype(np.int64)}
    return model, feeds


BUILDERS = {"resnet50": build_resnet50, "bert_base": build_bert_base, "gpt2": build_gpt2}


def step(what, fn):
    t0 = time.perf_counter()
    result = fn()
    print(f"  {what}: {time.perf_counter() - t0:.1f} s", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--models", default=",".join(BUILDERS),
                        help=f"comma-separated subset of {','.join(BUILDERS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bn-stats", choices=("calibrated", "random"), default="calibrated",
                        help="ResNet-50's BN running statistics: measured on random images "
                             "(default) or drawn at random (mean N(0, 0.1), var U(0.5, 1.5))")
    parser.add_argument("--dynamic-axes", action="store_true",
                        help="BERT and GPT-2 with dynamic batch and sequence axes, as the "
                             "exporter writes them with dynamic_axes (the sample inputs are "
                             "still 1 x 128)")
    parser.add_argument("--check-ingot", action="store_true",
                        help="also compare Ingot FP32 with onnxruntime (bench/precision_report.py)")
    args = parser.parse_args()
    global DYNAMIC_AXES
    DYNAMIC_AXES = args.dynamic_axes
    import onnxruntime as ort

    for name in args.models.split(","):
        if name not in BUILDERS:
            sys.exit(f"make_reference_models: unknown model {name!r} "
                     f"(known: {', '.join(BUILDERS)})")
        print(f"{name}:", flush=True)
        folder = os.path.join(args.outdir, name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        # One generator per model, so each is reproducible on its own.
        rng = np.random.default_rng([args.seed, list(BUILDERS).index(name)])
        model, feeds = step("build", lambda: BUILDERS[name](rng, args.bn_stats))
        step("save", lambda: onnx.save(model, path))
        params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
        print(f"  {len(model.graph.node)} nodes, {params / 1e6:.1f} M parameters, "
              f"{os.path.getsize(path) / 2**20:.0f} MiB", flush=True)
        # The path form of the checker also runs full shape inference.
        step("onnx.checker", lambda: onnx.checker.check_model(path, full_check=True))
        np.savez(os.path.join(folder, "inputs.npz"), **feeds)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        sess = step("onnxruntime session",
                    lambda: ort.InferenceSession(path, options, providers=["CPUExecutionProvider"]))
        outs = step("onnxruntime run", lambda: sess.run(None, feeds))
        for o, v in zip(sess.get_outputs(), outs):
            if not np.all(np.isfinite(v)):
                sys.exit(f"make_reference_models: {name} output {o.name} is not finite")
            print(f"  {o.name} {list(v.shape)}: max|x| {np.abs(v).max():.3g}, mean {v.mean():.3g}, "
                  f"std {v.std():.3g}", flush=True)
        if args.check_ingot:
            cmd = [sys.executable, os.path.join(ROOT, "bench", "precision_report.py"), path,
                   os.path.join(folder, "inputs.npz"), "--precision", "fp32"]
            p = step("Ingot FP32 vs onnxruntime", lambda: subprocess.run(cmd))
            if p.returncode != 0:
                sys.exit(f"make_reference_models: Ingot FP32 check of {name} failed")


if __name__ == "__main__":
    main()
