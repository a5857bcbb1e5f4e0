// Event-driven convolution forward for sparse (spiking) inputs; the linear layer runs on it as a 1×1 image.
// Per image, the non-zero inputs are first gathered into a list per pixel (weight-row offset ic·outC, value);
// then each output pixel sums value · wT[kh, kw, ic, block] over the active entries of every pixel its taps read,
// 64 output channels at a time in registers (GCC vector types), so y is written once and never read back. Work
// follows the spike count. wT is the weight transposed to [kH, kW, inC, outC]. Images are split across OpenMP threads.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>
#include "kernels.h"

namespace {
struct Entry {
  int off;  // ic·outC: the entry's row within a tap's [inC, outC] slab
  float v;
};
struct Tap {
  int off;  // (kh·kW + kw)·inC·outC: the tap's slab within wT
  int e0, e1;
};

// 16 floats: one zmm (AVX-512), two ymm or four xmm in the other clones. aligned(4) allows unaligned rows.
typedef float v16 __attribute__((vector_size(64), aligned(4), may_alias));

// Output channels [ob, ob + 16·V) of one pixel: V accumulators stay in registers across all its entries.
template <int V>
MULTIVERSION void block(float* out, const float* wT, const float* bias, const Tap* taps, int nt, const Entry* ent, int ob) {
  v16 acc[V];
  for (int j = 0; j < V; j++) {
    if (bias) std::memcpy(&acc[j], bias + ob + 16 * j, sizeof(v16));
    else acc[j] = v16{};
  }
  for (int t = 0; t < nt; t++) {
    const float* wt = wT + taps[t].off + ob;
    for (int e = taps[t].e0; e < taps[t].e1; e++) {
      const float* w = wt + ent[e].off;
      const float v = ent[e].v;
      for (int j = 0; j < V; j++) acc[j] += v * *reinterpret_cast<const v16*>(w + 16 * j);
    }
  }
  std::memcpy(out + ob, acc, sizeof(acc));
}

void tail(float* out, const float* wT, const float* bias, const Tap* taps, int nt, const Entry* ent, int ob, int outC) {
  for (int oc = ob; oc < outC; oc++) {
    float a = bias ? bias[oc] : 0.f;
    for (int t = 0; t < nt; t++) {
      for (int e = taps[t].e0; e < taps[t].e1; e++) a += ent[e].v * wT[taps[t].off + ent[e].off + oc];
    }
    out[oc] = a;
  }
}

// Whether any of 8 floats is not ±0 (NaN counts): an OR of their bits as four 64-bit words, sign bits masked off.
inline bool any_nonzero8(const float* p) {
  uint64_t w[4];
  std::memcpy(w, p, sizeof(w));
  return ((w[0] | w[1] | w[2] | w[3]) & 0x7fffffff7fffffffull) != 0;
}

void sparse_image(const float* x, const float* wT, const float* bias, float* y, const ConvGeom& g, int b,
                  std::vector<int>& starts, std::vector<Entry>& ent, std::vector<Tap>& taps) {
  const int P = g.inH * g.inW;
  starts.resize(P + 1);
  taps.resize((size_t)g.kH * g.kW);
  ent.clear();
  const float* src = x + (size_t)b * P * g.inC;
  for (int p = 0; p < P; p++) {
    starts[p] = (int)ent.size();
    const float* px = src + (size_t)p * g.inC;
    int c = 0;
    for (; c + 8 <= g.inC; c += 8) {
      if (!any_nonzero8(px + c)) continue;  // spike trains are mostly zero runs: one test per 8 channels
      for (int j = c; j < c + 8; j++) {
        if (px[j] != 0.f) ent.push_back({j * g.outC, px[j]});
      }
    }
    for (; c < g.inC; c++) {
      if (px[c] != 0.f) ent.push_back({c * g.outC, px[c]});
    }
  }
  starts[P] = (int)ent.size();
  for (int oh = 0; oh < g.outH; oh++) {
    const int ih0 = oh * g.strideH - g.padH;
    const int khLo = std::max(0, -ih0), khHi = std::min(g.kH, g.inH - ih0);
    for (int ow = 0; ow < g.outW; ow++) {
      const int iw0 = ow * g.strideW - g.padW;
      const int kwLo = std::max(0, -iw0), kwHi = std::min(g.kW, g.inW - iw0);
      int nt = 0;
      for (int kh = khLo; kh < khHi; kh++) {
        for (int kw = kwLo; kw < kwHi; kw++) {
          const int p = (ih0 + kh) * g.inW + iw0 + kw;
          if (starts[p + 1] > starts[p]) taps[nt++] = {(kh * g.kW + kw) * g.inC * g.outC, starts[p], starts[p + 1]};
        }
      }
      float* out = y + (((size_t)b * g.outH + oh) * g.outW + ow) * g.outC;
      int ob = 0;
      for (; ob + 64 <= g.outC; ob += 64) block<4>(out, wT, bias, taps.data(), nt, ent.data(), ob);
      for (; ob + 16 <= g.outC; ob += 16) block<1>(out, wT, bias, taps.data(), nt, ent.data(), ob);
      tail(out, wT, bias, taps.data(), nt, ent.data(), ob, g.outC);
    }
  }
}
}  // namespace

void conv_sparse_forward(const float* x, const float* wT, const float* bias, float* y, const ConvGeom& g) {
#pragma omp parallel
  {
    std::vector<int> starts;
    std::vector<Entry> ent;
    std::vector<Tap> taps;
#pragma omp for schedule(dynamic, 1)
    for (int b = 0; b < g.batch; b++) sparse_image(x, wT, bias, y, g, b, starts, ent, taps);
  }
}

double nonzero_count(const float* x, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += x[i] != 0.f;
  return (double)c;
}
