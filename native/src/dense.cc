// GEMM through OpenBLAS, convolution as im2col + sgemm (the fallback when oneDNN declines a shape), average
// pooling and column sums. Convolutions work on chunks of whole images so the column buffer stays a few MB.
#include <cblas.h>
#include <cstring>
#include <vector>
#include "kernels.h"

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

void avgpool_forward(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  const double inv = 1.0 / (g.kH * g.kW);
  std::vector<double> acc(C);
  for (int b = 0; b < g.batch; b++)
    for (int oh = 0; oh < g.outH; oh++)
      for (int ow = 0; ow < g.outW; ow++) {
        std::fill(acc.begin(), acc.end(), 0.0);
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

void avgpool_backward(const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  const double inv = 1.0 / (g.kH * g.kW);
  const size_t total = (size_t)g.batch * g.inH * g.inW * C;
  std::vector<double> acc(total, 0.0);
  for (int b = 0; b < g.batch; b++)
    for (int oh = 0; oh < g.outH; oh++)
      for (int ow = 0; ow < g.outW; ow++) {
        const float* src = dy + (((size_t)b * g.outH + oh) * g.outW + ow) * C;
        for (int kh = 0; kh < g.kH; kh++) {
          int ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.inH) continue;
          for (int kw = 0; kw < g.kW; kw++) {
            int iw = ow * g.strideW - g.padW + kw;
            if (iw < 0 || iw >= g.inW) continue;
            double* dst = acc.data() + (((size_t)b * g.inH + ih) * g.inW + iw) * C;
            for (int c = 0; c < C; c++) dst[c] += src[c];
          }
        }
      }
  for (size_t i = 0; i < total; i++) dx[i] = (float)(acc[i] * inv);
}

MULTIVERSION void sum_rows(const float* x, float* out, size_t rows, size_t cols, bool acc) {
  std::vector<double> s(cols, 0.0);
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (size_t j = 0; j < cols; j++) s[j] += row[j];
  }
  for (size_t j = 0; j < cols; j++) out[j] = acc ? (float)(out[j] + s[j]) : (float)s[j];
}
