//===- PackedGemmVariant.cpp - the packed GEMM built for another -march ---===//
//
// PackedGemm.cpp compiled with this target's flags (its source property
// builds it for INGOT_RUNTIME_ARCH everywhere else), so that the AVX-512,
// AVX2 and baseline x86-64 forms of its kernel are each tested.
//
//===----------------------------------------------------------------------===//
#include "../src/PackedGemm.cpp"
