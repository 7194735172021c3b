//===- ArtifactWriter.cpp - Packing a plan into an .ingot file ------------===//
#include "codegen/ArtifactWriter.h"

#include "ArtifactFormat.h"
#include "proto/manifest.pb.h"

#include "ingot/kernel_abi.h"

using namespace mlir;
using namespace mlir::ingot::codegen;
namespace art = ::ingot::artifact;

static art::DataType dataType(Type t) {
  if (t.isF32())
    return art::DT_F32;
  if (t.isF16())
    return art::DT_F16;
  if (t.isBF16())
    return art::DT_BF16;
  if (t.isF64())
    return art::DT_F64;
  if (t.isInteger(1))
    return art::DT_BOOL;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8:
      return u ? art::DT_U8 : art::DT_I8;
    case 16:
      return u ? art::DT_U16 : art::DT_I16;
    case 32:
      return u ? art::DT_U32 : art::DT_I32;
    case 64:
      return u ? art::DT_U64 : art::DT_I64;
    }
  }
  return art::DT_INVALID;
}

static void program(art::SizeProgram *out, const mlir::ingot::DimExpr &e) {
  std::vector<int64_t> code;
  e.appendPostfix(code);
  for (int64_t c : code)
    out->add_code(c);
}

static void fill(art::TensorInfo *info, const PlanTensor &t) {
  info->set_name(t.name);
  info->set_dtype(dataType(t.elementType));
  for (int64_t d : t.shape)
    info->add_shape(d);
  for (const std::string &p : t.dimParams)
    info->add_dim_params(p);
  for (const mlir::ingot::DimExpr &e : t.sizes)
    program(info->add_sizes(), e);
}

std::vector<uint8_t>
mlir::ingot::codegen::buildArtifact(const ExecutionPlan &plan,
                                    const std::vector<char> &hostObject,
                                    const std::string &producer) {
  art::Manifest m;
  m.set_kernel_abi_version(INGOT_KERNEL_ABI_VERSION);
  m.set_target(plan.target);
  m.set_allow_tf32(plan.allowTF32);
  m.set_precision(plan.precision);
  m.set_producer(producer);
  for (const std::string &f : plan.hostCpuFeatures)
    m.add_host_cpu_features(f);
  for (const std::string &a : plan.cudaArchs)
    m.add_cuda_archs(a);
  if (const mlir::ingot::SymbolicShapes *shapes = plan.shapes.get()) {
    for (size_t i = 0; i < shapes->names.size(); ++i) {
      art::SymbolicDim *d = m.add_dims();
      d->set_name(shapes->names[i]);
      d->set_min(shapes->ranges[i].min);
      d->set_max(shapes->ranges[i].max);
      d->set_opt(shapes->ranges[i].opt);
    }
    for (const auto &check : shapes->checks) {
      art::DimConstraint *c = m.add_constraints();
      program(c->mutable_value(), check.value);
      c->set_modulus(check.modulus);
      if (check.modulus)
        c->set_text(shapes->str(check.value) + " % " +
                    std::to_string(check.modulus) + " == 0");
      else {
        program(c->mutable_equals(), check.equals);
        c->set_text(shapes->str(check.value) +
                    " == " + shapes->str(check.equals));
      }
    }
  }
  for (const PlanTensor &t : plan.inputs)
    fill(m.add_inputs(), t);
  for (const PlanTensor &t : plan.outputs)
    fill(m.add_outputs(), t);
  for (const PlanBuffer &b : plan.buffers) {
    art::Buffer *out = m.add_buffers();
    switch (b.kind) {
    case PlanBuffer::Kind::Arena:
      out->set_kind(art::Buffer::ARENA);
      break;
    case PlanBuffer::Kind::Weight:
      out->set_kind(art::Buffer::WEIGHT);
      break;
    case PlanBuffer::Kind::Input:
      out->set_kind(art::Buffer::INPUT);
      break;
    case PlanBuffer::Kind::Output:
      out->set_kind(art::Buffer::OUTPUT);
      break;
    }
    out->set_offset(b.offset);
    out->set_size(b.size);
    out->set_index(b.index);
    if (b.bytes)
      program(out->mutable_bytes(), *b.bytes);
    if (b.kind == PlanBuffer::Kind::Arena) {
      out->set_first_use(b.defStep);
      out->set_last_use(b.lastUse);
    }
  }
  for (const PlanStep &s : plan.steps) {
    art::Step *out = m.add_steps();
    switch (s.kind) {
    case PlanStep::Kind::Kernel:
      out->set_kind(art::Step::KERNEL);
      break;
    case PlanStep::Kind::Copy:
      out->set_kind(art::Step::COPY);
      break;
    case PlanStep::Kind::Gemm:
      out->set_kind(art::Step::GEMM);
      break;
    case PlanStep::Kind::Conv:
      out->set_kind(art::Step::CONV);
      break;
    }
    out->set_kernel(s.kernel);
    out->set_flops(s.flops);
    if (s.flopsExpr)
      program(out->mutable_flops_program(), *s.flopsExpr);
    if (s.libraryType)
      out->set_library_dtype(dataType(s.libraryType));
    out->set_grid_x(s.gridX);
    if (s.grid)
      program(out->mutable_grid(), *s.grid);
    for (const KernelVariant &v : s.variants) {
      art::KernelVariant *to = out->add_variants();
      to->set_name(v.name);
      std::vector<int64_t> code;
      v.validWhen.appendPostfix(code);
      for (int64_t c : code)
        to->mutable_valid_when()->add_code(c);
      code.clear();
      v.preferredWhen.appendPostfix(code);
      for (int64_t c : code)
        to->mutable_preferred_when()->add_code(c);
      for (unsigned p : v.aligned)
        to->add_aligned(p);
      to->set_alignment(uint32_t(v.alignment));
    }
    out->set_block_x(s.blockX);
    if (s.kind == PlanStep::Kind::Gemm) {
      art::GemmCall *g = out->mutable_gemm();
      g->set_trans_a(s.gemm.transA);
      g->set_trans_b(s.gemm.transB);
      g->set_m(s.gemm.m);
      g->set_n(s.gemm.n);
      g->set_k(s.gemm.k);
      g->set_lda(s.gemm.lda);
      g->set_ldb(s.gemm.ldb);
      g->set_ldc(s.gemm.ldc);
      g->set_alpha(s.gemm.alpha);
      g->set_batch(s.gemm.batch);
      g->set_stride_a(s.gemm.strideA);
      g->set_stride_b(s.gemm.strideB);
      g->set_stride_c(s.gemm.strideC);
      g->set_offset_a(s.gemm.offsetA);
      g->set_offset_b(s.gemm.offsetB);
      g->set_offset_c(s.gemm.offsetC);
      g->set_epilogue(s.gemm.epilogue == GemmCall::Epilogue::ReluBias
                          ? art::GemmCall::RELU_BIAS
                      : s.gemm.epilogue == GemmCall::Epilogue::Bias
                          ? art::GemmCall::BIAS
                          : art::GemmCall::NONE);
      g->set_residual(s.gemm.residual);
      for (const auto &[field, size] : s.gemm.symbolic)
        program(&(*g->mutable_symbolic())[field], size);
    }
    if (s.kind == PlanStep::Kind::Conv) {
      art::ConvCall *c = out->mutable_conv();
      c->set_transposed(s.conv.transposed);
      c->set_channels_last(s.conv.channelsLast);
      c->set_bias(s.conv.bias);
      c->set_residual(s.conv.residual);
      c->set_relu(s.conv.relu);
      for (const auto &[field, size] : s.conv.symbolic)
        program(&(*c->mutable_symbolic())[field], size);
      c->set_batch(s.conv.batch);
      c->set_in_channels(s.conv.inChannels);
      c->set_out_channels(s.conv.outChannels);
      c->set_group(s.conv.group);
      for (int64_t v : s.conv.inSize)
        c->add_in_size(v);
      for (int64_t v : s.conv.outSize)
        c->add_out_size(v);
      for (int64_t v : s.conv.kernel)
        c->add_kernel(v);
      for (int64_t v : s.conv.stride)
        c->add_stride(v);
      for (int64_t v : s.conv.dilation)
        c->add_dilation(v);
      for (int64_t v : s.conv.padBegin)
        c->add_pad_begin(v);
      for (int64_t v : s.conv.padEnd)
        c->add_pad_end(v);
    }
    for (unsigned b : s.buffers)
      out->add_buffers(b);
    if (s.region) {
      FusionOp region = s.region;
      out->set_region_kind(region.getKind().str());
      if (std::optional<StringRef> id = region.getId())
        out->set_region(id->str());
      std::string name;
      llvm::raw_string_ostream os(name);
      region.getLoc().print(os);
      out->set_name(name);
    }
  }
  m.set_arena_bytes(plan.arenaBytes);
  m.set_weight_bytes(plan.weights.size());
  art::Stats *stats = m.mutable_stats();
  stats->set_kernels(plan.kernels);
  stats->set_library_calls(plan.libraryCalls);
  stats->set_arena_bytes(plan.arenaBytes);
  stats->set_intermediate_bytes(plan.intermediateBytes);
  stats->set_weight_bytes(plan.weights.size());
  stats->set_bytes_accessed(plan.bytesAccessed);

  std::string manifest = m.SerializeAsString();
  std::vector<art::Section> sections;
  sections.push_back({art::SectionKind::Manifest,
                      reinterpret_cast<const uint8_t *>(manifest.data()),
                      manifest.size()});
  sections.push_back({art::SectionKind::Weights,
                      reinterpret_cast<const uint8_t *>(plan.weights.data()),
                      plan.weights.size()});
  sections.push_back({plan.target == "cuda" ? art::SectionKind::CudaFatbin
                                            : art::SectionKind::HostObject,
                      reinterpret_cast<const uint8_t *>(hostObject.data()),
                      hostObject.size()});
  return art::writeImage(sections);
}
