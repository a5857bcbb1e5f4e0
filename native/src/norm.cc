// Batch-norm over [rows, channels], channels-last. Sums are double, as in the reference, taken per fixed
// block of rows and combined in block order (parallel.h), so the bits do not depend on the thread count.
#include <algorithm>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace {
constexpr size_t kRowBlock = 256;

MULTIVERSION void col_sums(const float* x, const float* dy, const float* mean, const float* invStd, double* s,
                           double* q, size_t lo, size_t hi, size_t C) {
  for (size_t r = lo; r < hi; r++) {  // Σ dy and Σ dy·x̂
    const float* row = x + r * C;
    const float* g = dy + r * C;
    for (size_t c = 0; c < C; c++) {
      double d = g[c];
      s[c] += d;
      q[c] += d * (((double)row[c] - mean[c]) * invStd[c]);
    }
  }
}

// Runs col_sums over row blocks in parallel and adds the partials in block order into s and q.
void blocked_col_sums(const float* x, const float* dy, const float* mean, const float* invStd, double* s, double* q,
                      size_t rows, size_t C) {
  const size_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  std::vector<double> part(blocks * 2 * C, 0.0);
  parallel_blocks(rows * C, kRowBlock * C, [&](size_t b, size_t, size_t) {
    double* ps = part.data() + b * 2 * C;
    size_t lo = b * kRowBlock, hi = std::min(rows, lo + kRowBlock);
    col_sums(x, dy, mean, invStd, ps, ps + C, lo, hi, C);
  });
  for (size_t b = 0; b < blocks; b++)
    for (size_t c = 0; c < C; c++) {
      s[c] += part[b * 2 * C + c];
      q[c] += part[b * 2 * C + C + c];
    }
}

// One block's per-channel mean m and sum of squared deviations from it q: summed, then centred while the block is
// still in cache, so memory is read once.
MULTIVERSION void block_moments(const float* x, double* m, double* q, size_t lo, size_t hi, size_t C) {
  for (size_t r = lo; r < hi; r++)
    for (size_t c = 0; c < C; c++) m[c] += x[r * C + c];
  const double inv = 1.0 / (double)(hi - lo);
  for (size_t c = 0; c < C; c++) m[c] *= inv;
  for (size_t r = lo; r < hi; r++)
    for (size_t c = 0; c < C; c++) {
      double d = x[r * C + c] - m[c];
      q[c] += d * d;
    }
}

MULTIVERSION void apply_rows(const float* x, float* y, const float* mean, const float* invStd, const float* gamma,
                             const float* beta, size_t lo, size_t hi, size_t C) {
  for (size_t r = lo; r < hi; r++)
    for (size_t c = 0; c < C; c++) {
      size_t i = r * C + c;
      y[i] = (float)(((double)x[i] - mean[c]) * invStd[c] * gamma[c] + beta[c]);
    }
}

// apply_rows over one row's channels [0, C): the same arithmetic, value for value.
MULTIVERSION void apply_channels(const float* x, float* y, const float* mean, const float* invStd, const float* gamma,
                                 const float* beta, size_t C) {
  for (size_t c = 0; c < C; c++) y[c] = (float)(((double)x[c] - mean[c]) * invStd[c] * gamma[c] + beta[c]);
}

MULTIVERSION void backward_rows(const float* x, const float* dy, const float* mean, const float* invStd, float* dx,
                                const double* k, const double* sumDy, const double* sumDyXhat, double N, size_t lo,
                                size_t hi, size_t C) {
  for (size_t r = lo; r < hi; r++)
    for (size_t c = 0; c < C; c++) {
      size_t i = r * C + c;
      double xhat = ((double)x[i] - mean[c]) * invStd[c];
      dx[i] = (float)(k[c] * (N * dy[i] - sumDy[c] - xhat * sumDyXhat[c]));
    }
}
}  // namespace

void bn_stats(const float* x, float* mean, float* var, size_t rows, size_t C) {
  // each block's mean and M2 in one read of memory, merged in block order by Chan's pairwise update
  const size_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  std::vector<double> part(blocks * 2 * C, 0.0);
  parallel_blocks(rows * C, kRowBlock * C, [&](size_t b, size_t, size_t) {
    double* pm = part.data() + b * 2 * C;
    size_t lo = b * kRowBlock, hi = std::min(rows, lo + kRowBlock);
    block_moments(x, pm, pm + C, lo, hi, C);
  });
  std::vector<double> m(C, 0.0), q(C, 0.0);
  double n = 0;
  for (size_t b = 0; b < blocks; b++) {
    const double nb = (double)(std::min(rows, (b + 1) * kRowBlock) - b * kRowBlock), total = n + nb;
    const double* pm = part.data() + b * 2 * C;
    for (size_t c = 0; c < C; c++) {
      const double delta = pm[c] - m[c];
      m[c] += delta * nb / total;
      q[c] += pm[C + c] + delta * delta * n * nb / total;
    }
    n = total;
  }
  for (size_t c = 0; c < C; c++) {
    mean[c] = (float)m[c];
    var[c] = (float)(q[c] / (double)rows);
  }
}

void bn_apply(const float* x, float* y, const float* mean, const float* invStd, const float* gamma, const float* beta,
              size_t rows, size_t C) {
  parallel_blocks(rows * C, kRowBlock * C, [&](size_t b, size_t, size_t) {
    apply_rows(x, y, mean, invStd, gamma, beta, b * kRowBlock, std::min(rows, (b + 1) * kRowBlock), C);
  });
}

void bn_apply_span(const float* x, float* y, size_t len, size_t c0, const BnConsts& b) {
  const size_t C = b.C;
  const float *mean = b.norm, *invStd = mean + C, *gamma = invStd + C, *beta = gamma + C;
  // the rest of the first row, then whole rows as apply_rows runs them (vectorised over channels), then the last part
  const size_t head = std::min(len, (C - c0) % C);
  apply_channels(x, y, mean + c0, invStd + c0, gamma + c0, beta + c0, head);
  size_t i = head;
  for (; i + C <= len; i += C) apply_channels(x + i, y + i, mean, invStd, gamma, beta, C);
  apply_channels(x + i, y + i, mean, invStd, gamma, beta, len - i);
}

void bn_backward(const float* x, const float* dy, const float* mean, const float* invStd, const float* gamma, float* dx,
                 float* dgamma, float* dbeta, size_t rows, size_t C, bool acc) {
  std::vector<double> sumDy(C, 0.0), sumDyXhat(C, 0.0);
  blocked_col_sums(x, dy, mean, invStd, sumDy.data(), sumDyXhat.data(), rows, C);
  const double N = (double)rows;
  std::vector<double> k(C);
  for (size_t c = 0; c < C; c++) k[c] = ((double)gamma[c] * invStd[c]) / N;
  parallel_blocks(rows * C, kRowBlock * C, [&](size_t b, size_t, size_t) {
    backward_rows(x, dy, mean, invStd, dx, k.data(), sumDy.data(), sumDyXhat.data(), N, b * kRowBlock,
                  std::min(rows, (b + 1) * kRowBlock), C);
  });
  for (size_t c = 0; c < C; c++) {
    dgamma[c] = acc ? (float)(dgamma[c] + sumDyXhat[c]) : (float)sumDyXhat[c];
    dbeta[c] = acc ? (float)(dbeta[c] + sumDy[c]) : (float)sumDy[c];
  }
}
