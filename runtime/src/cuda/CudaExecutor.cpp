//===- CudaExecutor.cpp - Running CUDA artifacts --------------------------===//
//
// One primary context per device; per model a module with the kernels and
// the weights in device memory; per session a stream, the arena, cuBLASLt
// and cuDNN handles with their descriptors and algorithms chosen once, and
// a CUDA graph: the first run executes the steps directly (and settles
// algorithm choices), the second captures them, later runs replay the graph.
// An artifact for a range of shapes has these per shape: library plans and
// a graph for each shape it is called with (at most kShapePlans), and an
// arena planned per shape by the session.
//
//===----------------------------------------------------------------------===//
#include "CudaExecutor.h"
#include "CudaApi.h"
#include "LibraryTypes.h"
#include "TargetFeatures.h"

#include <cstdlib>
#include <cstring>
#include <map>

namespace ingot::runtime::cuda {

namespace art = ::ingot::artifact;

struct DeviceModel {
  const Api *api = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  std::vector<CUfunction> functions; // per step (kernels only)
  CUdeviceptr weights = 0;
  ~DeviceModel() {
    if (!api)
      return;
    api->cuCtxSetCurrent(context);
    if (weights)
      api->cuMemFree(weights);
    if (module)
      api->cuModuleUnload(module);
    if (context)
      api->cuDevicePrimaryCtxRelease(device);
  }
};

namespace {
std::string cuError(const Api *api, CUresult r) {
  const char *s = nullptr;
  if (api && api->cuGetErrorString)
    api->cuGetErrorString(r, &s);
  return s ? s : "CUDA error " + std::to_string(static_cast<int>(r));
}

struct GemmPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  // cuBLASLt's heuristic ranking; the session times them once (tuneGemms).
  std::vector<cublasLtMatmulAlgo_t> candidates;
  size_t operandBytes[3] = {4, 4, 4}; // of A, B, C (library_dtype)
  bool integer = false; // int8 A and B, int32 C: int32 alpha and beta
};
struct ConvPlan {
  // cuDNN pads symmetrically: an asymmetrically padded convolution first
  // copies its input into a zero-bordered buffer (one 3-d memcpy per run,
  // the borders zeroed once) and convolves that without padding.
  bool prePad = false;
  CUdeviceptr padded = 0;
  CUDA_MEMCPY3D copy{};
  size_t elementBytes = 4; // of every buffer (the step's library_dtype)
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t forward{};
  cudnnConvolutionBwdDataAlgo_t backward{};
  size_t workspace = 0;
  // Epilogue (ConvCall bias/residual/relu): one fused cuDNN call where cuDNN
  // runs it for this convolution (checked once per session), else the
  // convolution followed by cuDNN's bias add, residual add and ReLU.
  cudnnTensorDescriptor_t bias = nullptr;
  cudnnActivationDescriptor_t relu = nullptr;
  bool fused = false;
};
} // namespace

struct DeviceSession {
  const Api *api = nullptr;
  std::shared_ptr<DeviceModel> model;
  CUstream stream = nullptr;
  CUdeviceptr arena = 0, workspace = 0;
  // An artifact for a range of shapes: the arena's bytes (allocated for
  // the shapes seen, grown as larger ones come) and this call's offsets.
  size_t arenaCapacity = 0;
  std::vector<uint64_t> arenaOffsets;
  size_t workspaceBytes = 0;
  std::vector<CUdeviceptr> inputs, outputs; // session-owned copies
  cublasLtHandle_t lt = nullptr;
  cudnnHandle_t dnn = nullptr;
  std::vector<GemmPlan> gemms; // per step
  std::vector<ConvPlan> convs; // per step
  // An artifact for a range of shapes: this call's dims (the kernels' last
  // parameter, IngotDims in the generated code), and the library plans of
  // each shape seen, per step (cuBLASLt and cuDNN plans depend on the
  // sizes; at most kShapePlans shapes are kept).
  std::vector<int64_t> dims;
  struct KernelDims { // the generated code's IngotDims
    long long v[16];
    long long variant;
  } kernelDims = {};
  // Kernels with versions (speculation): the one each step runs at this
  // call's dims and pointers (-1: none), and INGOT_FORCE_VARIANT's name.
  std::vector<int> variants;
  std::string forcedVariant;
  struct ShapePlans {
    std::vector<GemmPlan> gemms;
    std::vector<ConvPlan> convs;
  };
  std::map<std::vector<int64_t>, ShapePlans> shapePlans;
  bool useGraph = true;
  int runs = 0;
  // CUDA graphs, one per shape (the key: the call's dims; empty for a
  // static artifact). A shape's first run executes its steps (planning its
  // library calls), its second captures them, later runs replay. Growing
  // the arena or the workspace, or dropping plans, drops every graph (they
  // bake those addresses in); at most kShapePlans are kept.
  struct ShapeGraph {
    CUgraphExec graph = nullptr;
    std::vector<CUdeviceptr> pointers; // input/output pointers baked in
    int runs = 0;
  };
  std::map<std::vector<int64_t>, ShapeGraph> graphs;
  void dropGraphs() {
    for (auto &[shape, g] : graphs)
      if (g.graph) {
        api->cuGraphExecDestroy(g.graph);
        g.graph = nullptr;
      }
  }
  std::vector<CUevent> stepEvents; // INGOT_PROFILE: one per step, plus one
  ~DeviceSession();
};

static void destroyGemmPlan(const Api *api, GemmPlan &g) {
  if (g.desc)
    api->cublasLtMatmulDescDestroy(g.desc);
  if (g.a)
    api->cublasLtMatrixLayoutDestroy(g.a);
  if (g.b)
    api->cublasLtMatrixLayoutDestroy(g.b);
  if (g.c)
    api->cublasLtMatrixLayoutDestroy(g.c);
  g = GemmPlan();
}

static void destroyConvPlan(const Api *api, ConvPlan &c) {
  if (c.padded)
    api->cuMemFree(c.padded);
  if (c.x)
    api->cudnnDestroyTensorDescriptor(c.x);
  if (c.y)
    api->cudnnDestroyTensorDescriptor(c.y);
  if (c.w)
    api->cudnnDestroyFilterDescriptor(c.w);
  if (c.conv)
    api->cudnnDestroyConvolutionDescriptor(c.conv);
  if (c.bias)
    api->cudnnDestroyTensorDescriptor(c.bias);
  if (c.relu)
    api->cudnnDestroyActivationDescriptor(c.relu);
  c = ConvPlan();
}

DeviceSession::~DeviceSession() {
  if (!api)
    return;
  api->cuCtxSetCurrent(model->context);
  dropGraphs();
  for (CUevent e : stepEvents)
    api->cuEventDestroy(e);
  for (GemmPlan &g : gemms)
    destroyGemmPlan(api, g);
  for (ConvPlan &c : convs)
    destroyConvPlan(api, c);
  for (auto &[shape, plans] : shapePlans) {
    for (GemmPlan &g : plans.gemms)
      destroyGemmPlan(api, g);
    for (ConvPlan &c : plans.convs)
      destroyConvPlan(api, c);
  }
  if (lt)
    api->cublasLtDestroy(lt);
  if (dnn)
    api->cudnnDestroy(dnn);
  for (CUdeviceptr p : inputs)
    if (p)
      api->cuMemFree(p);
  for (CUdeviceptr p : outputs)
    if (p)
      api->cuMemFree(p);
  if (arena)
    api->cuMemFree(arena);
  if (workspace)
    api->cuMemFree(workspace);
  if (stream)
    api->cuStreamDestroy(stream);
}

/// The kernel's launch takes one pointer per buffer of the step: checks the
/// step against the `<kernel>_buffers` signature the module exports, as the
/// CPU path does with the host code's (ManifestValidation.cpp).
static ingot_status *checkSignature(const Api &api, const DeviceModel &dm,
                                    const ModelData &m, const art::Step &s,
                                    int stepIndex) {
  CUdeviceptr global = 0;
  size_t bytes = 0;
  // {count, size 0, ..., size count-1}: count + 1 words (any count; a
  // malformed array counts as missing).
  if (api.cuModuleGetGlobal(&global, &bytes, dm.module,
                            (s.kernel() + "_buffers").c_str()) !=
          CUDA_SUCCESS ||
      bytes < sizeof(uint64_t) || bytes % sizeof(uint64_t) != 0 ||
      bytes > (size_t(1) << 20))
    return checkKernelSignature(m, stepIndex, nullptr);
  std::vector<uint64_t> signature(bytes / sizeof(uint64_t));
  if (api.cuMemcpyDtoH(signature.data(), global, bytes) != CUDA_SUCCESS ||
      signature[0] + 1 != signature.size())
    return checkKernelSignature(m, stepIndex, nullptr);
  return checkKernelSignature(m, stepIndex, signature.data());
}

ingot_status *loadModel(const ModelData &m, const uint8_t *fatbin, size_t size,
                        std::shared_ptr<DeviceModel> &out) {
  std::string error;
  const Api *api = cuda::api(error);
  if (!api)
    return makeStatus(INGOT_NO_DEVICE, "cannot run a CUDA artifact: " + error);
  auto dm = std::make_shared<DeviceModel>();
  dm->api = api;
  CUresult r;
  auto fail = [&](const std::string &what) {
    return makeStatus(INGOT_INTERNAL, what + ": " + cuError(api, r));
  };
  if ((r = api->cuDeviceGet(&dm->device, 0)) != CUDA_SUCCESS)
    return fail("cuDeviceGet");
  // Checked before loading the module: the driver's own error for code of
  // another architecture does not say which one is needed.
  int major = 0, minor = 0;
  if ((r = api->cuDeviceGetAttribute(
           &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dm->device)) !=
          CUDA_SUCCESS ||
      (r = api->cuDeviceGetAttribute(
           &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dm->device)) !=
          CUDA_SUCCESS)
    return fail("cuDeviceGetAttribute");
  std::string mismatch = art::cudaArchMismatch(
      {m.manifest.cuda_archs().begin(), m.manifest.cuda_archs().end()}, major,
      minor);
  if (!mismatch.empty())
    return makeStatus(INGOT_UNSUPPORTED, mismatch);
  if ((r = api->cuDevicePrimaryCtxRetain(&dm->context, dm->device)) !=
      CUDA_SUCCESS)
    return fail("cuDevicePrimaryCtxRetain");
  api->cuCtxSetCurrent(dm->context);
  if ((r = api->cuModuleLoadData(&dm->module, fatbin)) != CUDA_SUCCESS)
    return fail(
        "loading the CUDA kernels (cuModuleLoadData; built for another GPU?)");
  (void)size;
  for (const art::Step &s : m.manifest.steps()) {
    CUfunction fn = nullptr;
    if (s.kind() == art::Step::KERNEL) {
      if ((r = api->cuModuleGetFunction(&fn, dm->module, s.kernel().c_str())) !=
          CUDA_SUCCESS)
        return fail("kernel '" + s.kernel() +
                    "' is missing from the CUDA code");
      if (ingot_status *st =
              checkSignature(*api, *dm, m, s, int(dm->functions.size())))
        return st;
    }
    dm->functions.push_back(fn);
  }
  if (m.weightsSize) {
    if ((r = api->cuMemAlloc(&dm->weights, m.weightsSize)) != CUDA_SUCCESS)
      return fail("allocating " + std::to_string(m.weightsSize) +
                  " bytes of weights");
    if ((r = api->cuMemcpyHtoD(dm->weights, m.weights, m.weightsSize)) !=
        CUDA_SUCCESS)
      return fail("uploading the weights");
  }
  out = std::move(dm);
  return nullptr;
}

/// How many of cuBLASLt's ranked algorithms a session times per GEMM.
constexpr int kGemmCandidates = 6;
// GEMM plans kept per session for an artifact for a range of shapes: the
// shapes seen most recently (all are dropped when a new one would exceed
// it).
constexpr size_t kShapePlans = 16;

/// cuBLASLt's and cuDNN's names of a library step's element type.
static cudaDataType_t blasType(art::DataType t) {
  return t == art::DT_F16    ? CUDA_R_16F
         : t == art::DT_BF16 ? CUDA_R_16BF
                             : CUDA_R_32F;
}
static cudnnDataType_t dnnType(art::DataType t) {
  return t == art::DT_F16    ? CUDNN_DATA_HALF
         : t == art::DT_BF16 ? CUDNN_DATA_BFLOAT16
                             : CUDNN_DATA_FLOAT;
}

/// `g`: the step's GEMM (its sizes of this call where they vary).
static ingot_status *planGemm(const Api *api, DeviceSession &s,
                              const art::Step &step, const art::GemmCall &g,
                              GemmPlan &p, bool tf32) {
  // FP16/BF16 data accumulate in FP32 (tensor cores either way); TF32 only
  // concerns FP32 data.
  art::DataType dtype = libraryType(step);
  // int8 GEMMs: int8 A and B summed exactly in int32 (IMMA tensor cores),
  // int32 C. The validator has checked the form they need (TN after the
  // swap below, multiples of 4).
  p.integer = dtype == art::DT_I8;
  cudaDataType_t data = p.integer ? CUDA_R_8I : blasType(dtype);
  cudaDataType_t outData = p.integer ? CUDA_R_32I : data;
  tf32 = tf32 && dtype == art::DT_F32;
  for (int k = 0; k < 3; ++k)
    p.operandBytes[k] = libraryOperandBytes(step, k);
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the
  // operands, keep the leading dimensions.
  cublasOperation_t opA = g.trans_b() ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opB = g.trans_a() ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasStatus_t st;
  auto fail = [&](const char *what) {
    return makeStatus(INGOT_INTERNAL, std::string("cuBLASLt ") + what + ": " +
                                          api->cublasLtGetStatusString(st));
  };
  cublasComputeType_t compute = p.integer ? CUBLAS_COMPUTE_32I
                                : tf32    ? CUBLAS_COMPUTE_32F_FAST_TF32
                                          : CUBLAS_COMPUTE_32F;
  if ((st = api->cublasLtMatmulDescCreate(&p.desc, compute,
                                          p.integer ? CUDA_R_32I : CUDA_R_32F)))
    return fail("matmul descriptor");
  api->cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA,
                                      sizeof opA);
  api->cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB,
                                      sizeof opB);
  // Column-major shapes (rows x cols) as stored.
  uint64_t aRows = g.trans_b() ? g.k() : g.n(),
           aCols = g.trans_b() ? g.n() : g.k();
  uint64_t bRows = g.trans_a() ? g.m() : g.k(),
           bCols = g.trans_a() ? g.k() : g.m();
  if ((st = api->cublasLtMatrixLayoutCreate(&p.a, data, aRows, aCols,
                                            g.ldb())) ||
      (st = api->cublasLtMatrixLayoutCreate(&p.b, data, bRows, bCols,
                                            g.lda())) ||
      (st = api->cublasLtMatrixLayoutCreate(&p.c, outData, g.n(), g.m(),
                                            g.ldc())))
    return fail("matrix layout");
  if (g.batch() > 1) {
    int32_t count = static_cast<int32_t>(g.batch());
    int64_t sa = g.stride_b(), sb = g.stride_a(), sc = g.stride_c();
    for (auto [layout, stride] :
         {std::pair{p.a, sa}, std::pair{p.b, sb}, std::pair{p.c, sc}}) {
      api->cublasLtMatrixLayoutSetAttribute(
          layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count);
      api->cublasLtMatrixLayoutSetAttribute(
          layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
          sizeof stride);
    }
  }
  if (g.epilogue() != art::GemmCall::NONE) {
    cublasLtEpilogue_t epilogue = g.epilogue() == art::GemmCall::RELU_BIAS
                                      ? CUBLASLT_EPILOGUE_RELU_BIAS
                                      : CUBLASLT_EPILOGUE_BIAS;
    api->cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                        &epilogue, sizeof epilogue);
  }
  cublasLtMatmulPreference_t pref = nullptr;
  api->cublasLtMatmulPreferenceCreate(&pref);
  size_t ws = s.workspaceBytes;
  api->cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  cublasLtMatmulHeuristicResult_t results[kGemmCandidates] = {};
  int found = 0;
  st = api->cublasLtMatmulAlgoGetHeuristic(
      s.lt, p.desc, p.a, p.b, p.c, p.c, pref, kGemmCandidates, results, &found);
  api->cublasLtMatmulPreferenceDestroy(pref);
  if (st || found == 0)
    return makeStatus(INGOT_INTERNAL, "cuBLASLt found no algorithm for a " +
                                          std::to_string(g.m()) + "x" +
                                          std::to_string(g.n()) + "x" +
                                          std::to_string(g.k()) + " GEMM");
  p.algo = results[0].algo;
  for (int i = 0; i < found; ++i)
    if (results[i].state == CUBLAS_STATUS_SUCCESS)
      p.candidates.push_back(results[i].algo);
  return nullptr;
}

/// `c`: the step's convolution (its sizes of this call where they vary).
static ingot_status *planConv(const Api *api, DeviceSession &s,
                              const art::Step &step, const art::ConvCall &c,
                              ConvPlan &p, bool tf32) {
  // FP16/BF16 data with FP32 accumulation on tensor cores; FP32 data on
  // tensor cores only with --tf32.
  art::DataType dtype = libraryType(step);
  // int8: cuDNN's INT8_EXT configuration, int8 NHWC x and w summed in
  // int32, y in FP32 (validated: channels-last, channels multiples of 4,
  // symmetric padding, no epilogue).
  bool integer = dtype == art::DT_I8;
  cudnnDataType_t data = integer ? CUDNN_DATA_INT8 : dnnType(dtype);
  cudnnDataType_t outData = integer ? CUDNN_DATA_FLOAT : data;
  cudnnDataType_t accumulate = integer ? CUDNN_DATA_INT32 : CUDNN_DATA_FLOAT;
  p.elementBytes = libraryOperandBytes(step, 0);
  cudnnMathType_t math = dtype != art::DT_F32 ? CUDNN_TENSOR_OP_MATH
                         : tf32 ? CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION
                                : CUDNN_FMA_MATH;
  int spatial = c.in_size_size();
  for (int i = 0; i < spatial; ++i)
    p.prePad |= c.pad_begin(i) != c.pad_end(i);
  if (p.prePad && (c.transposed() || spatial > 2))
    return makeStatus(INGOT_UNSUPPORTED,
                      "asymmetric padding of transposed or 3-d "
                      "convolutions is not supported on the GPU yet");
  std::vector<int64_t> inSize(c.in_size().begin(), c.in_size().end());
  if (p.prePad) {
    // Rows are the last spatial dim, planes the one before (1-d: one row).
    int64_t w = inSize.back(), h = spatial == 2 ? inSize[0] : 1;
    int64_t pl = c.pad_begin(spatial - 1), pr = c.pad_end(spatial - 1);
    int64_t pt = spatial == 2 ? c.pad_begin(0) : 0,
            pb = spatial == 2 ? c.pad_end(0) : 0;
    int64_t wp = w + pl + pr, hp = h + pt + pb;
    size_t bytes =
        size_t(c.batch() * c.in_channels() * hp * wp) * p.elementBytes;
    CUresult r = api->cuMemAlloc(&p.padded, bytes);
    if (r != CUDA_SUCCESS ||
        api->cuMemsetD8(p.padded, 0, bytes) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL,
                        "allocating a padded convolution input: " +
                            cuError(api, r));
    // One copied "element" is a pixel: all channels channels-last (planes
    // are images), one value channels-first (planes are channels).
    size_t pixel =
        p.elementBytes * size_t(c.channels_last() ? c.in_channels() : 1);
    p.copy.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    p.copy.srcPitch = size_t(w) * pixel;
    p.copy.srcHeight = size_t(h);
    p.copy.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    p.copy.dstDevice = p.padded;
    p.copy.dstXInBytes = size_t(pl) * pixel;
    p.copy.dstY = size_t(pt);
    p.copy.dstPitch = size_t(wp) * pixel;
    p.copy.dstHeight = size_t(hp);
    p.copy.WidthInBytes = size_t(w) * pixel;
    p.copy.Height = size_t(h);
    p.copy.Depth =
        size_t(c.channels_last() ? c.batch() : c.batch() * c.in_channels());
    inSize.back() = wp;
    if (spatial == 2)
      inSize[0] = hp;
  }
  google::protobuf::RepeatedField<int64_t> inSizeField(inSize.begin(),
                                                       inSize.end());
  // cuDNN wants at least 4-d tensors: 1-d convolutions get a unit height.
  int nd = std::max(spatial, 2);
  auto dims = [&](int64_t n, int64_t ch,
                  const google::protobuf::RepeatedField<int64_t> &sz) {
    std::vector<int> d = {int(n), int(ch)};
    for (int i = spatial; i < nd; ++i)
      d.push_back(1);
    for (int64_t v : sz)
      d.push_back(int(v));
    return d;
  };
  auto packed = [](const std::vector<int> &d) {
    std::vector<int> strides(d.size(), 1);
    for (int i = int(d.size()) - 2; i >= 0; --i)
      strides[i] = strides[i + 1] * d[i + 1];
    return strides;
  };
  // Dims stay in N, C, spatial order; channels-last strides put C innermost.
  auto activationStrides = [&](const std::vector<int> &d) {
    if (!c.channels_last())
      return packed(d);
    std::vector<int> strides(d.size());
    int stride = d[1];
    strides[1] = 1;
    for (int i = int(d.size()) - 1; i >= 2; --i) {
      strides[i] = stride;
      stride *= d[i];
    }
    strides[0] = stride;
    return strides;
  };
  std::vector<int> xd = dims(c.batch(), c.in_channels(), inSizeField);
  std::vector<int> yd = dims(c.batch(), c.out_channels(), c.out_size());
  std::vector<int> wd;
  if (c.transposed())
    wd = dims(c.in_channels(), c.out_channels() / c.group(), c.kernel());
  else
    wd = dims(c.out_channels(), c.in_channels() / c.group(), c.kernel());
  std::vector<int> pad(nd - spatial, 0), stride(nd - spatial, 1),
      dil(nd - spatial, 1);
  for (int i = 0; i < spatial; ++i) {
    pad.push_back(p.prePad ? 0 : int(c.pad_begin(i)));
    stride.push_back(int(c.stride(i)));
    dil.push_back(int(c.dilation(i)));
  }
  cudnnStatus_t st;
  auto fail = [&](const char *what) {
    return makeStatus(INGOT_INTERNAL, std::string("cuDNN ") + what + ": " +
                                          api->cudnnGetErrorString(st));
  };
  std::vector<int> xs = activationStrides(xd), ys = activationStrides(yd);
  cudnnTensorFormat_t filterFormat =
      c.channels_last() ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  // int8 activations as cuDNN's documented NHWC format (4-d); the others
  // as N, C, spatial dims with their strides.
  auto activation = [&](cudnnTensorDescriptor_t d, cudnnDataType_t type,
                        const std::vector<int> &dims,
                        const std::vector<int> &strides) {
    if (integer && dims.size() == 4)
      return api->cudnnSetTensor4dDescriptor(
          d, CUDNN_TENSOR_NHWC, type, dims[0], dims[1], dims[2], dims[3]);
    return api->cudnnSetTensorNdDescriptor(d, type, int(dims.size()),
                                           dims.data(), strides.data());
  };
  if ((st = api->cudnnCreateTensorDescriptor(&p.x)) ||
      (st = activation(p.x, data, xd, xs)) ||
      (st = api->cudnnCreateTensorDescriptor(&p.y)) ||
      (st = activation(p.y, outData, yd, ys)) ||
      (st = api->cudnnCreateFilterDescriptor(&p.w)) ||
      (st = api->cudnnSetFilterNdDescriptor(p.w, data, filterFormat,
                                            int(wd.size()), wd.data())) ||
      (st = api->cudnnCreateConvolutionDescriptor(&p.conv)) ||
      (st = api->cudnnSetConvolutionNdDescriptor(
           p.conv, nd, pad.data(), stride.data(), dil.data(),
           CUDNN_CROSS_CORRELATION, accumulate)) ||
      (st = api->cudnnSetConvolutionGroupCount(p.conv, int(c.group()))) ||
      (st = api->cudnnSetConvolutionMathType(p.conv, math)))
    return fail("descriptors");
  if (c.bias()) {
    std::vector<int> bd(yd.size(), 1);
    bd[1] = yd[1];
    std::vector<int> bs = packed(bd);
    if ((st = api->cudnnCreateTensorDescriptor(&p.bias)) ||
        (st = api->cudnnSetTensorNdDescriptor(p.bias, data, int(bd.size()),
                                              bd.data(), bs.data())))
      return fail("bias descriptor");
  }
  if (c.relu()) {
    if ((st = api->cudnnCreateActivationDescriptor(&p.relu)) ||
        (st = api->cudnnSetActivationDescriptor(p.relu, CUDNN_ACTIVATION_RELU,
                                                CUDNN_PROPAGATE_NAN, 0.0)))
      return fail("activation descriptor");
    p.fused = c.bias(); // cuDNN's fused call needs a bias
  }
  int found = 0;
  if (!c.transposed()) {
    cudnnConvolutionFwdAlgoPerf_t perf{};
    // cuDNN runs int8 NHWC convolutions with one algorithm only.
    if (integer)
      p.forward = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
    else if ((st = api->cudnnGetConvolutionForwardAlgorithm_v7(
                  s.dnn, p.x, p.w, p.conv, p.y, 1, &found, &perf)) ||
             !found)
      return fail("forward algorithm");
    else
      p.forward = perf.algo;
    if ((st = api->cudnnGetConvolutionForwardWorkspaceSize(
             s.dnn, p.x, p.w, p.conv, p.y, p.forward, &p.workspace)))
      return fail("workspace size");
  } else {
    // Transposed convolution is the data gradient of a convolution from y to x.
    cudnnConvolutionBwdDataAlgoPerf_t perf{};
    if ((st = api->cudnnGetConvolutionBackwardDataAlgorithm_v7(
             s.dnn, p.w, p.x, p.conv, p.y, 1, &found, &perf)) ||
        !found)
      return fail("backward-data algorithm");
    p.backward = perf.algo;
    if ((st = api->cudnnGetConvolutionBackwardDataWorkspaceSize(
             s.dnn, p.w, p.x, p.conv, p.y, p.backward, &p.workspace)))
      return fail("workspace size");
  }
  return nullptr;
}

/// The device pointers of `step`'s buffers, in order, into `args`.
static void stepPointers(const ModelData &m, const DeviceSession &s,
                         const art::Step &step,
                         const std::vector<CUdeviceptr> &inputs,
                         const std::vector<CUdeviceptr> &outputs,
                         std::vector<CUdeviceptr> &args) {
  args.clear();
  for (uint32_t id : step.buffers()) {
    const art::Buffer &b = m.manifest.buffers().Get(id);
    switch (b.kind()) {
    case art::Buffer::ARENA:
      args.push_back(
          s.arena + (s.arenaOffsets.empty() ? b.offset() : s.arenaOffsets[id]));
      break;
    case art::Buffer::WEIGHT:
      args.push_back(s.model->weights + b.offset());
      break;
    case art::Buffer::INPUT:
      args.push_back(inputs[b.index()]);
      break;
    default:
      args.push_back(outputs[b.index()]);
    }
  }
}

/// The GEMM step with `algo`: buffers A, B, C (output), then bias and z.
static cublasStatus_t runGemm(const Api *api, DeviceSession &s,
                              const art::GemmCall &call, const GemmPlan &g,
                              const std::vector<CUdeviceptr> &args,
                              const cublasLtMatmulAlgo_t &algo) {
  // A residual is cuBLASLt's C (beta = 1), written to D = the output.
  // int8 GEMMs scale in int32 (alpha 1, no residual: validated).
  float alpha = call.alpha(), beta = call.residual() ? 1.0f : 0.0f;
  int32_t integerAlpha = 1, integerBeta = 0;
  const void *alphaPointer =
      g.integer ? static_cast<const void *>(&integerAlpha) : &alpha;
  const void *betaPointer =
      g.integer ? static_cast<const void *>(&integerBeta) : &beta;
  // The epilogue kind is set once (planGemm); the bias pointer per call, as
  // the bias may be a model input the caller passes on the device.
  if (call.epilogue() != art::GemmCall::NONE) {
    const void *bias = reinterpret_cast<const void *>(args[3]);
    api->cublasLtMatmulDescSetAttribute(
        g.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias);
  }
  CUdeviceptr a = args[0] + call.offset_a() * g.operandBytes[0];
  CUdeviceptr b = args[1] + call.offset_b() * g.operandBytes[1];
  CUdeviceptr c = args[2] + call.offset_c() * g.operandBytes[2];
  CUdeviceptr z = call.residual() ? args[4] : c;
  // Swapped operands (see planGemm): A' = B, B' = A.
  return api->cublasLtMatmul(
      s.lt, g.desc, alphaPointer, reinterpret_cast<const void *>(b), g.a,
      reinterpret_cast<const void *>(a), g.b, betaPointer,
      reinterpret_cast<const void *>(z), g.c, reinterpret_cast<void *>(c), g.c,
      &algo, reinterpret_cast<void *>(s.workspace), s.workspaceBytes,
      reinterpret_cast<cudaStream_t>(s.stream));
}

/// The convolution step with its epilogue: X, W, Y, then bias and z.
static cudnnStatus_t runConv(const Api *api, DeviceSession &s,
                             const art::ConvCall &call, const ConvPlan &c,
                             const std::vector<CUdeviceptr> &args) {
  auto in = [&](size_t k) { return reinterpret_cast<const void *>(args[k]); };
  void *y = reinterpret_cast<void *>(args[2]);
  float one = 1.0f, zero = 0.0f;
  if (call.transposed())
    return api->cudnnConvolutionBackwardData(
        s.dnn, &one, c.w, in(1), c.x, in(0), c.conv, c.backward,
        reinterpret_cast<void *>(s.workspace), s.workspaceBytes, &zero, c.y, y);
  if (c.fused) {
    // y = relu(conv(x) + z + bias); without a residual, z is y scaled by 0.
    float zScale = call.residual() ? 1.0f : 0.0f;
    return api->cudnnConvolutionBiasActivationForward(
        s.dnn, &one, c.x, in(0), c.w, in(1), c.conv, c.forward,
        reinterpret_cast<void *>(s.workspace), s.workspaceBytes, &zScale, c.y,
        call.residual() ? in(4) : y, c.bias, in(3), c.relu, c.y, y);
  }
  cudnnStatus_t st = api->cudnnConvolutionForward(
      s.dnn, &one, c.x, in(0), c.w, in(1), c.conv, c.forward,
      reinterpret_cast<void *>(s.workspace), s.workspaceBytes, &zero, c.y, y);
  if (!st && call.bias())
    st = api->cudnnAddTensor(s.dnn, &one, c.bias, in(3), &one, c.y, y);
  if (!st && call.residual())
    st = api->cudnnAddTensor(s.dnn, &one, c.y, in(4), &one, c.y, y);
  if (!st && call.relu())
    st =
        api->cudnnActivationForward(s.dnn, c.relu, &one, c.y, y, &zero, c.y, y);
  return st;
}

/// cuBLASLt's heuristic ranks algorithms without running them. Each session
/// times the top candidates of every GEMM once, on its own buffers (their
/// contents do not matter for speed), and keeps the fastest: like TensorRT's
/// tactic selection, at session creation rather than per run.
/// INGOT_GEMM_TUNING=0 keeps the heuristic's first choice.
static ingot_status *tuneGemms(const ModelData &m, DeviceSession &s) {
  const char *env = std::getenv("INGOT_GEMM_TUNING");
  if (env && std::strcmp(env, "0") == 0)
    return nullptr;
  const Api *api = s.api;
  CUevent start = nullptr, stop = nullptr;
  CUresult r;
  if ((r = api->cuEventCreate(&start, CU_EVENT_DEFAULT)) != CUDA_SUCCESS ||
      (r = api->cuEventCreate(&stop, CU_EVENT_DEFAULT)) != CUDA_SUCCESS)
    return makeStatus(INGOT_INTERNAL,
                      "creating GEMM tuning events: " + cuError(api, r));
  const auto &steps = m.manifest.steps();
  ingot_status *status = nullptr;
  for (int i = 0; i < steps.size() && !status; ++i) {
    GemmPlan &g = s.gemms[i];
    if (steps.Get(i).kind() != art::Step::GEMM || g.candidates.size() < 2)
      continue;
    std::vector<CUdeviceptr> args;
    stepPointers(m, s, steps.Get(i), s.inputs, s.outputs, args);
    float best = 0;
    for (const cublasLtMatmulAlgo_t &algo : g.candidates) {
      const art::GemmCall &call = steps.Get(i).gemm();
      if (runGemm(api, s, call, g, args, algo)) // warm-up; skip if refused
        continue;
      api->cuEventRecord(start, s.stream);
      bool ok = true;
      for (int k = 0; k < 5 && ok; ++k)
        ok = runGemm(api, s, call, g, args, algo) == CUBLAS_STATUS_SUCCESS;
      api->cuEventRecord(stop, s.stream);
      float ms = 0;
      if ((r = api->cuEventSynchronize(stop)) != CUDA_SUCCESS) {
        status = makeStatus(INGOT_INTERNAL, "step " + std::to_string(i) +
                                                ": timing a GEMM algorithm: " +
                                                cuError(api, r));
        break;
      }
      api->cuEventElapsedTime(&ms, start, stop);
      if (ok && (best == 0 || ms < best)) {
        best = ms;
        g.algo = algo;
      }
    }
  }
  api->cuEventDestroy(start);
  api->cuEventDestroy(stop);
  return status;
}

ingot_status *
createSession(const ModelData &m, bool useCudaGraph,
              std::unique_ptr<DeviceSession, void (*)(DeviceSession *)> &out) {
  auto s = std::unique_ptr<DeviceSession, void (*)(DeviceSession *)>(
      new DeviceSession, [](DeviceSession *p) { delete p; });
  s->model = std::static_pointer_cast<DeviceModel>(m.cuda);
  s->api = s->model->api;
  const Api *api = s->api;
  s->useGraph = useCudaGraph;
  if (const char *forced = std::getenv("INGOT_FORCE_VARIANT"))
    s->forcedVariant = forced;
  api->cuCtxSetCurrent(s->model->context);
  CUresult r;
  auto fail = [&](const std::string &what) {
    return makeStatus(INGOT_INTERNAL, what + ": " + cuError(api, r));
  };
  if ((r = api->cuStreamCreate(&s->stream, CU_STREAM_NON_BLOCKING)) !=
      CUDA_SUCCESS)
    return fail("cuStreamCreate");
  // A range of shapes: the arena is allocated when the first call's shape
  // is known (run).
  if (m.manifest.dims_size() == 0 && m.manifest.arena_bytes() &&
      (r = api->cuMemAlloc(&s->arena, m.manifest.arena_bytes())) !=
          CUDA_SUCCESS)
    return fail("allocating the " + std::to_string(m.manifest.arena_bytes()) +
                "-byte arena");
  for (const ingot_tensor_info &t : m.inputs) {
    CUdeviceptr p = 0;
    if (t.size_bytes && (r = api->cuMemAlloc(&p, t.size_bytes)) != CUDA_SUCCESS)
      return fail("allocating an input");
    s->inputs.push_back(p);
  }
  for (const ingot_tensor_info &t : m.outputs) {
    CUdeviceptr p = 0;
    if (t.size_bytes && (r = api->cuMemAlloc(&p, t.size_bytes)) != CUDA_SUCCESS)
      return fail("allocating an output");
    s->outputs.push_back(p);
  }
  if (api->cublasLtCreate(&s->lt) || api->cudnnCreate(&s->dnn))
    return makeStatus(INGOT_INTERNAL, "cannot create cuBLASLt/cuDNN handles");
  api->cudnnSetStream(s->dnn, reinterpret_cast<cudaStream_t>(s->stream));
  s->workspaceBytes = size_t(32) << 20;
  const auto &steps = m.manifest.steps();
  s->gemms.resize(steps.size());
  s->convs.resize(steps.size());
  size_t convWorkspace = 0;
  for (int i = 0; i < steps.size(); ++i) {
    ingot_status *st = nullptr;
    // A GEMM whose sizes vary is planned for each shape as it comes.
    if (steps.Get(i).kind() == art::Step::GEMM &&
        steps.Get(i).gemm().symbolic().empty())
      st = planGemm(api, *s, steps.Get(i), steps.Get(i).gemm(), s->gemms[i],
                    m.manifest.allow_tf32());
    else if (steps.Get(i).kind() == art::Step::CONV &&
             steps.Get(i).conv().symbolic().empty()) {
      st = planConv(api, *s, steps.Get(i), steps.Get(i).conv(), s->convs[i],
                    m.manifest.allow_tf32());
      convWorkspace = std::max(convWorkspace, s->convs[i].workspace);
    }
    if (st) {
      st->message = "step " + std::to_string(i) + " (" + steps.Get(i).name() +
                    "): " + st->message;
      return st;
    }
  }
  s->workspaceBytes = std::max(s->workspaceBytes, convWorkspace);
  if ((r = api->cuMemAlloc(&s->workspace, s->workspaceBytes)) != CUDA_SUCCESS)
    return fail("allocating the library workspace");
  // cuDNN documents no query for which algorithms its fused convolution +
  // bias + ReLU supports: run each once on the session's own (uninitialised)
  // buffers and fall back to separate calls where it declines.
  // An artifact for a range of shapes has no arena yet (it is allocated
  // for the first call's shape): its static convolutions take the separate
  // calls and its static GEMMs cuBLASLt's first choice, untried.
  bool symbolic = m.manifest.dims_size() > 0;
  for (int i = 0; i < steps.size(); ++i) {
    ConvPlan &c = s->convs[i];
    if (symbolic)
      c.fused = false;
    if (steps.Get(i).kind() != art::Step::CONV || !c.fused)
      continue;
    std::vector<CUdeviceptr> args;
    stepPointers(m, *s, steps.Get(i), s->inputs, s->outputs, args);
    if (c.prePad)
      args[0] = c.padded;
    if (runConv(api, *s, steps.Get(i).conv(), c, args) != CUDNN_STATUS_SUCCESS)
      c.fused = false;
  }
  if ((r = api->cuStreamSynchronize(s->stream)) != CUDA_SUCCESS)
    return fail("trying cuDNN's fused convolutions");
  if (!symbolic)
    if (ingot_status *st = tuneGemms(m, *s))
      return st;
  out = std::move(s);
  return nullptr;
}

/// Enqueues every step on the session's stream; with `events`, records
/// events[i] before step i and the last one after all steps.
static ingot_status *enqueue(const ModelData &m, DeviceSession &s,
                             const std::vector<CUdeviceptr> &inputs,
                             const std::vector<CUdeviceptr> &outputs,
                             const std::vector<CUevent> *events = nullptr) {
  const Api *api = s.api;
  const auto &buffers = m.manifest.buffers();
  const auto &steps = m.manifest.steps();
  bool symbolic = m.manifest.dims_size() > 0;
  std::vector<CUdeviceptr> args;
  std::vector<void *> params;
  DeviceSession::ShapePlans *shapePlans = nullptr;
  if (symbolic) {
    auto it = s.shapePlans.find(s.dims);
    if (it == s.shapePlans.end()) {
      // (A full cache was emptied by run() before this call.)
      DeviceSession::ShapePlans fresh;
      fresh.gemms.resize(steps.size());
      fresh.convs.resize(steps.size());
      it = s.shapePlans.emplace(s.dims, std::move(fresh)).first;
    }
    shapePlans = &it->second;
  }
  for (int i = 0; i < steps.size(); ++i) {
    const art::Step &step = steps.Get(i);
    auto where = [&] {
      return "step " + std::to_string(i) + " (" + step.kernel() + ", " +
             step.name() + "): ";
    };
    stepPointers(m, s, step, inputs, outputs, args);
    if (events)
      api->cuEventRecord((*events)[i], s.stream);
    switch (step.kind()) {
    case art::Step::KERNEL: {
      params.clear();
      for (CUdeviceptr &a : args)
        params.push_back(&a);
      // (The launch copies the parameters: one struct serves every step.)
      DeviceSession::KernelDims dims = s.kernelDims;
      if (symbolic) {
        dims.variant = s.variants[i];
        params.push_back(&dims);
      }
      CUresult r = api->cuLaunchKernel(
          s.model->functions[i], unsigned(launchGrid(step, s.dims)), 1, 1,
          unsigned(step.block_x()), 1, 1, 0, s.stream, params.data(), nullptr);
      if (r != CUDA_SUCCESS)
        return makeStatus(INGOT_INTERNAL,
                          where() + "kernel launch failed: " + cuError(api, r));
      break;
    }
    case art::Step::COPY: {
      const art::Buffer &to = buffers.Get(step.buffers(1));
      int64_t bytes = int64_t(to.size());
      if (to.has_bytes())
        evaluateSize(to.bytes(), s.dims, bytes); // validated when loaded
      CUresult r =
          api->cuMemcpyDtoDAsync(args[1], args[0], size_t(bytes), s.stream);
      if (r != CUDA_SUCCESS)
        return makeStatus(INGOT_INTERNAL,
                          where() + "copy failed: " + cuError(api, r));
      break;
    }
    case art::Step::GEMM: {
      const GemmPlan *g = &s.gemms[i];
      art::GemmCall call = step.gemm();
      if (!call.symbolic().empty()) {
        if (!resolveGemm(step.gemm(), s.dims, call))
          return makeStatus(INGOT_INVALID_ARTIFACT,
                            where() + "a GEMM size program fails");
        GemmPlan &plan = shapePlans->gemms[i];
        if (!plan.desc)
          if (ingot_status *st =
                  planGemm(api, s, step, call, plan, m.manifest.allow_tf32())) {
            st->message = where() + st->message;
            return st;
          }
        g = &plan;
      }
      cublasStatus_t st = runGemm(api, s, call, *g, args, g->algo);
      if (st)
        return makeStatus(INGOT_INTERNAL, where() + "cuBLASLt matmul failed: " +
                                              api->cublasLtGetStatusString(st));
      break;
    }
    case art::Step::CONV: {
      const ConvPlan *plan = &s.convs[i];
      art::ConvCall conv = step.conv();
      if (!conv.symbolic().empty()) {
        if (!resolveConv(step.conv(), s.dims, conv))
          return makeStatus(INGOT_INVALID_ARTIFACT,
                            where() + "a convolution size program fails");
        ConvPlan &p = shapePlans->convs[i];
        if (!p.conv) {
          if (ingot_status *st =
                  planConv(api, s, step, conv, p, m.manifest.allow_tf32())) {
            st->message = where() + st->message;
            return st;
          }
          // The fused epilogue is tried once per session for static
          // convolutions; a shape's plan takes the separate calls.
          p.fused = false;
          if (p.workspace > s.workspaceBytes) {
            api->cuStreamSynchronize(s.stream);
            s.dropGraphs();
            api->cuMemFree(s.workspace);
            s.workspace = 0;
            CUresult r = api->cuMemAlloc(&s.workspace, p.workspace);
            if (r != CUDA_SUCCESS)
              return makeStatus(INGOT_INTERNAL,
                                where() + "growing the library workspace: " +
                                    cuError(api, r));
            s.workspaceBytes = p.workspace;
          }
        }
        plan = &p;
      }
      const ConvPlan &c = *plan;
      if (c.prePad) {
        CUDA_MEMCPY3D copy = c.copy;
        copy.srcDevice = args[0];
        CUresult r = api->cuMemcpy3DAsync(&copy, s.stream);
        if (r != CUDA_SUCCESS)
          return makeStatus(INGOT_INTERNAL,
                            where() +
                                "padding the input failed: " + cuError(api, r));
        args[0] = c.padded;
      }
      cudnnStatus_t st = runConv(api, s, conv, c, args);
      if (st)
        return makeStatus(INGOT_INTERNAL, where() +
                                              "cuDNN convolution failed: " +
                                              api->cudnnGetErrorString(st));
      break;
    }
    default:
      return makeStatus(INGOT_INVALID_ARTIFACT, where() + "unknown step kind");
    }
  }
  if (events)
    api->cuEventRecord(events->back(), s.stream);
  return nullptr;
}

/// Runs the steps once between events and adds each step's GPU time.
static ingot_status *profileSteps(const ModelData &m, DeviceSession &s,
                                  const std::vector<CUdeviceptr> &inputs,
                                  const std::vector<CUdeviceptr> &outputs,
                                  std::vector<double> &stepSeconds) {
  const Api *api = s.api;
  size_t n = m.manifest.steps_size();
  CUresult r;
  while (s.stepEvents.size() < n + 1) {
    CUevent e = nullptr;
    if ((r = api->cuEventCreate(&e, CU_EVENT_DEFAULT)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL,
                        "creating a profiling event: " + cuError(api, r));
    s.stepEvents.push_back(e);
  }
  if (ingot_status *st = enqueue(m, s, inputs, outputs, &s.stepEvents))
    return st;
  if ((r = api->cuEventSynchronize(s.stepEvents.back())) != CUDA_SUCCESS)
    return makeStatus(INGOT_INTERNAL,
                      "running the model on the GPU: " + cuError(api, r));
  for (size_t i = 0; i < n && i < stepSeconds.size(); ++i) {
    float ms = 0;
    api->cuEventElapsedTime(&ms, s.stepEvents[i], s.stepEvents[i + 1]);
    stepSeconds[i] += ms * 1e-3;
  }
  return nullptr;
}

ingot_status *
run(const ModelData &m, DeviceSession &s, const std::vector<const void *> &in,
    const std::vector<bool> &inOnDevice, const std::vector<void *> &out,
    const std::vector<bool> &outOnDevice, std::vector<double> *stepSeconds,
    const std::vector<int64_t> *dims, const std::vector<uint64_t> *arenaOffsets,
    uint64_t arenaBytes) {
  const Api *api = s.api;
  api->cuCtxSetCurrent(s.model->context);
  CUresult r;
  // A range of shapes: the dims the session bound, and the bytes the
  // inputs and outputs have at them.
  std::vector<size_t> inBytes, outBytes;
  for (const ingot_tensor_info &t : m.inputs)
    inBytes.push_back(t.size_bytes);
  for (const ingot_tensor_info &t : m.outputs)
    outBytes.push_back(t.size_bytes);
  if (arenaOffsets) {
    s.arenaOffsets = *arenaOffsets;
    if (arenaBytes > s.arenaCapacity) {
      api->cuStreamSynchronize(s.stream);
      s.dropGraphs();
      if (s.arena)
        api->cuMemFree(s.arena);
      s.arena = 0;
      s.arenaCapacity = 0;
      if ((r = api->cuMemAlloc(&s.arena, arenaBytes)) != CUDA_SUCCESS)
        return makeStatus(INGOT_INTERNAL,
                          "allocating the " + std::to_string(arenaBytes) +
                              "-byte arena: " + cuError(api, r));
      s.arenaCapacity = arenaBytes;
    }
  }
  if (dims) {
    s.dims = *dims;
    if (dims->size() > 16)
      return makeStatus(INGOT_UNSUPPORTED,
                        "more than 16 symbolic dims on the GPU");
    std::copy(dims->begin(), dims->end(), s.kernelDims.v);
    for (size_t i = 0; i < inBytes.size(); ++i) {
      uint64_t bytes = 0;
      tensorBytes(m.manifest.inputs(int(i)), bytes, dims);
      inBytes[i] = bytes;
    }
    for (size_t i = 0; i < outBytes.size(); ++i) {
      uint64_t bytes = 0;
      tensorBytes(m.manifest.outputs(int(i)), bytes, dims);
      outBytes[i] = bytes;
    }
  }
  std::vector<CUdeviceptr> inputs(in.size()), outputs(out.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (inOnDevice[i]) {
      inputs[i] = reinterpret_cast<CUdeviceptr>(in[i]);
      continue;
    }
    inputs[i] = s.inputs[i];
    if (inBytes[i] && (r = api->cuMemcpyHtoDAsync(inputs[i], in[i], inBytes[i],
                                                  s.stream)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL, "copying input " + std::to_string(i) +
                                            ": " + cuError(api, r));
  }
  for (size_t i = 0; i < out.size(); ++i)
    outputs[i] =
        outOnDevice[i] ? reinterpret_cast<CUdeviceptr>(out[i]) : s.outputs[i];

  // Each kernel's version for these dims and pointers (the graph of a
  // shape is re-captured when the pointers change, so it bakes in the
  // versions it was captured with).
  s.variants.assign(m.manifest.steps_size(), -1);
  std::vector<CUdeviceptr> args;
  std::vector<uint64_t> addresses;
  for (int i = 0; i < m.manifest.steps_size(); ++i) {
    const art::Step &step = m.manifest.steps(i);
    if (!step.variants_size())
      continue;
    stepPointers(m, s, step, inputs, outputs, args);
    addresses.assign(args.begin(), args.end());
    s.variants[i] = chooseVariant(step, s.dims, addresses, s.forcedVariant);
  }
  // The graph bakes in the input/output pointers: re-capture if they change.
  std::vector<CUdeviceptr> pointers(inputs);
  pointers.insert(pointers.end(), outputs.begin(), outputs.end());
  // A new shape when the plan cache is full: plans and graphs of the other
  // shapes go (here, before any reference into them is taken), and this
  // shape's first run plans its calls uncaptured.
  bool symbolic = m.manifest.dims_size() > 0;
  if (symbolic && !s.shapePlans.count(s.dims) &&
      s.shapePlans.size() >= kShapePlans) {
    api->cuStreamSynchronize(s.stream);
    s.dropGraphs();
    s.graphs.clear();
    for (auto &[dims, plans] : s.shapePlans) {
      for (GemmPlan &g : plans.gemms)
        destroyGemmPlan(api, g);
      for (ConvPlan &c : plans.convs)
        destroyConvPlan(api, c);
    }
    s.shapePlans.clear();
  }
  if (!s.graphs.count(s.dims) && s.graphs.size() >= kShapePlans) {
    s.dropGraphs();
    s.graphs.clear();
  }
  DeviceSession::ShapeGraph &shape = s.graphs[s.dims];
  // Capture only once this shape's library calls are planned (planning
  // may allocate, which a capture must not).
  bool planned = !symbolic || s.shapePlans.count(s.dims);
  if (shape.graph && pointers != shape.pointers) {
    api->cuGraphExecDestroy(shape.graph);
    shape.graph = nullptr;
  }
  ingot_status *st = nullptr;
  if (stepSeconds) {
    if ((st = profileSteps(m, s, inputs, outputs, *stepSeconds)))
      return st;
  } else if (shape.graph) {
    if ((r = api->cuGraphLaunch(shape.graph, s.stream)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL,
                        "replaying the CUDA graph: " + cuError(api, r));
  } else if (s.useGraph && shape.runs > 0 && planned) {
    CUgraph graph = nullptr;
    if ((r = api->cuStreamBeginCapture(
             s.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL,
                        "starting CUDA graph capture: " + cuError(api, r));
    st = enqueue(m, s, inputs, outputs);
    CUresult end = api->cuStreamEndCapture(s.stream, &graph);
    if (st)
      return st;
    if (end != CUDA_SUCCESS ||
        (r = api->cuGraphInstantiate(&shape.graph, graph, 0)) != CUDA_SUCCESS) {
      if (graph)
        api->cuGraphDestroy(graph);
      return makeStatus(INGOT_INTERNAL,
                        "capturing the CUDA graph: " +
                            cuError(api, end != CUDA_SUCCESS ? end : r));
    }
    api->cuGraphDestroy(graph);
    shape.pointers = pointers;
    if ((r = api->cuGraphLaunch(shape.graph, s.stream)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL,
                        "launching the CUDA graph: " + cuError(api, r));
  } else if ((st = enqueue(m, s, inputs, outputs))) {
    return st;
  }
  ++shape.runs;
  for (size_t i = 0; i < out.size(); ++i)
    if (!outOnDevice[i] && outBytes[i] &&
        (r = api->cuMemcpyDtoHAsync(out[i], outputs[i], outBytes[i],
                                    s.stream)) != CUDA_SUCCESS)
      return makeStatus(INGOT_INTERNAL, "copying output " + std::to_string(i) +
                                            ": " + cuError(api, r));
  if ((r = api->cuStreamSynchronize(s.stream)) != CUDA_SUCCESS)
    return makeStatus(INGOT_INTERNAL,
                      "running the model on the GPU: " + cuError(api, r));
  ++s.runs;
  return nullptr;
}

const std::vector<int> &stepVariants(const DeviceSession &s) {
  return s.variants;
}

} // namespace ingot::runtime::cuda
