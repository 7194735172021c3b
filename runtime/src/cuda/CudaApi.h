//===- CudaApi.h - CUDA driver, cuBLASLt and cuDNN, loaded at run time ----===//
//
// The runtime links none of the CUDA libraries: they are opened with dlopen
// the first time a CUDA artifact is loaded, so a runtime built with CUDA
// support still starts, and runs CPU artifacts, on machines without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_CUDA_CUDAAPI_H
#define INGOT_RUNTIME_CUDA_CUDAAPI_H

#include <cublasLt.h>
#include <cuda.h>
#include <cudnn.h>

#include <string>

namespace ingot::runtime::cuda {

#define INGOT_CU_FUNCTIONS(X)                                                  \
  X(cuInit, "cuInit")                                                          \
  X(cuDeviceGetCount, "cuDeviceGetCount")                                      \
  X(cuDeviceGet, "cuDeviceGet")                                                \
  X(cuDeviceGetName, "cuDeviceGetName")                                        \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute")                              \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")                      \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2")                 \
  X(cuCtxSetCurrent, "cuCtxSetCurrent")                                        \
  X(cuModuleLoadData, "cuModuleLoadData")                                      \
  X(cuModuleUnload, "cuModuleUnload")                                          \
  X(cuModuleGetFunction, "cuModuleGetFunction")                                \
  X(cuModuleGetGlobal, "cuModuleGetGlobal_v2")                                 \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2")                                           \
  X(cuMemAlloc, "cuMemAlloc_v2")                                               \
  X(cuMemFree, "cuMemFree_v2")                                                 \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2")                                           \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2")                                 \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2")                                 \
  X(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2")                                 \
  X(cuMemcpy3DAsync, "cuMemcpy3DAsync_v2")                                     \
  X(cuMemsetD8, "cuMemsetD8_v2")                                               \
  X(cuStreamCreate, "cuStreamCreate")                                          \
  X(cuStreamDestroy, "cuStreamDestroy_v2")                                     \
  X(cuStreamSynchronize, "cuStreamSynchronize")                                \
  X(cuLaunchKernel, "cuLaunchKernel")                                          \
  X(cuStreamBeginCapture, "cuStreamBeginCapture_v2")                           \
  X(cuStreamEndCapture, "cuStreamEndCapture")                                  \
  X(cuGraphInstantiate, "cuGraphInstantiateWithFlags")                         \
  X(cuGraphLaunch, "cuGraphLaunch")                                            \
  X(cuGraphExecDestroy, "cuGraphExecDestroy")                                  \
  X(cuGraphDestroy, "cuGraphDestroy")                                          \
  X(cuEventCreate, "cuEventCreate")                                            \
  X(cuEventRecord, "cuEventRecord")                                            \
  X(cuEventSynchronize, "cuEventSynchronize")                                  \
  X(cuEventElapsedTime, "cuEventElapsedTime_v2")                               \
  X(cuEventDestroy, "cuEventDestroy_v2")                                       \
  X(cuGetErrorString, "cuGetErrorString")

#define INGOT_LT_FUNCTIONS(X)                                                  \
  X(cublasLtCreate, "cublasLtCreate")                                          \
  X(cublasLtDestroy, "cublasLtDestroy")                                        \
  X(cublasLtGetStatusString, "cublasLtGetStatusString")                        \
  X(cublasLtMatmulDescCreate, "cublasLtMatmulDescCreate")                      \
  X(cublasLtMatmulDescDestroy, "cublasLtMatmulDescDestroy")                    \
  X(cublasLtMatmulDescSetAttribute, "cublasLtMatmulDescSetAttribute")          \
  X(cublasLtMatrixLayoutCreate, "cublasLtMatrixLayoutCreate")                  \
  X(cublasLtMatrixLayoutDestroy, "cublasLtMatrixLayoutDestroy")                \
  X(cublasLtMatrixLayoutSetAttribute, "cublasLtMatrixLayoutSetAttribute")      \
  X(cublasLtMatmulPreferenceCreate, "cublasLtMatmulPreferenceCreate")          \
  X(cublasLtMatmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy")        \
  X(cublasLtMatmulPreferenceSetAttribute,                                      \
    "cublasLtMatmulPreferenceSetAttribute")                                    \
  X(cublasLtMatmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic")          \
  X(cublasLtMatmul, "cublasLtMatmul")

#define INGOT_DNN_FUNCTIONS(X)                                                 \
  X(cudnnCreate, "cudnnCreate")                                                \
  X(cudnnDestroy, "cudnnDestroy")                                              \
  X(cudnnSetStream, "cudnnSetStream")                                          \
  X(cudnnGetErrorString, "cudnnGetErrorString")                                \
  X(cudnnCreateTensorDescriptor, "cudnnCreateTensorDescriptor")                \
  X(cudnnSetTensorNdDescriptor, "cudnnSetTensorNdDescriptor")                  \
  X(cudnnSetTensor4dDescriptor, "cudnnSetTensor4dDescriptor")                  \
  X(cudnnDestroyTensorDescriptor, "cudnnDestroyTensorDescriptor")              \
  X(cudnnCreateFilterDescriptor, "cudnnCreateFilterDescriptor")                \
  X(cudnnSetFilterNdDescriptor, "cudnnSetFilterNdDescriptor")                  \
  X(cudnnDestroyFilterDescriptor, "cudnnDestroyFilterDescriptor")              \
  X(cudnnCreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor")      \
  X(cudnnSetConvolutionNdDescriptor, "cudnnSetConvolutionNdDescriptor")        \
  X(cudnnSetConvolutionGroupCount, "cudnnSetConvolutionGroupCount")            \
  X(cudnnSetConvolutionMathType, "cudnnSetConvolutionMathType")                \
  X(cudnnDestroyConvolutionDescriptor, "cudnnDestroyConvolutionDescriptor")    \
  X(cudnnGetConvolutionForwardAlgorithm_v7,                                    \
    "cudnnGetConvolutionForwardAlgorithm_v7")                                  \
  X(cudnnGetConvolutionForwardWorkspaceSize,                                   \
    "cudnnGetConvolutionForwardWorkspaceSize")                                 \
  X(cudnnConvolutionForward, "cudnnConvolutionForward")                        \
  X(cudnnGetConvolutionBackwardDataAlgorithm_v7,                               \
    "cudnnGetConvolutionBackwardDataAlgorithm_v7")                             \
  X(cudnnGetConvolutionBackwardDataWorkspaceSize,                              \
    "cudnnGetConvolutionBackwardDataWorkspaceSize")                            \
  X(cudnnConvolutionBackwardData, "cudnnConvolutionBackwardData")              \
  X(cudnnConvolutionBiasActivationForward,                                     \
    "cudnnConvolutionBiasActivationForward")                                   \
  X(cudnnAddTensor, "cudnnAddTensor")                                          \
  X(cudnnActivationForward, "cudnnActivationForward")                          \
  X(cudnnCreateActivationDescriptor, "cudnnCreateActivationDescriptor")        \
  X(cudnnSetActivationDescriptor, "cudnnSetActivationDescriptor")              \
  X(cudnnDestroyActivationDescriptor, "cudnnDestroyActivationDescriptor")

struct Api {
#define INGOT_DECLARE(name, symbol) decltype(&::name) name = nullptr;
  INGOT_CU_FUNCTIONS(INGOT_DECLARE)
  INGOT_LT_FUNCTIONS(INGOT_DECLARE)
  INGOT_DNN_FUNCTIONS(INGOT_DECLARE)
#undef INGOT_DECLARE
};

/// The loaded libraries, or null with `error` saying what is missing ("no
/// CUDA driver", "no CUDA device", "cannot load libcudnn.so.9", ...). Loads
/// once per process.
const Api *api(std::string &error);

} // namespace ingot::runtime::cuda

#endif
