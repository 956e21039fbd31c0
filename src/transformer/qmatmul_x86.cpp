// qmatmul_x86.cpp: the AVX2 + FMA and AVX-512 VNNI kernels of qmatmul (qmatmul.h), compiled
// with GCC target pragmas so that the default build needs no -march flags; qmatmul.cpp calls
// them only when the CPU has the features (__builtin_cpu_supports). The kernels themselves are
// in qmatmul_x86_internal.h, included once per target.
#include <cstddef>
#include <cstdint>

#include "transformer/qmatmul_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

// GCC takes target pragmas; clang (the fuzz build) takes the same targets as an attribute on
// every function of the region.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace ruvllm::qmm::avx2 {
#define QMM_VNNI 0
#include "transformer/qmatmul_x86_internal.h"
#undef QMM_VNNI
}  // namespace ruvllm::qmm::avx2

#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push( \
    __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512vnni"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512vl,avx512bw,avx512vnni")
#endif

namespace ruvllm::qmm::avx512_vnni {
#define QMM_VNNI 1
#include "transformer/qmatmul_x86_internal.h"
#undef QMM_VNNI
}  // namespace ruvllm::qmm::avx512_vnni

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace ruvllm::qmm::detail {

const Kernels* avx2_kernels() {
    static const Kernels k{avx2::quantize_row, avx2::int8_rows, avx2::float_rows};
    return &k;
}

const Kernels* avx512_vnni_kernels() {
    static const Kernels k{
        avx512_vnni::quantize_row, avx512_vnni::int8_rows, avx512_vnni::float_rows};
    return &k;
}

}  // namespace ruvllm::qmm::detail

#else

namespace ruvllm::qmm::detail {

const Kernels* avx2_kernels() {
    return nullptr;
}

const Kernels* avx512_vnni_kernels() {
    return nullptr;
}

}  // namespace ruvllm::qmm::detail

#endif
