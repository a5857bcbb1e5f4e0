// The neuron kernel's general forward (every parameter set; pointwise.cc has the fused DSR case), its surrogate
// gradient (BPTT) backward, and the softmax cross-entropy loss. Each mirrors the reference backend
// (src/kernels/reference/neuron.ts, loss.ts) step by step: the membrane in float32 with every step rounded as
// the reference rounds it, the surrogate and all gradients in double. exp() and log() come from the C library,
// which may differ from JavaScript's Math.exp in the last bit of a double: hard spikes and membranes are
// bit-identical, soft ones and the gradients agree to rounding.
// Neurons are split into fixed blocks (parallel.h), each running its whole time loop; the threshold gradient is
// summed per block in the reference's order (t descending, i ascending) and the blocks are combined in block
// order, so the result has the same bits for any thread count.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace {
constexpr size_t kLane = 1024;  // neurons whose state lives on the stack at once

// z ← σ(z) = 1 / (1 + e^−z), in place. A separate loop so that the arithmetic around it still vectorises.
void sigmoid_in_place(double* z, size_t len) {
  for (size_t i = 0; i < len; i++) z[i] = 1 / (1 + std::exp(-z[i]));
}

// Every parameter set of the neuron kernel (NeuronParams in kernels.h) for neurons [lo, hi): c = synDecay·c +
// synGain·x with a synaptic stage, u = f32(f32(decay·v) + bias) + f32(gain·c), each product and sum rounded to
// float32; record keeps u. Hard: s = u ≥ level (u > level when strict), v = u − vth·s or the reset value.
// Soft: s = σ(slope·(u − level)/vth) in double, v = f32(u − vth·s). Spikes are mag·s; with weights,
// rate[i] = Σ_t w[t]·spikes (double, t ascending: the reference's timeReduce order).
MULTIVERSION void forward_lane(const float* input, float* spikes, float* rate, const double* w, size_t lo, size_t hi,
                               size_t n, const NeuronParams& p, float* mem, float* cur, float* record) {
  float v[kLane], c[kLane], u[kLane];
  double z[kLane], acc[kLane];
  const size_t len = hi - lo;
  for (size_t i = 0; i < len; i++) {
    v[i] = mem ? mem[lo + i] : 0.f;
    c[i] = cur ? cur[lo + i] : 0.f;
    acc[i] = 0.0;
  }
  for (int t = 0; t < p.T; t++) {
    const float* in = input + (size_t)t * n + lo;
    float* out = spikes + (size_t)t * n + lo;
    for (size_t i = 0; i < len; i++) {
      float x = in[i];
      if (p.syn) {
        float a = p.synDecay * c[i];
        float b = p.synGain * x;
        c[i] = a + b;
        x = c[i];
      }
      float a = p.decay * v[i];
      if (p.bias != 0.f) a = a + p.bias;  // no bias is no addition: +0 would turn a −0 membrane into +0
      float b = p.gain * x;
      u[i] = a + b;
    }
    if (record)
      for (size_t i = 0; i < len; i++) record[(size_t)t * n + lo + i] = u[i];
    if (p.soft) {
      for (size_t i = 0; i < len; i++) z[i] = p.slope * ((double)u[i] - (double)p.level) / (double)p.vth;
      sigmoid_in_place(z, len);
      for (size_t i = 0; i < len; i++) {
        v[i] = (float)((double)u[i] - (double)p.vth * z[i]);
        out[i] = (float)((double)p.mag * z[i]);
      }
    } else {
      const float zero = 0.f * p.mag;  // the reference's s·mag at s = 0, sign included
      for (size_t i = 0; i < len; i++) {
        const float x = u[i];
        const bool s = p.strict ? x > p.level : x >= p.level;
        v[i] = s ? (p.resetToValue ? p.resetValue : x - p.vth) : x;
        out[i] = s ? p.mag : zero;
      }
    }
    if (rate) {
      const double wt = w[t];
      for (size_t i = 0; i < len; i++) acc[i] += wt * out[i];
    }
  }
  for (size_t i = 0; i < len; i++) {
    if (rate) rate[lo + i] = (float)acc[i];
    if (mem) mem[lo + i] = v[i];  // the state carried into the next time chunk
    if (cur) cur[lo + i] = c[i];
  }
}

// The reference's reverse pass for neurons [lo, hi) (see bpttBackward in reference/neuron.ts); returns this
// block's part of d loss / d vth, summed in the reference's order.
MULTIVERSION double backward_lane(const float* membrane, const float* gradSpikes, float* gradInput, size_t lo,
                                  size_t hi, int T, size_t n, double vth, double level, double decay, double gain,
                                  double mag, double spikeScale, double slope, bool soft, bool syn, double synDecay,
                                  double synGain) {
  // gv: ∂L/∂v[t], carried back from step t+1; gc: ∂L/∂I[t] of the synaptic current, likewise
  double gv[kLane], gc[kLane], sig[kLane], term[kLane];
  const size_t len = hi - lo;
  const double vth2 = vth * vth;
  for (size_t i = 0; i < len; i++) gv[i] = 0.0, gc[i] = 0.0;
  double acc = 0;
  for (int t = T - 1; t >= 0; t--) {
    const float* mu = membrane + (size_t)t * n + lo;
    const float* go = gradSpikes + (size_t)t * n + lo;
    float* gi = gradInput + (size_t)t * n + lo;
    for (size_t i = 0; i < len; i++) sig[i] = slope * ((double)mu[i] - level) / vth;
    sigmoid_in_place(sig, len);
    for (size_t i = 0; i < len; i++) {
      const double u = mu[i];
      const double sg = sig[i];
      const double fired = u >= level ? 1.0 : 0.0;
      const double s = soft ? sg : fired;
      const double dsdz = slope * sg * (1 - sg);
      const double gOut = go[i];
      const double g = gv[i];
      const double gs = mag * gOut - vth * g;
      const double gu = g + (gs * dsdz) / vth;
      if (syn) {
        gc[i] = gain * gu + synDecay * gc[i];
        gi[i] = (float)(synGain * gc[i]);
      } else {
        gi[i] = (float)(gain * gu);
      }
      gv[i] = decay * gu;
      term[i] = spikeScale * s * gOut - s * g - (gs * dsdz * u) / vth2;
    }
    for (size_t i = 0; i < len; i++) acc += term[i];
  }
  return acc;
}
}  // namespace

void neuron_forward_any(const float* input, float* spikes, float* rate, const double* w, size_t n,
                        const NeuronParams& p, float* mem, float* cur, float* record) {
  parallel_blocks(n, kLane, [&](size_t, size_t lo, size_t hi) {
    forward_lane(input, spikes, rate, w, lo, hi, n, p, mem, cur, record);
  });
}

double bptt_backward(const float* membrane, const float* gradSpikes, float* gradInput, int T, size_t n, float vth,
                     float level, float decay, float gain, float mag, double spikeScale, double slope, bool soft,
                     bool syn, float synDecay, float synGain) {
  std::vector<double> part((n + kLane - 1) / kLane, 0.0);
  parallel_blocks(n, kLane, [&](size_t b, size_t lo, size_t hi) {
    part[b] = backward_lane(membrane, gradSpikes, gradInput, lo, hi, T, n, vth, level, decay, gain, mag, spikeScale,
                            slope, soft, syn, synDecay, synGain);
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

// Rows are small (batch × classes): one thread. Each row is shifted by its maximum (NaN propagates, as with
// Math.max); loss_r = log Σ exp(x − max) − (x_label − max); grad = (softmax − onehot) / rows.
double softmax_cross_entropy(const float* logits, const int32_t* labels, float* grad, size_t rows, size_t classes) {
  std::vector<double> e(classes);
  double total = 0;
  for (size_t r = 0; r < rows; r++) {
    const int32_t label = labels[r];
    if (!(label >= 0 && (size_t)label < classes)) {
      throw std::runtime_error("softmaxCrossEntropy: label " + std::to_string(label) + " at row " + std::to_string(r) +
                               " is outside 0.." + std::to_string((long)classes - 1));
    }
    const float* x = logits + r * classes;
    double max = -INFINITY;
    for (size_t j = 0; j < classes; j++) {
      const double l = x[j];
      if (std::isnan(l) || l > max) max = l;
    }
    double z = 0;
    for (size_t j = 0; j < classes; j++) z += e[j] = std::exp((double)x[j] - max);
    total += std::log(z) - ((double)x[label] - max);
    float* g = grad + r * classes;
    for (size_t j = 0; j < classes; j++) g[j] = (float)((e[j] / z - ((size_t)label == j ? 1 : 0)) / (double)rows);
  }
  return total / (double)rows;
}
