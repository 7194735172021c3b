//===- IntegerKernelsVariant.cpp - conv_i8 built for another -march -------===//
//
// IntegerKernels.cpp under another name, so that one test binary holds the
// kernel compiled for this CPU (AVX2 where present) and for baseline x86-64
// (the portable loops) and can compare them.
//
//===----------------------------------------------------------------------===//
#define convInteger INGOT_CONV_INTEGER_NAME
#include "../src/IntegerKernels.cpp"
