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

// ---- the event-driven filter gradient ----
// dw[oc, kh, kw, ic] = Σ over non-zero x[b, ih, iw, ic] of x · dy[b, oh, ow, oc], (oh, ow) the output its tap
// (kh, kw) feeds. Work is split over chunks of kChunk input channels, so each chunk owns dw[:, :, :, chunk] and
// no two threads write the same entry. Within a chunk the images go in groups whose dy stays in L2 (the linear
// layer's 1×1 images: hundreds of rows per group). Per group, each channel's non-zero inputs are listed once;
// then for every tap and block of output channels the whole list is summed in registers and added to a per-chunk
// [kH·kW, kChunk, outC] buffer, which is transposed into dw at the end. Chunks and groups depend on the geometry
// only, so the sums are the same for any thread count.
namespace {
constexpr int kChunk = 16;
constexpr size_t kGroupFloats = 65536;  // dy per image group: 256 KB

struct Event {
  int dy;  // the event's image (pointwise: its pixel) in the group's dy, in floats
  int p;   // its pixel ih·inW + iw, for the tap table
  float v;
};

// Taps outside the output (padding, or the stride skipping the input) read pixel 0 with the value zeroed:
// branch-free, and the wasted multiplies are few at stride 1.
template <int V, bool Pointwise>
MULTIVERSION void filter_block(float* sum, const float* dy, const int* tap, const Event* ev, int n) {
  v16 acc[V];
  for (int j = 0; j < V; j++) acc[j] = v16{};
  for (int i = 0; i < n; i++) {
    int off = ev[i].dy;
    float v = ev[i].v;
    if (!Pointwise) {
      const int q = tap[ev[i].p];
      off += q < 0 ? 0 : q;
      v = q < 0 ? 0.f : v;
    }
    const float* d = dy + off;
    for (int j = 0; j < V; j++) acc[j] += v * *reinterpret_cast<const v16*>(d + 16 * j);
  }
  for (int j = 0; j < V; j++) {
    v16 s;
    std::memcpy(&s, sum + 16 * j, sizeof(s));
    s += acc[j];
    std::memcpy(sum + 16 * j, &s, sizeof(s));
  }
}

template <bool Pointwise>
void filter_tail(float* sum, const float* dy, const int* tap, const Event* ev, int n, int count) {
  for (int oc = 0; oc < count; oc++) {
    float a = 0.f;
    for (int i = 0; i < n; i++) {
      const int q = Pointwise ? 0 : tap[ev[i].p];
      if (q >= 0) a += ev[i].v * dy[ev[i].dy + q + oc];
    }
    sum[oc] += a;
  }
}

// Lists the non-zero inputs of channels [c0, c0 + cn) in images [b0, b1), one list of capacity `cap` per channel.
void list_events(const float* x, const ConvGeom& g, int b0, int b1, int c0, int cn, bool pointwise, Event* ev,
                 int cap, int* count) {
  const int P = g.inH * g.inW;
  const int dyImage = g.outH * g.outW * g.outC;
  for (int c = 0; c < cn; c++) count[c] = 0;
  for (int b = b0; b < b1; b++) {
    const int base = (b - b0) * dyImage;
    for (int p = 0; p < P; p++) {
      const float* px = x + ((size_t)b * P + p) * g.inC + c0;
      const int dyOff = pointwise ? base + p * g.outC : base;
      int c = 0;
      for (; c + 8 <= cn; c += 8) {
        if (!any_nonzero8(px + c)) continue;
        for (int j = c; j < c + 8; j++) {
          if (px[j] != 0.f) ev[j * cap + count[j]++] = {dyOff, p, px[j]};
        }
      }
      for (; c < cn; c++) {
        if (px[c] != 0.f) ev[c * cap + count[c]++] = {dyOff, p, px[c]};
      }
    }
  }
}

// tap[(kh·kW + kw)·P + p]: the offset in an image's dy of the output that tap (kh, kw) of input pixel p feeds, or −1.
std::vector<int> tap_table(const ConvGeom& g) {
  const int P = g.inH * g.inW;
  std::vector<int> tap((size_t)g.kH * g.kW * P, -1);
  for (int kh = 0; kh < g.kH; kh++) {
    for (int kw = 0; kw < g.kW; kw++) {
      for (int ih = 0; ih < g.inH; ih++) {
        const int th = ih + g.padH - kh;
        if (th < 0 || th % g.strideH != 0 || th / g.strideH >= g.outH) continue;
        for (int iw = 0; iw < g.inW; iw++) {
          const int tw = iw + g.padW - kw;
          if (tw < 0 || tw % g.strideW != 0 || tw / g.strideW >= g.outW) continue;
          tap[(size_t)(kh * g.kW + kw) * P + ih * g.inW + iw] = (th / g.strideH * g.outW + tw / g.strideW) * g.outC;
        }
      }
    }
  }
  return tap;
}

template <bool Pointwise>
void filter_chunk(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc, int c0, const int* tap,
                  int group, std::vector<Event>& ev, std::vector<float>& sum) {
  const int P = g.inH * g.inW, taps = g.kH * g.kW, outC = g.outC;
  const int cn = std::min(kChunk, g.inC - c0);
  const int cap = group * P;
  ev.resize((size_t)cn * cap);
  sum.assign((size_t)taps * cn * outC, 0.f);
  int count[kChunk];
  const size_t dyImage = (size_t)g.outH * g.outW * outC;
  for (int b0 = 0; b0 < g.batch; b0 += group) {
    const int b1 = std::min(g.batch, b0 + group);
    list_events(x, g, b0, b1, c0, cn, Pointwise, ev.data(), cap, count);
    const float* dyGroup = dy + b0 * dyImage;
    for (int c = 0; c < cn; c++) {
      if (count[c] == 0) continue;
      const Event* e = ev.data() + (size_t)c * cap;
      for (int t = 0; t < taps; t++) {
        const int* tapRow = tap + (size_t)t * P;
        float* s = sum.data() + ((size_t)t * cn + c) * outC;
        int ob = 0;
        for (; ob + 64 <= outC; ob += 64) filter_block<4, Pointwise>(s + ob, dyGroup + ob, tapRow, e, count[c]);
        for (; ob + 16 <= outC; ob += 16) filter_block<1, Pointwise>(s + ob, dyGroup + ob, tapRow, e, count[c]);
        if (ob < outC) filter_tail<Pointwise>(s + ob, dyGroup + ob, tapRow, e, count[c], outC - ob);
      }
    }
  }
  const size_t K = (size_t)taps * g.inC;
  for (int oc = 0; oc < outC; oc++) {
    for (int t = 0; t < taps; t++) {
      float* out = dw + oc * K + (size_t)t * g.inC + c0;
      const float* s = sum.data() + (size_t)t * cn * outC + oc;
      for (int c = 0; c < cn; c++) out[c] = acc ? out[c] + s[(size_t)c * outC] : s[(size_t)c * outC];
    }
  }
}
}  // namespace

void conv_sparse_backward_filter(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc) {
  const bool pointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
  const std::vector<int> tap = pointwise ? std::vector<int>{} : tap_table(g);
  const size_t dyImage = (size_t)g.outH * g.outW * g.outC;
  const int group = (int)std::max<size_t>(1, std::min<size_t>(g.batch, kGroupFloats / std::max<size_t>(1, dyImage)));
  const int chunks = (g.inC + kChunk - 1) / kChunk;
#pragma omp parallel
  {
    std::vector<Event> ev;
    std::vector<float> sum;
#pragma omp for schedule(dynamic, 1)
    for (int ch = 0; ch < chunks; ch++) {
      if (pointwise) filter_chunk<true>(x, dy, dw, g, acc, ch * kChunk, nullptr, group, ev, sum);
      else filter_chunk<false>(x, dy, dw, g, acc, ch * kChunk, tap.data(), group, ev, sum);
    }
  }
}

double nonzero_count(const float* x, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += x[i] != 0.f;
  return (double)c;
}
