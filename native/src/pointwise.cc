// Neuron, time and elementwise kernels. Each mirrors the reference backend's arithmetic step by step (float32
// where the reference rounds to float32, double where it computes in double), so spikes are bit-identical.
// Work is split into fixed blocks of neurons (parallel.h); a neuron's whole time loop runs inside its block, so
// its membrane and rate accumulator stay in L1.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace {
constexpr size_t kLane = 1024;  // neurons whose membrane and rate live on the stack at once

// One time step over a lane: u = v + I (IF) or u = decay·v + gain·I (LIF), each product rounded to float32; fire
// at u ≥ level; soft reset. RATE: acc[i] += wt·spike; REP: accIn[i] += wr·I (double, the reference's timeReduce
// arithmetic), on the load the step makes anyway.
template <bool LEAKY, bool RATE, bool REP>
__attribute__((always_inline)) inline void neuron_step(const float* in, float* out, float* v, double* acc, double* accIn, size_t len, double wt,
                        double wr, float vth, float level, float decay, float gain, float magnitude) {
  for (size_t i = 0; i < len; i++) {
    const float x = in[i];
    float u;
    if (LEAKY) {
      float a = decay * v[i];
      float b = gain * x;
      u = a + b;
    } else {
      u = v[i] + x;
    }
    bool s = u >= level;
    v[i] = s ? u - vth : u;
    out[i] = s ? magnitude : 0.f;
    if (REP) accIn[i] += wr * x;
  }
  // a second pass over the lane's spikes (in L1): inside the loop above the select keeps GCC from vectorising
  if (RATE)
    for (size_t i = 0; i < len; i++) acc[i] += wt * out[i];
}

// neuron_step with its three flags picked at run time. Always inlined: out of line, it would be compiled for the
// baseline only, not in each MULTIVERSION caller's AVX2 / AVX-512 clone.
__attribute__((always_inline)) inline void neuron_step_any(bool leaky, const float* in, float* out, float* v, double* acc, double* accIn, size_t len,
                            double wt, double wr, float vth, float level, float decay, float gain, float magnitude) {
#define STEP(L, R, P) neuron_step<L, R, P>(in, out, v, acc, accIn, len, wt, wr, vth, level, decay, gain, magnitude)
  switch ((leaky ? 4 : 0) + (acc ? 2 : 0) + (accIn ? 1 : 0)) {
    case 0: STEP(false, false, false); break;
    case 1: STEP(false, false, true); break;
    case 2: STEP(false, true, false); break;
    case 3: STEP(false, true, true); break;
    case 4: STEP(true, false, false); break;
    case 5: STEP(true, false, true); break;
    case 6: STEP(true, true, false); break;
    default: STEP(true, true, true); break;
  }
#undef STEP
}

// With weights, rate[i] = Σ_t w[t]·spike (t ascending). `once`: the input is one step's current [n], read at every
// step; with repWeights, inputRep[i] = Σ_t repWeights[t]·input (the same order).
// With norm, each step's input over the lane is first normalised into `normed` (in L1), read by the step below.
MULTIVERSION void neuron_lane(const float* input, float* spikes, float* rate, const double* w, size_t lo, size_t hi,
                              int T, size_t n, float vth, float level, float decay, float gain, float magnitude,
                              bool leaky, float* mem, bool once, float* inputRep, const double* repWeights,
                              const BnConsts* norm) {
  float v[kLane];
  double acc[kLane];
  double accIn[kLane];
  float normed[kLane];
  const size_t len = hi - lo;
  for (size_t i = 0; i < len; i++) v[i] = mem ? mem[lo + i] : 0.f, acc[i] = 0.0, accIn[i] = 0.0;
  // a normalised input is read through `normed`, one step at a time (a once-given one normalised once)
  if (norm && once) bn_apply_span(input + lo, normed, len, lo % norm->C, *norm);
  for (int t = 0; t < T; t++) {
    const float* in = input + (once ? 0 : (size_t)t * n) + lo;
    if (norm && !once) bn_apply_span(in, normed, len, lo % norm->C, *norm);
    neuron_step_any(leaky, norm ? normed : in, spikes + (size_t)t * n + lo, v, rate ? acc : nullptr,
                    inputRep ? accIn : nullptr, len, rate ? w[t] : 0.0, inputRep ? repWeights[t] : 0.0, vth, level,
                    decay, gain, magnitude);
  }
  if (rate)
    for (size_t i = 0; i < len; i++) rate[lo + i] = (float)acc[i];
  if (inputRep)
    for (size_t i = 0; i < len; i++) inputRep[lo + i] = (float)accIn[i];
  if (mem)  // the state carried into the next time chunk
    for (size_t i = 0; i < len; i++) mem[lo + i] = v[i];
}

// neuron_lane's steps for the two image rows of one 2×2 pooling window row (one row for an odd last row), each step's
// spikes kept only in `s` and pooled from there as avgpool_forward pools (the window summed in double in the order
// (0,0), (0,1), (1,0), (1,1), times 0.25, rounded once). The two rows are contiguous: neurons [first, first + len).
// An odd last column steps like the rest and is left out of the pooling, as avgpool_forward leaves it out.
MULTIVERSION void neuron_pool_rows(const float* in, float* v, float* s, double* acc, double* accIn, size_t len,
                                   size_t L, bool pooled, float* dst, double wt, double wr, int C, int outW, float vth,
                                   float level, float decay, float gain, float magnitude, bool leaky) {
  neuron_step_any(leaky, in, s, v, acc, accIn, len, wt, wr, vth, level, decay, gain, magnitude);
  if (!pooled) return;
  for (int ow = 0; ow < outW; ow++) {
    const float* top = s + (size_t)2 * ow * C;
    const float* bottom = top + L;
    for (int c = 0; c < C; c++) {
      double sum = 0.0;
      sum += top[c];
      sum += top[C + c];
      sum += bottom[c];
      sum += bottom[C + c];
      dst[(size_t)ow * C + c] = (float)(sum * 0.25);
    }
  }
}

MULTIVERSION void reduce_lane(const float* x, float* out, const double* w, size_t lo, size_t hi, int T, size_t n) {
  double acc[kLane];
  const size_t len = hi - lo;
  for (size_t i = 0; i < len; i++) acc[i] = 0.0;
  for (int t = 0; t < T; t++) {
    const float* row = x + (size_t)t * n + lo;
    const double wt = w[t];
    for (size_t i = 0; i < len; i++) acc[i] += wt * row[i];
  }
  for (size_t i = 0; i < len; i++) out[lo + i] = (float)acc[i];
}

MULTIVERSION void broadcast_range(const float* x, float* out, double scale, size_t lo, size_t hi, int T, size_t n) {
  for (size_t i = lo; i < hi; i++) out[i] = (float)(scale * x[i]);
  for (int t = 1; t < T; t++) std::memcpy(out + (size_t)t * n + lo, out + lo, sizeof(float) * (hi - lo));
}

MULTIVERSION void clamp_grad_range(const float* mean, const float* g, float* gi, size_t lo, size_t hi, double top,
                                   double slope, bool closed) {
  // no branch per neuron (it mispredicts on real data and keeps the loop scalar): both sides computed, then selected
  if (closed) {
    for (size_t i = lo; i < hi; i++) {
      const double m = mean[i];
      const float v = (float)(g[i] * slope);
      gi[i] = ((m >= 0) & (m <= top)) ? v : 0.f;
    }
  } else {
    for (size_t i = lo; i < hi; i++) {
      const double m = mean[i];
      const float v = (float)(g[i] * slope);
      gi[i] = ((m > 0) & (m < top)) ? v : 0.f;
    }
  }
}

// Per-block partial sums, combined in block order: the same bits for any thread count.
template <typename F>
double blocked_sum(size_t n, F&& partial) {
  const size_t blocks = (n + kGrain - 1) / kGrain;
  std::vector<double> part(blocks, 0.0);
  parallel_blocks(n, kGrain, [&](size_t b, size_t lo, size_t hi) { part[b] = partial(lo, hi); });
  double s = 0;
  for (double p : part) s += p;
  return s;
}
}  // namespace

void neuron_forward(const float* input, float* spikes, float* rate, const double* w, int T, size_t n, float vth,
                    float level, float decay, float gain, float magnitude, bool leaky, float* mem, bool once,
                    float* inputRep, const double* repWeights, const BnConsts* norm) {
  parallel_blocks(n, kLane, [&](size_t, size_t lo, size_t hi) {
    neuron_lane(input, spikes, rate, w, lo, hi, T, n, vth, level, decay, gain, magnitude, leaky, mem, once, inputRep,
                repWeights, norm);
  });
}

void neuron_pool_forward(const float* input, float* out, float* rate, const double* w, int T, size_t n, bool once, int H,
                         int W, int C, float vth, float level, float decay, float gain, float magnitude, bool leaky,
                         float* inputRep, const double* repWeights, const BnConsts* norm) {
  const size_t L = (size_t)W * C;  // neurons of one image row
  const int pairs = (H + 1) / 2, outH = H / 2, outW = W / 2;
  const size_t images = n / ((size_t)H * L);
  const size_t outStep = images * outH * outW * C;  // pooled values per step
  const size_t total = images * pairs;              // row pairs (b, p)
  const size_t perBlock = std::max<size_t>(1, kLane * 4 / (2 * L));
  // parallel_blocks counts neurons, so that small calls stay on one thread: a row pair is 2L of them
  parallel_blocks(total * 2 * L, perBlock * 2 * L, [&](size_t, size_t lo, size_t hi) {
    std::vector<float> v(2 * L), s(2 * L), normed(norm ? 2 * L : 0);
    std::vector<double> acc(rate ? 2 * L : 0), accIn(inputRep ? 2 * L : 0);
    for (size_t u = lo / (2 * L); u < hi / (2 * L); u++) {
      const size_t b = u / pairs;
      const int p = (int)(u % pairs);
      const size_t first = ((b * H + 2 * p) * W) * C;
      const bool pooled = 2 * p + 1 < H;
      const size_t len = pooled ? 2 * L : L;
      std::fill(v.begin(), v.begin() + len, 0.f);
      if (rate) std::fill(acc.begin(), acc.begin() + len, 0.0);
      if (inputRep) std::fill(accIn.begin(), accIn.begin() + len, 0.0);
      // a row pair starts at channel 0: normalised into `normed` per step (once for a once-given input)
      if (norm && once) bn_apply_span(input + first, normed.data(), len, 0, *norm);
      for (int t = 0; t < T; t++) {
        const float* in = input + (once ? 0 : (size_t)t * n) + first;
        if (norm && !once) bn_apply_span(in, normed.data(), len, 0, *norm);
        if (norm) in = normed.data();
        float* dst = out + (size_t)t * outStep + ((b * outH + p) * outW) * C;
        neuron_pool_rows(in, v.data(), s.data(), rate ? acc.data() : nullptr, inputRep ? accIn.data() : nullptr, len, L,
                         pooled, dst, rate ? w[t] : 0.0, inputRep ? repWeights[t] : 0.0, C, outW, vth, level, decay,
                         gain, magnitude, leaky);
      }
      if (rate)
        for (size_t i = 0; i < len; i++) rate[first + i] = (float)acc[i];
      if (inputRep)
        for (size_t i = 0; i < len; i++) inputRep[first + i] = (float)accIn[i];
    }
  });
}

void time_reduce(const float* x, float* out, const double* w, int T, size_t n) {
  parallel_blocks(n, kLane, [&](size_t, size_t lo, size_t hi) { reduce_lane(x, out, w, lo, hi, T, n); });
}

void time_broadcast(const float* x, float* out, double scale, int T, size_t n) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) { broadcast_range(x, out, scale, lo, hi, T, n); });
}

double clamp_backward(const float* mean, const float* g, float* gi, size_t n, double hi, double slope, bool closed) {
  return blocked_sum(n, [&](size_t lo, size_t end) {
    clamp_grad_range(mean, g, gi, lo, end, hi, slope, closed);
    double s = 0;
    for (size_t i = lo; i < end; i++)  // saturated neurons are rare: skip the rest (adding +0 changes no bits)
      if (mean[i] > hi) s += g[i];
    return s;
  });
}

double sum(const float* x, size_t n) {
  return blocked_sum(n, [&](size_t lo, size_t hi) {
    double s = 0;
    for (size_t i = lo; i < hi; i++) s += x[i];
    return s;
  });
}

// ---- elementwise maps: independent per element, so any split gives the same bits ----
namespace {
MULTIVERSION void clamp_range(const float* x, float* y, size_t lo, size_t hi, double bottom, double top) {
  for (size_t i = lo; i < hi; i++) {
    double r = x[i];
    r = r < bottom ? bottom : r;  // NaN passes through, as with Math.min/Math.max
    r = r > top ? top : r;
    y[i] = (float)r;
  }
}
MULTIVERSION void fill_range(float* x, size_t lo, size_t hi, float v) {
  for (size_t i = lo; i < hi; i++) x[i] = v;
}
MULTIVERSION void add_range(const float* a, const float* b, float* out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
}
MULTIVERSION void mul_range(const float* a, const float* b, float* out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) out[i] = a[i] * b[i];
}
MULTIVERSION void axpy_range(double alpha, const float* x, float* y, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) y[i] = (float)(y[i] + alpha * x[i]);
}
MULTIVERSION void scale_range(const float* x, double alpha, float* out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) out[i] = (float)(alpha * x[i]);
}
MULTIVERSION void sgd_range(float* p, const float* g, float* buf, size_t lo, size_t hi, double lr, double momentum,
                            double wd, double dampening, bool nesterov, bool first) {
  for (size_t i = lo; i < hi; i++) {
    double d = g[i] + wd * p[i];
    if (momentum != 0) {
      double b = first ? d : momentum * buf[i] + (1 - dampening) * d;
      buf[i] = (float)b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] = (float)(p[i] - lr * d);
  }
}
}  // namespace

void clamp(const float* x, float* y, size_t n, double lo, double hi) {
  parallel_blocks(n, kGrain, [&](size_t, size_t a, size_t b) { clamp_range(x, y, a, b, lo, hi); });
}
void fill(float* x, size_t n, float v) {
  parallel_blocks(n, kGrain, [&](size_t, size_t a, size_t b) { fill_range(x, a, b, v); });
}
void add(const float* a, const float* b, float* out, size_t n) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) { add_range(a, b, out, lo, hi); });
}
void mul(const float* a, const float* b, float* out, size_t n) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) { mul_range(a, b, out, lo, hi); });
}
void axpy(double alpha, const float* x, float* y, size_t n) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) { axpy_range(alpha, x, y, lo, hi); });
}
void scale(const float* x, double alpha, float* out, size_t n) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) { scale_range(x, alpha, out, lo, hi); });
}
MULTIVERSION void add_row_vector(float* y, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; r++) {
    float* row = y + r * cols;
    for (size_t j = 0; j < cols; j++) row[j] = row[j] + bias[j];
  }
}
namespace {
MULTIVERSION void scale_rows_range(const float* x, const float* s, float* out, size_t lo, size_t hi, size_t cols,
                                   bool acc) {
  for (size_t r = lo; r < hi; r++) {
    const double f = s[r];
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    if (acc)
      for (size_t j = 0; j < cols; j++) o[j] = (float)(o[j] + f * xr[j]);
    else
      for (size_t j = 0; j < cols; j++) o[j] = (float)(f * xr[j]);
  }
}
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

// Output rows [lo, hi) in tiles of 32 × 32 floats, so the rows read and the rows written stay in L1; inside a
// tile, 4 × 4 blocks through four vector loads, eight shuffles and four vector stores (GCC vector extensions, so
// every multi-versioned clone has them). A copy: the bits are the input's.
MULTIVERSION void transpose_range(const float* x, float* y, size_t rows, size_t cols, size_t lo, size_t hi) {
  constexpr size_t kTile = 32;
  const v4i lo01 = {0, 4, 1, 5}, hi23 = {2, 6, 3, 7}, low = {0, 1, 4, 5}, high = {2, 3, 6, 7};
  for (size_t c0 = lo; c0 < hi; c0 += kTile) {
    const size_t c1 = std::min(hi, c0 + kTile);
    const size_t c4 = c0 + ((c1 - c0) & ~(size_t)3);
    for (size_t r0 = 0; r0 < rows; r0 += kTile) {
      const size_t r1 = std::min(rows, r0 + kTile);
      const size_t r4 = r0 + ((r1 - r0) & ~(size_t)3);
      for (size_t c = c0; c < c4; c += 4) {
        for (size_t r = r0; r < r4; r += 4) {
          v4f a, b, e, d;
          const float* src = x + r * cols + c;
          std::memcpy(&a, src, 16);
          std::memcpy(&b, src + cols, 16);
          std::memcpy(&e, src + 2 * cols, 16);
          std::memcpy(&d, src + 3 * cols, 16);
          const v4f ab01 = __builtin_shuffle(a, b, lo01), ab23 = __builtin_shuffle(a, b, hi23);
          const v4f ed01 = __builtin_shuffle(e, d, lo01), ed23 = __builtin_shuffle(e, d, hi23);
          const v4f o0 = __builtin_shuffle(ab01, ed01, low), o1 = __builtin_shuffle(ab01, ed01, high);
          const v4f o2 = __builtin_shuffle(ab23, ed23, low), o3 = __builtin_shuffle(ab23, ed23, high);
          float* dst = y + c * rows + r;
          std::memcpy(dst, &o0, 16);
          std::memcpy(dst + rows, &o1, 16);
          std::memcpy(dst + 2 * rows, &o2, 16);
          std::memcpy(dst + 3 * rows, &o3, 16);
        }
        for (size_t j = c; j < c + 4; j++)  // the rows past the last whole block, for these 4 columns
          for (size_t r = r4; r < r1; r++) y[j * rows + r] = x[r * cols + j];
      }
      for (size_t j = c4; j < c1; j++)  // the columns past the last whole block, for every row of the tile
        for (size_t r = r0; r < r1; r++) y[j * rows + r] = x[r * cols + j];
    }
  }
}
}  // namespace

void scale_rows(const float* x, const float* s, float* out, size_t rows, size_t cols, bool acc) {
  parallel_rows(rows, cols, [&](size_t lo, size_t hi) { scale_rows_range(x, s, out, lo, hi, cols, acc); });
}
void transpose(const float* x, float* y, size_t rows, size_t cols) {
  parallel_rows(cols, rows, [&](size_t lo, size_t hi) { transpose_range(x, y, rows, cols, lo, hi); });
}
void sgd_step(float* p, const float* g, float* buf, size_t n, double lr, double momentum, double wd, double dampening,
              bool nesterov, bool first) {
  parallel_blocks(n, kGrain, [&](size_t, size_t lo, size_t hi) {
    sgd_range(p, g, buf, lo, hi, lr, momentum, wd, dampening, nesterov, first);
  });
}

void adam_step(float* p, const float* g, float* m, float* v, size_t n, double lr, double b1, double b2, double eps,
               double wd, int step) {
  const double stepSize = lr / (1 - std::pow(b1, step));
  const double sqrtBc2 = std::sqrt(1 - std::pow(b2, step));
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i] + wd * p[i];
    m[i] = (float)(b1 * m[i] + (1 - b1) * gi);
    v[i] = (float)(b2 * v[i] + (1 - b2) * gi * gi);
    p[i] = (float)(p[i] - (stepSize * m[i]) / (std::sqrt((double)v[i]) / sqrtBc2 + eps));
  }
}
