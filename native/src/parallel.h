// Splits [0, n) into fixed blocks run on OpenMP's threads (count set by set_threads), handed out dynamically since
// on a shared machine one thread may be descheduled. Blocks are the same for any thread count, so reductions that
// combine per-block partial sums in block order give identical bits on 1 or 2 threads. Loop bodies live in
// MULTIVERSION functions called per block: GCC does not multi-version the outlined OpenMP body itself.
#pragma once
#include <algorithm>
#include <cstddef>

constexpr size_t kGrain = 16384;  // elements per block: 64 KB of floats, L2-resident
constexpr size_t kSerialBelow = 65536;

template <typename F>
void parallel_blocks(size_t n, size_t grain, F&& f) {
  const long blocks = (long)((n + grain - 1) / grain);
  if (n < kSerialBelow || blocks <= 1) {
    for (long b = 0; b < blocks; b++) f((size_t)b, (size_t)b * grain, std::min(n, (size_t)(b + 1) * grain));
    return;
  }
#pragma omp parallel for schedule(dynamic, 4)
  for (long b = 0; b < blocks; b++) f((size_t)b, (size_t)b * grain, std::min(n, (size_t)(b + 1) * grain));
}

// parallel_blocks for kernels whose unit of work is a whole row of `cols` elements: blocks of about kGrain
// elements' worth of rows, f(lo, hi) over rows [lo, hi).
template <typename F>
void parallel_rows(size_t rows, size_t cols, F&& f) {
  const size_t grain = std::max<size_t>(1, kGrain / std::max<size_t>(1, cols));
  const long blocks = (long)((rows + grain - 1) / grain);
  if (rows * cols < kSerialBelow || blocks <= 1) {
    if (rows > 0) f((size_t)0, rows);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (long b = 0; b < blocks; b++) f((size_t)b * grain, std::min(rows, (size_t)(b + 1) * grain));
}
