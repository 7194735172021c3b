//===- ImportAttention.cpp - Attention operators --------------------------===//
//
// Three operator forms of scaled dot-product attention, all lowered to
// ingot.attention (the exported subgraph form is ingot-fuse-attention's):
//   - ONNX Attention (opset 23): 3-D [B, S, N*H] or 4-D [B, N, S, H] q, k, v,
//     grouped heads, a float or boolean mask, causal, past key/value;
//   - com.microsoft MultiHeadAttention: separate q, k, v projections
//     (3-D, or k and v already split into heads), an optional packed bias,
//     a key padding mask and an attention bias;
//   - com.microsoft Attention: the input and packed q/k/v weights, so the
//     projection is part of the op (one GEMM, then slices).
// RotaryEmbedding, applied to q and k before attention, is here too.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/ImportContext.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

/// [B, S, N*H] -> [B, N, S, H].
static FailureOr<Value> splitHeads(NodeContext &nc, Value x, int64_t heads) {
  FailureOr<Value> r =
      nc.createValue<ReshapeOp>({x, nc.constI64({0, 0, heads, -1})});
  if (failed(r))
    return failure();
  return nc.createValue<TransposeOp>(
      {*r}, {namedI64Array(nc.b, "perm", {0, 2, 1, 3})});
}

/// Static size of dim `d` of `v`, or nullopt.
static std::optional<int64_t> staticDim(Value v, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || d >= type.getRank() || type.isDynamicDim(d))
    return std::nullopt;
  return type.getDimSize(d);
}

/// The causal offset of queries that are the last positions of the keys
/// (onnxruntime's unidirectional attention): Sk - Sq, 0 when unknown.
static int64_t queriesLast(Value q4, Value k4) {
  std::optional<int64_t> sq = staticDim(q4, 2), sk = staticDim(k4, 2);
  return sq && sk ? *sk - *sq : 0;
}

/// The attention of 4-D q, k, v; with `mergeHeads` the result comes back as
/// [B, S, N*Hv] (the op writes [B, S, N, Hv] and a reshape views it).
static FailureOr<Value> attend(NodeContext &nc, Value q, Value k, Value v,
                               Value mask, float scale, bool causal,
                               int64_t causalOffset, bool mergeHeads,
                               float maskFill = -INFINITY) {
  SmallVector<Value> operands = {q, k, v};
  if (mask)
    operands.push_back(mask);
  FailureOr<Value> y = nc.createValue<AttentionOp>(
      operands,
      {namedF32(nc.b, "scale", scale), namedBool(nc.b, "causal", causal),
       namedI64(nc.b, "causal_offset", causalOffset),
       namedF32(nc.b, "mask_fill", maskFill),
       namedBool(nc.b, "transpose_output", mergeHeads)});
  if (failed(y) || !mergeHeads)
    return y;
  return nc.createValue<ReshapeOp>({*y, nc.constI64({0, 0, -1})});
}

/// The scale attribute, or 1/sqrt(head size) when it is absent (or 0, which
/// the contrib ops use for "default").
static FailureOr<float> scaleOf(NodeContext &nc, Value q4) {
  float scale = nc.getFloat("scale", 0.0f);
  if (scale != 0.0f)
    return scale;
  std::optional<int64_t> head = staticDim(q4, 3);
  if (!head || *head <= 0)
    return nc.error() << "the default scale needs a static head size";
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(*head)));
}

/// A 0/1 integer mask (0: masked) as an additive float mask: 0 where kept,
/// `fill` where masked, reshaped from [B, L] to [B, 1, 1, L] (or [B, S, L]
/// to [B, 1, S, L]).
static FailureOr<Value> additiveFromRaw(NodeContext &nc, Value raw, Type type,
                                        float fill) {
  std::optional<int64_t> rank = NodeContext::rankOf(raw);
  if (!rank || (*rank != 2 && *rank != 3))
    return nc.error() << "only 2-D [batch, keys] and 3-D [batch, queries, "
                         "keys] masks are supported";
  Type elem = NodeContext::elementTypeOf(raw);
  FailureOr<Value> zero = nc.createValue<EqualOp>(
      {raw, nc.constElements(DenseElementsAttr::get(
                RankedTensorType::get({}, elem),
                isa<FloatType>(elem) ? Attribute(FloatAttr::get(elem, 0.0))
                                     : Attribute(IntegerAttr::get(elem, 0))))});
  if (failed(zero))
    return failure();
  FailureOr<Value> additive = nc.createValue<WhereOp>(
      {*zero, nc.constFloat(type, fill), nc.constFloat(type, 0.0)});
  if (failed(additive))
    return failure();
  SmallVector<int64_t> axes =
      *rank == 2 ? SmallVector<int64_t>{1, 2} : SmallVector<int64_t>{1};
  return nc.createValue<UnsqueezeOp>({*additive},
                                     {namedI64Array(nc.b, "axes", axes)});
}

/// ONNX Attention (opset 23).
static LogicalResult importAttention(NodeContext &nc) {
  FailureOr<Value> q = nc.requiredInput(0), k = nc.requiredInput(1),
                   v = nc.requiredInput(2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (nc.getFloat("softcap", 0.0f) != 0.0f)
    return nc.error() << "softcap is not supported";
  if (nc.hasOutput(3))
    return nc.error() << "the qk_matmul_output output is not supported";
  if (nc.input(6))
    return nc.error() << "nonpad_kv_seqlen is not supported";
  for (StringRef window : {"left_window_size", "right_window_size"})
    if (nc.getInt(window, -1) != -1)
      return nc.error() << window << " (local attention) is not supported";
  std::optional<int64_t> rank = NodeContext::rankOf(*q);
  if (!rank || (*rank != 3 && *rank != 4))
    return nc.error() << "q must be 3-D or 4-D";
  Value q4 = *q, k4 = *k, v4 = *v;
  if (*rank == 3) {
    int64_t qHeads = nc.getInt("q_num_heads", 0),
            kvHeads = nc.getInt("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return nc.error() << "3-D inputs need q_num_heads and kv_num_heads";
    FailureOr<Value> sq = splitHeads(nc, *q, qHeads),
                     sk = splitHeads(nc, *k, kvHeads),
                     sv = splitHeads(nc, *v, kvHeads);
    if (failed(sq) || failed(sk) || failed(sv))
      return failure();
    q4 = *sq;
    k4 = *sk;
    v4 = *sv;
  }
  Value pastK = nc.input(4), pastV = nc.input(5);
  if (static_cast<bool>(pastK) != static_cast<bool>(pastV))
    return nc.error() << "past_key and past_value come together";
  // Causal masking starts after the past positions (query i is position
  // past + i).
  int64_t past = 0;
  if (pastK) {
    std::optional<int64_t> length = staticDim(pastK, 2);
    if (!length)
      return nc.error() << "past_key needs a static length";
    past = *length;
    NamedAttribute axis = namedI64(nc.b, "axis", 2);
    FailureOr<Value> ck = nc.createValue<ConcatOp>({pastK, k4}, {axis}),
                     cv = nc.createValue<ConcatOp>({pastV, v4}, {axis});
    if (failed(ck) || failed(cv))
      return failure();
    k4 = *ck;
    v4 = *cv;
  }
  FailureOr<float> scale = scaleOf(nc, q4);
  if (failed(scale))
    return failure();
  Value mask = nc.input(3);
  Type elem = NodeContext::elementTypeOf(q4);
  if (mask && isa<FloatType>(NodeContext::elementTypeOf(mask)) &&
      NodeContext::elementTypeOf(mask) != elem) {
    FailureOr<Value> cast = nc.createValue<CastOp>(
        {mask}, {nc.b.getNamedAttr("to", TypeAttr::get(elem))});
    if (failed(cast))
      return failure();
    mask = *cast;
  }
  FailureOr<Value> y = attend(nc, q4, k4, v4, mask, *scale,
                              nc.getInt("is_causal", 0) != 0, past, *rank == 3);
  if (failed(y))
    return failure();
  nc.outputs.assign({*y, k4, v4});
  return success();
}

/// The additive mask of the contrib ops: a 0/1 key padding mask and/or an
/// attention bias [B or 1, N or 1, S, T], summed.
static FailureOr<Value> contribMask(NodeContext &nc, Value padding, Value bias,
                                    Type elem) {
  float fill = nc.getFloat("mask_filter_value", -10000.0f);
  Value mask;
  if (padding) {
    FailureOr<Value> m = additiveFromRaw(nc, padding, elem, fill);
    if (failed(m))
      return failure();
    mask = *m;
  }
  if (bias) {
    if (!mask)
      return bias;
    FailureOr<Value> sum = nc.createValue<AddOp>({mask, bias});
    if (failed(sum))
      return failure();
    mask = *sum;
  }
  return mask;
}

/// com.microsoft MultiHeadAttention.
static LogicalResult importMultiHeadAttention(NodeContext &nc) {
  FailureOr<Value> q = nc.requiredInput(0);
  if (failed(q))
    return failure();
  Value k = nc.input(1), v = nc.input(2);
  if (!k || !v)
    return nc.error() << "packed q/k/v inputs are not supported (give key "
                         "and value)";
  if (nc.input(6) || nc.input(7) || nc.hasOutput(1) || nc.hasOutput(2))
    return nc.error() << "past and present key/value are not supported";
  int64_t heads = nc.getInt("num_heads", 0);
  if (heads <= 0)
    return nc.error() << "num_heads is required";
  if (NodeContext::rankOf(*q) != 3)
    return nc.error() << "query must be 3-D [batch, sequence, hidden]";
  Value qv = *q;
  // The packed bias [Dq + Dk + Dv], added before the heads are split.
  if (Value bias = nc.input(3)) {
    std::optional<int64_t> dq = staticDim(qv, 2), dk = staticDim(k, 2),
                           dv = staticDim(v, 2);
    if (!dq || !dk || !dv || NodeContext::rankOf(k) != 3)
      return nc.error() << "a bias needs 3-D key and value of static width";
    int64_t offsets[4] = {0, *dq, *dq + *dk, *dq + *dk + *dv};
    Value *targets[3] = {&qv, &k, &v};
    for (int i = 0; i < 3; ++i) {
      FailureOr<Value> part = nc.createValue<SliceOp>(
          {bias, nc.constI64({offsets[i]}), nc.constI64({offsets[i + 1]}),
           nc.constI64({0}), nc.constI64({1})});
      if (failed(part))
        return failure();
      FailureOr<Value> sum = nc.createValue<AddOp>({*targets[i], *part});
      if (failed(sum))
        return failure();
      *targets[i] = *sum;
    }
  }
  FailureOr<Value> q4 = splitHeads(nc, qv, heads);
  if (failed(q4))
    return failure();
  Value k4 = k, v4 = v;
  if (NodeContext::rankOf(k) == 3) {
    FailureOr<Value> sk = splitHeads(nc, k, heads),
                     sv = splitHeads(nc, v, heads);
    if (failed(sk) || failed(sv))
      return failure();
    k4 = *sk;
    v4 = *sv;
  }
  FailureOr<Value> mask =
      contribMask(nc, nc.input(4), nc.input(5), NodeContext::elementTypeOf(qv));
  FailureOr<float> scale = scaleOf(nc, *q4);
  if (failed(mask) || failed(scale))
    return failure();
  return nc.setOutput(attend(nc, *q4, k4, v4, *mask, *scale,
                             nc.getInt("unidirectional", 0) != 0,
                             queriesLast(*q4, k4), true));
}

/// com.microsoft Attention: the projection x · W (+ bias) into packed
/// q, k, v of qkv_hidden_sizes (equal thirds by default), then attention.
static LogicalResult importContribAttention(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), w = nc.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  if (nc.input(4) || nc.hasOutput(1))
    return nc.error() << "past and present key/value are not supported";
  if (nc.getInt("do_rotary", 0) != 0)
    return nc.error() << "do_rotary is not supported";
  int64_t heads = nc.getInt("num_heads", 0);
  if (heads <= 0)
    return nc.error() << "num_heads is required";
  std::optional<int64_t> width = staticDim(*w, 1);
  if (!width)
    return nc.error() << "the weights need a static width";
  SmallVector<int64_t> sizes = {*width / 3, *width / 3, *width / 3};
  if (std::optional<SmallVector<int64_t>> qkv =
          nc.getInts("qkv_hidden_sizes")) {
    if (qkv->size() != 3 || (*qkv)[0] + (*qkv)[1] + (*qkv)[2] != *width)
      return nc.error() << "qkv_hidden_sizes must be three sizes adding up "
                           "to the weights' width "
                        << *width;
    sizes.assign(qkv->begin(), qkv->end());
  } else if (*width % 3 != 0) {
    return nc.error() << "weights of width " << *width
                      << " do not split into q, k and v";
  }
  FailureOr<Value> qkv = nc.createValue<MatMulOp>({*x, *w});
  if (failed(qkv))
    return failure();
  if (Value bias = nc.input(2)) {
    qkv = nc.createValue<AddOp>({*qkv, bias});
    if (failed(qkv))
      return failure();
  }
  Value parts[3];
  int64_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    FailureOr<Value> part = nc.createValue<SliceOp>(
        {*qkv, nc.constI64({offset}), nc.constI64({offset + sizes[i]}),
         nc.constI64({-1}), nc.constI64({1})});
    if (failed(part))
      return failure();
    FailureOr<Value> split = splitHeads(nc, *part, heads);
    if (failed(split))
      return failure();
    parts[i] = *split;
    offset += sizes[i];
  }
  FailureOr<Value> mask =
      contribMask(nc, nc.input(3), nc.input(5), NodeContext::elementTypeOf(*x));
  FailureOr<float> scale = scaleOf(nc, parts[0]);
  if (failed(mask) || failed(scale))
    return failure();
  return nc.setOutput(attend(nc, parts[0], parts[1], parts[2], *mask, *scale,
                             nc.getInt("unidirectional", 0) != 0,
                             queriesLast(parts[0], parts[1]), true));
}

/// RotaryEmbedding (opset 23): the first rotary_embedding_dim channels of
/// each head are rotated by the angles whose cosines and sines the caches
/// hold, either as two halves or as interleaved (even, odd) pairs; the
/// other channels pass through. Decomposed into slices, elementwise ops and
/// concats that fuse into one loop kernel. It works in the input's own
/// layout, so no transpose is needed: for 4-D input [B, N, S, H] the caches
/// [B, S, R/2] broadcast as [B, 1, S, R/2]; 3-D input [B, S, N*H] is viewed
/// as [B, S, N, H] and they broadcast as [B, S, 1, R/2].
static LogicalResult rotate(NodeContext &nc, FailureOr<Value> x,
                            FailureOr<Value> cosCache,
                            FailureOr<Value> sinCache, Value positions) {
  if (failed(x) || failed(cosCache) || failed(sinCache))
    return failure();
  std::optional<int64_t> rank = NodeContext::rankOf(*x);
  if (rank != 3 && rank != 4)
    return nc.error() << "the input must be 3-D [batch, sequence, hidden] or "
                         "4-D [batch, heads, sequence, head size]";
  int64_t heads = nc.getInt("num_heads", 0);
  std::optional<int64_t> head = staticDim(*x, 3);
  if (rank == 3) {
    std::optional<int64_t> hidden = staticDim(*x, 2);
    if (heads <= 0 || !hidden || *hidden % heads)
      return nc.error() << "3-D input needs num_heads dividing a static "
                           "hidden size";
    head = *hidden / heads;
  }
  if (!head)
    return nc.error() << "the head size must be static";
  int64_t rotary = nc.getInt("rotary_embedding_dim", 0);
  if (rotary == 0)
    rotary = *head;
  if (rotary < 0 || rotary > *head || rotary % 2)
    return nc.error() << "rotary_embedding_dim " << rotary
                      << " must be even and at most the head size " << *head;
  int64_t cacheRank = positions ? 2 : 3;
  for (Value cache : {*cosCache, *sinCache})
    if (NodeContext::rankOf(cache) != cacheRank ||
        staticDim(cache, cacheRank - 1) != rotary / 2)
      return nc.error() << "the cos and sin caches must be "
                        << (positions ? "[positions, " : "[batch, sequence, ")
                        << rotary / 2 << "] (rotary_embedding_dim / 2)";

  OpSequence s(nc);
  auto slice = [&](Value v, int64_t begin, int64_t end, int64_t step) {
    return s.make<SliceOp>({v, nc.constI64({begin}), nc.constI64({end}),
                            nc.constI64({3}), nc.constI64({step})});
  };
  auto unsqueeze = [&](Value v, int64_t axis) {
    return s.make<UnsqueezeOp>({v}, {namedI64Array(nc.b, "axes", {axis})});
  };
  Value heads4 = *x;
  if (rank == 3)
    heads4 = s.make<ReshapeOp>({*x, nc.constI64({0, 0, heads, *head})});
  // [B, S, R/2], broadcast over the heads axis.
  int64_t headsAxis = rank == 3 ? 2 : 1;
  Value cos = *cosCache, sin = *sinCache;
  if (positions) {
    cos = s.make<GatherOp>({cos, positions});
    sin = s.make<GatherOp>({sin, positions});
  }
  cos = unsqueeze(cos, headsAxis);
  sin = unsqueeze(sin, headsAxis);
  bool interleaved = nc.getInt("interleaved", 0) != 0;
  Value x1 = interleaved ? slice(heads4, 0, rotary, 2)
                         : slice(heads4, 0, rotary / 2, 1);
  Value x2 = interleaved ? slice(heads4, 1, rotary, 2)
                         : slice(heads4, rotary / 2, rotary, 1);
  Value real =
      s.make<SubOp>({s.make<MulOp>({cos, x1}), s.make<MulOp>({sin, x2})});
  Value imag =
      s.make<AddOp>({s.make<MulOp>({sin, x1}), s.make<MulOp>({cos, x2})});
  Value rotated;
  if (interleaved) {
    Value pairs = s.make<ConcatOp>({unsqueeze(real, 4), unsqueeze(imag, 4)},
                                   {namedI64(nc.b, "axis", 4)});
    rotated = s.make<ReshapeOp>({pairs, nc.constI64({0, 0, 0, rotary})});
  } else {
    rotated = s.make<ConcatOp>({real, imag}, {namedI64(nc.b, "axis", 3)});
  }
  Value y = rotated;
  if (rotary < *head)
    y = s.make<ConcatOp>({rotated, slice(heads4, rotary, *head, 1)},
                         {namedI64(nc.b, "axis", 3)});
  if (rank == 3)
    y = s.make<ReshapeOp>({y, nc.constI64({0, 0, -1})});
  if (s.failed())
    return failure();
  nc.outputs.assign({y});
  return success();
}

static LogicalResult importRotaryEmbedding(NodeContext &nc) {
  return rotate(nc, nc.requiredInput(0), nc.requiredInput(1),
                nc.requiredInput(2), nc.input(3));
}

/// com.microsoft RotaryEmbedding (onnxruntime's, for Llama-style models):
/// the same rotation with the inputs in another order (input, position_ids,
/// cos_cache, sin_cache); position_ids is [batch, sequence] or a single
/// offset, the positions then being offset + 0, 1, ..., sequence - 1.
static LogicalResult importContribRotaryEmbedding(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), ids = nc.requiredInput(1);
  if (failed(x) || failed(ids))
    return failure();
  if (nc.getInt("is_packed_batching", 0))
    return nc.error() << "is_packed_batching is not supported";
  if (nc.getFloat("scale", 1.0f) != 1.0f)
    return nc.error() << "a scale other than 1 is not supported";
  Value positions = *ids;
  if (NodeContext::rankOf(positions) == 1) {
    std::optional<int64_t> rank = NodeContext::rankOf(*x);
    std::optional<int64_t> seq =
        rank ? staticDim(*x, *rank == 3 ? 1 : 2) : std::nullopt;
    if (!seq || staticDim(positions, 0) != 1)
      return nc.error() << "a 1-D position_ids must be one offset, with a "
                           "static sequence length";
    SmallVector<int64_t> steps;
    for (int64_t i = 0; i < *seq; ++i)
      steps.push_back(i);
    OpSequence s(nc);
    positions =
        s.make<UnsqueezeOp>({s.make<AddOp>({nc.constI64(steps), positions})},
                            {namedI64Array(nc.b, "axes", {0})});
    if (s.failed())
      return failure();
  }
  return rotate(nc, x, nc.requiredInput(2), nc.requiredInput(3), positions);
}

void importer::addAttentionHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"Attention", importAttention});
  t.push_back({"RotaryEmbedding", importRotaryEmbedding});
  t.push_back({"com.microsoft.RotaryEmbedding", importContribRotaryEmbedding});
  t.push_back({"com.microsoft.MultiHeadAttention", importMultiHeadAttention});
  t.push_back({"com.microsoft.Attention", importContribAttention});
}
