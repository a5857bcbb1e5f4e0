// Batch-norm over [rows, channels], channels-last; all column sums in double, as in the reference.
#include <vector>
#include "kernels.h"

void bn_stats(const float* x, float* mean, float* var, size_t rows, size_t C) {
  std::vector<double> s(C, 0.0), q(C, 0.0);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < C; c++) s[c] += x[r * C + c];
  for (size_t c = 0; c < C; c++) s[c] /= (double)rows;
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < C; c++) {
      double d = x[r * C + c] - s[c];
      q[c] += d * d;
    }
  for (size_t c = 0; c < C; c++) {
    mean[c] = (float)s[c];
    var[c] = (float)(q[c] / (double)rows);
  }
}

MULTIVERSION void bn_apply(const float* x, float* y, const float* mean, const float* invStd, const float* gamma,
                           const float* beta, size_t rows, size_t C) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < C; c++) {
      size_t i = r * C + c;
      y[i] = (float)(((double)x[i] - mean[c]) * invStd[c] * gamma[c] + beta[c]);
    }
}

void bn_backward(const float* x, const float* dy, const float* mean, const float* invStd, const float* gamma, float* dx,
                 float* dgamma, float* dbeta, size_t rows, size_t C, bool acc) {
  std::vector<double> sumDy(C, 0.0), sumDyXhat(C, 0.0);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < C; c++) {
      size_t i = r * C + c;
      double d = dy[i];
      sumDy[c] += d;
      sumDyXhat[c] += d * ((double)x[i] - mean[c]) * invStd[c];
    }
  const double N = (double)rows;
  std::vector<double> k(C);
  for (size_t c = 0; c < C; c++) k[c] = ((double)gamma[c] * invStd[c]) / N;
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < C; c++) {
      size_t i = r * C + c;
      double xhat = ((double)x[i] - mean[c]) * invStd[c];
      dx[i] = (float)(k[c] * (N * dy[i] - sumDy[c] - xhat * sumDyXhat[c]));
    }
  for (size_t c = 0; c < C; c++) {
    dgamma[c] = acc ? (float)(dgamma[c] + sumDyXhat[c]) : (float)sumDyXhat[c];
    dbeta[c] = acc ? (float)(dbeta[c] + sumDy[c]) : (float)sumDy[c];
  }
}
