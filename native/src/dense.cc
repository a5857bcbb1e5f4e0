// GEMM through OpenBLAS, convolution as im2col + sgemm (the fallback when oneDNN declines a shape), average
// pooling and column sums. Convolutions work on chunks of whole images so the column buffer stays a few MB.
#include <cblas.h>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace {
int current_threads = -1;
thread_local std::vector<float> scratch;

float* col_buffer(size_t n) {
  if (scratch.size() < n) scratch.resize(n);
  return scratch.data();
}

// Images per chunk: about 4 M floats of columns, at least one image.
int chunk_images(const ConvGeom& g) {
  size_t per = (size_t)g.outH * g.outW * g.kH * g.kW * g.inC;
  size_t n = per ? (4u << 20) / per : g.batch;
  return n < 1 ? 1 : (n > (size_t)g.batch ? g.batch : (int)n);
}

bool is_pointwise(const ConvGeom& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
}

// col[(b, oh, ow), (kh, kw, ic)] for images [b0, b0 + nb); taps outside the image are zero.
void im2col(const float* x, float* col, int b0, int nb, const ConvGeom& g) {
  const size_t K = (size_t)g.kH * g.kW * g.inC;
  for (int b = 0; b < nb; b++)
    for (int oh = 0; oh < g.outH; oh++)
      for (int ow = 0; ow < g.outW; ow++) {
        float* row = col + (((size_t)b * g.outH + oh) * g.outW + ow) * K;
        for (int kh = 0; kh < g.kH; kh++) {
          int ih = oh * g.strideH - g.padH + kh;
          for (int kw = 0; kw < g.kW; kw++) {
            int iw = ow * g.strideW - g.padW + kw;
            float* dst = row + ((size_t)kh * g.kW + kw) * g.inC;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) {
              std::memset(dst, 0, sizeof(float) * g.inC);
            } else {
              std::memcpy(dst, x + ((((size_t)(b0 + b) * g.inH + ih) * g.inW + iw) * g.inC), sizeof(float) * g.inC);
            }
          }
        }
      }
}

// The adjoint of im2col: adds every column entry back onto its input pixel (dx must be zeroed first).
MULTIVERSION void col2im(const float* col, float* dx, int b0, int nb, const ConvGeom& g) {
  const size_t K = (size_t)g.kH * g.kW * g.inC;
  for (int b = 0; b < nb; b++)
    for (int oh = 0; oh < g.outH; oh++)
      for (int ow = 0; ow < g.outW; ow++) {
        const float* row = col + (((size_t)b * g.outH + oh) * g.outW + ow) * K;
        for (int kh = 0; kh < g.kH; kh++) {
          int ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.inH) continue;
          for (int kw = 0; kw < g.kW; kw++) {
            int iw = ow * g.strideW - g.padW + kw;
            if (iw < 0 || iw >= g.inW) continue;
            const float* src = row + ((size_t)kh * g.kW + kw) * g.inC;
            float* dst = dx + ((((size_t)(b0 + b) * g.inH + ih) * g.inW + iw) * g.inC);
            for (int c = 0; c < g.inC; c++) dst[c] += src[c];
          }
        }
      }
}
}  // namespace

void set_threads(int threads) {
  if (threads != current_threads) {
    openblas_set_num_threads(threads);
    current_threads = threads;
  }
}

void gemm(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, float alpha,
          float beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS would leave C untouched only for beta = 1; the contract scales it
    for (size_t i = 0; i < (size_t)m * n; i++) c[i] = beta == 0 ? 0.f : beta * c[i];
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
              a, transA ? m : k, b, transB ? k : n, beta, c, n);
}

void conv_forward_gemm(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  const int K = g.kH * g.kW * g.inC, P = g.outH * g.outW;
  const int step = chunk_images(g);
  for (int b0 = 0; b0 < g.batch; b0 += step) {
    int nb = g.batch - b0 < step ? g.batch - b0 : step;
    const float* col = x + (size_t)b0 * P * K;
    if (!is_pointwise(g)) {
      float* buf = col_buffer((size_t)nb * P * K);
      im2col(x, buf, b0, nb, g);
      col = buf;
    }
    float* out = y + (size_t)b0 * P * g.outC;
    float beta = 0.f;
    if (bias) {
      for (size_t r = 0; r < (size_t)nb * P; r++) std::memcpy(out + r * g.outC, bias, sizeof(float) * g.outC);
      beta = 1.f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb * P, g.outC, K, 1.f, col, K, w, K, beta, out, g.outC);
  }
}

void conv_backward_input_gemm(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const int K = g.kH * g.kW * g.inC, P = g.outH * g.outW;
  const int step = chunk_images(g);
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.batch * P, K, g.outC, 1.f, dy, g.outC, w, K, 0.f, dx, K);
    return;
  }
  std::memset(dx, 0, sizeof(float) * (size_t)g.batch * g.inH * g.inW * g.inC);
  for (int b0 = 0; b0 < g.batch; b0 += step) {
    int nb = g.batch - b0 < step ? g.batch - b0 : step;
    float* col = col_buffer((size_t)nb * P * K);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb * P, K, g.outC, 1.f, dy + (size_t)b0 * P * g.outC,
                g.outC, w, K, 0.f, col, K);
    col2im(col, dx, b0, nb, g);
  }
}

void conv_backward_filter_gemm(const float* x, const float* dy, float* dw, float* db, const ConvGeom& g, bool acc) {
  const int K = g.kH * g.kW * g.inC, P = g.outH * g.outW;
  const int step = chunk_images(g);
  for (int b0 = 0; b0 < g.batch; b0 += step) {
    int nb = g.batch - b0 < step ? g.batch - b0 : step;
    const float* col = x + (size_t)b0 * P * K;
    if (!is_pointwise(g)) {
      float* buf = col_buffer((size_t)nb * P * K);
      im2col(x, buf, b0, nb, g);
      col = buf;
    }
    float beta = (acc || b0 > 0) ? 1.f : 0.f;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.outC, K, nb * P, 1.f, dy + (size_t)b0 * P * g.outC, g.outC,
                col, K, beta, dw, K);
  }
  if (db) sum_rows(dy, db, (size_t)g.batch * P, g.outC, acc);
}

namespace {
// One image of average pooling: each output window's sum in double, as in the reference.
MULTIVERSION void pool_image(const float* x, float* y, int b, const ConvGeom& g, double* acc) {
  const int C = g.inC;
  const double inv = 1.0 / (g.kH * g.kW);
  for (int oh = 0; oh < g.outH; oh++)
    for (int ow = 0; ow < g.outW; ow++) {
      for (int c = 0; c < C; c++) acc[c] = 0.0;
      for (int kh = 0; kh < g.kH; kh++) {
        int ih = oh * g.strideH - g.padH + kh;
        if (ih < 0 || ih >= g.inH) continue;
        for (int kw = 0; kw < g.kW; kw++) {
          int iw = ow * g.strideW - g.padW + kw;
          if (iw < 0 || iw >= g.inW) continue;
          const float* src = x + (((size_t)b * g.inH + ih) * g.inW + iw) * C;
          for (int c = 0; c < C; c++) acc[c] += src[c];
        }
      }
      float* dst = y + (((size_t)b * g.outH + oh) * g.outW + ow) * C;
      for (int c = 0; c < C; c++) dst[c] = (float)(acc[c] * inv);
    }
}

// One image of the pooling backward, as a gather: each input pixel sums the windows that contain it (double).
MULTIVERSION void unpool_image(const float* dy, float* dx, int b, const ConvGeom& g, double* acc) {
  const int C = g.inC;
  const double inv = 1.0 / (g.kH * g.kW);
  for (int ih = 0; ih < g.inH; ih++)
    for (int iw = 0; iw < g.inW; iw++) {
      for (int c = 0; c < C; c++) acc[c] = 0.0;
      for (int kh = g.kH - 1; kh >= 0; kh--) {  // ascending output rows, the reference's order
        int th = ih + g.padH - kh;
        if (th < 0 || th % g.strideH != 0 || th / g.strideH >= g.outH) continue;
        for (int kw = g.kW - 1; kw >= 0; kw--) {
          int tw = iw + g.padW - kw;
          if (tw < 0 || tw % g.strideW != 0 || tw / g.strideW >= g.outW) continue;
          const float* src = dy + (((size_t)b * g.outH + th / g.strideH) * g.outW + tw / g.strideW) * C;
          for (int c = 0; c < C; c++) acc[c] += src[c];
        }
      }
      float* dst = dx + (((size_t)b * g.inH + ih) * g.inW + iw) * C;
      for (int c = 0; c < C; c++) dst[c] = (float)(acc[c] * inv);
    }
}

template <typename F>
void per_image(const ConvGeom& g, F&& f) {
  const size_t work = (size_t)g.batch * g.inH * g.inW * g.inC;
  parallel_blocks(work, work / g.batch ? work / g.batch : 1, [&](size_t b, size_t, size_t) {
    std::vector<double> acc(g.inC);
    f((int)b, acc.data());
  });
}
}  // namespace

void avgpool_forward(const float* x, float* y, const ConvGeom& g) {
  if (g.batch == 0) return;
  per_image(g, [&](int b, double* acc) { pool_image(x, y, b, g, acc); });
}

void avgpool_backward(const float* dy, float* dx, const ConvGeom& g) {
  if (g.batch == 0) return;
  per_image(g, [&](int b, double* acc) { unpool_image(dy, dx, b, g, acc); });
}

namespace {
MULTIVERSION void col_sum_rows(const float* x, double* s, size_t lo, size_t hi, size_t cols) {
  for (size_t r = lo; r < hi; r++) {
    const float* row = x + r * cols;
    for (size_t j = 0; j < cols; j++) s[j] += row[j];
  }
}
}  // namespace

// Column sums over fixed row blocks, combined in block order (the same bits for any thread count).
void sum_rows(const float* x, float* out, size_t rows, size_t cols, bool acc) {
  const size_t block = 256, blocks = (rows + block - 1) / block;
  std::vector<double> part(blocks * cols, 0.0), s(cols, 0.0);
  parallel_blocks(rows * cols, block * cols, [&](size_t b, size_t, size_t) {
    col_sum_rows(x, part.data() + b * cols, b * block, std::min(rows, (b + 1) * block), cols);
  });
  for (size_t b = 0; b < blocks; b++)
    for (size_t j = 0; j < cols; j++) s[j] += part[b * cols + j];
  for (size_t j = 0; j < cols; j++) out[j] = acc ? (float)(out[j] + s[j]) : (float)s[j];
}
