// The native kernels, one C++ function per Kernels method (see src/kernels/kernels.ts for their contracts).
// Buffers are raw pointers into JavaScript Float32Arrays; every attribute the JS side can precompute
// (float32-rounded constants, time weights) arrives precomputed, so both backends round identically.
#pragma once
#include <cstddef>
#include <cstdint>

// Hot loops are compiled for a portable baseline plus AVX2 and AVX-512 variants, picked at load time by the
// dynamic loader (GCC function multi-versioning). -ffp-contract=off keeps the arithmetic exactly as written.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define MULTIVERSION
#endif

struct ConvGeom {
  int batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW;
};

void set_threads(int threads);
void gemm(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, float alpha, float beta);

// Convolutions: im2col + sgemm (dense.cc) or oneDNN (conv_dnnl.cc).
void conv_forward_gemm(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);
void conv_backward_input_gemm(const float* dy, const float* w, float* dx, const ConvGeom& g);
void conv_backward_filter_gemm(const float* x, const float* dy, float* dw, float* db, const ConvGeom& g, bool acc);
bool dnnl_conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);
bool dnnl_conv_backward_input(const float* dy, const float* w, float* dx, const ConvGeom& g);
bool dnnl_conv_backward_filter(const float* x, const float* dy, float* dw, float* db, const ConvGeom& g, bool acc);
const char* dnnl_isa_name();
// Event-driven forward for sparse inputs (sparse.cc): wT is [kH, kW, inC, outC]; the linear layer is a 1×1 image.
void conv_sparse_forward(const float* x, const float* wT, const float* bias, float* y, const ConvGeom& g);
// Its filter gradient: dw [outC, kH, kW, inC] (+)= the taps of the non-zero inputs only (no bias).
void conv_sparse_backward_filter(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc);
double nonzero_count(const float* x, size_t n);

void avgpool_forward(const float* x, float* y, const ConvGeom& g);
void avgpool_backward(const float* dy, float* dx, const ConvGeom& g);
void sum_rows(const float* x, float* out, size_t rows, size_t cols, bool acc);

void bn_stats(const float* x, float* mean, float* var, size_t rows, size_t C);
void bn_apply(const float* x, float* y, const float* mean, const float* invStd, const float* gamma, const float* beta,
              size_t rows, size_t C);
void bn_backward(const float* x, const float* dy, const float* mean, const float* invStd, const float* gamma, float* dx,
                 float* dgamma, float* dbeta, size_t rows, size_t C, bool acc);

// A batch-norm apply over a span of len values whose first has channel c0: bn_apply's arithmetic, value for value, for
// a neuron loop that normalises its input as it reads it. norm holds [mean, invStd, gamma, beta], C floats each.
struct BnConsts {
  const float* norm;
  size_t C;
};
void bn_apply_span(const float* x, float* y, size_t len, size_t c0, const BnConsts& b);

// Neurons: level = f32(α·Vth), decay/gain/magnitude as float32 (IF: decay = gain = 1, magnitude = Vth).
// With a rate buffer, rate[i] = Σ_t w[t]·spikes[t·n + i] is fused into the same pass. `once`: input is one step
// [n] read at every step; with inputRep, inputRep[i] = Σ_t repWeights[t]·input at step t, from the same read.
// With norm, the input is batch-normalised (bn_apply_span) as it is read: inputRep is the normalised input's.
void neuron_forward(const float* input, float* spikes, float* rate, const double* w, int T, size_t n, float vth,
                    float level, float decay, float gain, float magnitude, bool leaky, float* mem, bool once,
                    float* inputRep, const double* repWeights, const BnConsts* norm);
// neuron_forward (without a carried membrane) followed by the 2×2 stride-2 average pooling without padding of the
// spikes [T·B, H, W, C] (n = B·H·W·C), written to out [T·B, H/2, W/2, C] as avgpool_forward writes it; the spikes
// are never stored. `once`: input is one step's current [n], the same at every step. With inputRep, as neuron_forward.
void neuron_pool_forward(const float* input, float* out, float* rate, const double* w, int T, size_t n, bool once, int H,
                         int W, int C, float vth, float level, float decay, float gain, float magnitude, bool leaky,
                         float* inputRep, const double* repWeights, const BnConsts* norm);
void time_reduce(const float* x, float* out, const double* w, int T, size_t n);
void time_broadcast(const float* x, float* out, double scale, int T, size_t n);
double clamp_backward(const float* mean, const float* g, float* gi, size_t n, double hi, double slope, bool closed);
void clamp(const float* x, float* y, size_t n, double lo, double hi);
// Every parameter set of the neuron forward (bptt.cc; see NeuronForwardAttrs in src/kernels/kernels.ts), the
// surrogate (BPTT) backward and the loss: constants arrive float32-rounded as the reference rounds them.
struct NeuronParams {
  int T;
  float decay, gain, bias, level;
  bool strict, resetToValue;
  float vth, resetValue, mag;  // vth: the amount a spike subtracts
  bool syn;
  float synDecay, synGain;
  bool soft;
  double slope;
};
void neuron_forward_any(const float* input, float* spikes, float* rate, const double* w, size_t n,
                        const NeuronParams& p, float* mem, float* cur, float* record);
double bptt_backward(const float* membrane, const float* gradSpikes, float* gradInput, int T, size_t n, float vth,
                     float level, float decay, float gain, float mag, double spikeScale, double slope, bool soft,
                     bool syn, float synDecay, float synGain);
double softmax_cross_entropy(const float* logits, const int32_t* labels, float* grad, size_t rows, size_t classes);

void fill(float* x, size_t n, float v);
void add(const float* a, const float* b, float* out, size_t n);
void mul(const float* a, const float* b, float* out, size_t n);
void axpy(double alpha, const float* x, float* y, size_t n);
void scale(const float* x, double alpha, float* out, size_t n);
double sum(const float* x, size_t n);
void add_row_vector(float* y, const float* bias, size_t rows, size_t cols);
// out[r·cols + j] (+)= s[r]·x[r·cols + j], rounded as scale / axpy round (a double product, one float rounding).
void scale_rows(const float* x, const float* s, float* out, size_t rows, size_t cols, bool acc);
// y[c·rows + r] = x[r·cols + c]: x [rows, cols] as [cols, rows], a copy.
void transpose(const float* x, float* y, size_t rows, size_t cols);
void sgd_step(float* p, const float* g, float* buf, size_t n, double lr, double momentum, double wd, double dampening,
              bool nesterov, bool first);
void adam_step(float* p, const float* g, float* m, float* v, size_t n, double lr, double b1, double b2, double eps,
               double wd, int step);
