// Neuron, time and elementwise kernels. Each mirrors the reference backend's arithmetic step by step (float32
// where the reference rounds to float32, double where it computes in double), so spikes are bit-identical.
#include <cmath>
#include <cstring>
#include <vector>
#include "kernels.h"

// u = v + I (IF) or u = decay·v + gain·I (LIF), each product rounded to float32; fire at u ≥ level; soft reset.
MULTIVERSION static void neuron_steps(const float* input, float* spikes, float* v, int T, size_t n, float vth,
                                      float level, float decay, float gain, float magnitude, bool leaky) {
  for (int t = 0; t < T; t++) {
    const float* in = input + (size_t)t * n;
    float* out = spikes + (size_t)t * n;
    if (leaky) {
      for (size_t i = 0; i < n; i++) {
        float a = decay * v[i];
        float b = gain * in[i];
        float u = a + b;
        bool s = u >= level;
        v[i] = s ? u - vth : u;
        out[i] = s ? magnitude : 0.f;
      }
    } else {
      for (size_t i = 0; i < n; i++) {
        float u = v[i] + in[i];
        bool s = u >= level;
        v[i] = s ? u - vth : u;
        out[i] = s ? magnitude : 0.f;
      }
    }
  }
}

void neuron_forward(const float* input, float* spikes, int T, size_t n, float vth, float level, float decay, float gain,
                    float magnitude, bool leaky) {
  std::vector<float> v(n, 0.f);
  neuron_steps(input, spikes, v.data(), T, n, vth, level, decay, gain, magnitude, leaky);
}

MULTIVERSION static void reduce_into(const float* x, double* acc, const double* w, int T, size_t n) {
  for (int t = 0; t < T; t++) {
    const float* row = x + (size_t)t * n;
    const double wt = w[t];
    for (size_t i = 0; i < n; i++) acc[i] += wt * row[i];
  }
}

void time_reduce(const float* x, float* out, const double* w, int T, size_t n) {
  std::vector<double> acc(n, 0.0);
  reduce_into(x, acc.data(), w, T, n);
  for (size_t i = 0; i < n; i++) out[i] = (float)acc[i];
}

MULTIVERSION void time_broadcast(const float* x, float* out, double scale, int T, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (float)(scale * x[i]);
  for (int t = 1; t < T; t++) std::memcpy(out + (size_t)t * n, out, sizeof(float) * n);
}

double clamp_backward(const float* mean, const float* g, float* gi, size_t n, double hi, double slope, bool closed) {
  double gradHi = 0;
  for (size_t i = 0; i < n; i++) {
    const double m = mean[i];
    const bool inside = closed ? (m >= 0 && m <= hi) : (m > 0 && m < hi);
    gi[i] = inside ? (float)(g[i] * slope) : 0.f;
    if (m > hi) gradHi += g[i];
  }
  return gradHi;
}

MULTIVERSION void clamp(const float* x, float* y, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++) {
    double r = x[i];
    r = r < lo ? lo : r;  // NaN passes through, as with Math.min/Math.max
    r = r > hi ? hi : r;
    y[i] = (float)r;
  }
}

MULTIVERSION void fill(float* x, size_t n, float v) {
  for (size_t i = 0; i < n; i++) x[i] = v;
}
MULTIVERSION void add(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}
MULTIVERSION void mul(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}
MULTIVERSION void axpy(double alpha, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = (float)(y[i] + alpha * x[i]);
}
MULTIVERSION void scale(const float* x, double alpha, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (float)(alpha * x[i]);
}
double sum(const float* x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  return s;
}
MULTIVERSION void add_row_vector(float* y, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; r++) {
    float* row = y + r * cols;
    for (size_t j = 0; j < cols; j++) row[j] = row[j] + bias[j];
  }
}

MULTIVERSION void sgd_step(float* p, const float* g, float* buf, size_t n, double lr, double momentum, double wd,
                           double dampening, bool nesterov, bool first) {
  for (size_t i = 0; i < n; i++) {
    double d = g[i] + wd * p[i];
    if (momentum != 0) {
      double b = first ? d : momentum * buf[i] + (1 - dampening) * d;
      buf[i] = (float)b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] = (float)(p[i] - lr * d);
  }
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
