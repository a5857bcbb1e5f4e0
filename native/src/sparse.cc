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
// (kh, kw) feeds. The input channels are split into chunks, each owning dw[:, :, :, chunk], so no two threads write
// the same entry. A chunk walks the inputs in tiles (a band of an image's rows; for a pointwise conv or a linear
// layer, a couple of hundred pixels or rows), lists each channel's non-zero inputs of the tile, and then, per block
// of kBlock output channels, packs the dy rows the tile reaches into an L1-sized buffer and sums each channel's list
// for each tap in registers. Those sums go into a per-chunk [kH·kW, channels, outC] buffer that is transposed into dw
// at the end. Chunks and tiles depend on the geometry only, so the sums are the same for any thread count.
namespace {
constexpr int kBlock = 64;         // output channels summed in registers at a time
constexpr int kPackFloats = 8192;  // a tile's packed dy block: 32 KB, within L1

struct Event {
  int at;  // the input pixel within its image (pointwise: the output row within the tile)
  float v;
};

// The tile's events of one channel, for one tap and V·16 output channels: tap[at] − first is the packed dy row the
// event's tap feeds; tap[at] is −1 where that tap falls outside the output (padding, or a stride skipping the
// input), and those read row 0 with the value zeroed, branch-free (few at stride 1).
template <int V, bool Pointwise>
__attribute__((always_inline)) inline void filter_block(float* sum, const float* pack, const int* tap, int first, const Event* ev, int n) {
  v16 acc[V];
  for (int j = 0; j < V; j++) acc[j] = v16{};
  for (int i = 0; i < n; i++) {
    int row = ev[i].at;
    float v = ev[i].v;
    if (!Pointwise) {
      const int q = tap[row];
      v = q < 0 ? 0.f : v;
      row = q < 0 ? 0 : q - first;
    }
    const float* d = pack + row * kBlock;
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
__attribute__((always_inline)) inline void filter_tail(float* sum, const float* pack, const int* tap, int first, const Event* ev, int n, int count) {
  for (int oc = 0; oc < count; oc++) {
    float a = 0.f;
    for (int i = 0; i < n; i++) {
      const int q = Pointwise ? ev[i].at : tap[ev[i].at];
      if (q >= 0) a += ev[i].v * pack[(q - (Pointwise ? 0 : first)) * kBlock + oc];
    }
    sum[oc] += a;
  }
}

// One tile's sums for output channels [ob, ob + width): sum[(t·cn + c)·outC] += channel c's events through tap t.
template <bool Pointwise>
MULTIVERSION void tile_sums(float* sum, int outC, const float* pack, int width, const int* tapTable, int P, int taps,
                            int first, const Event* ev, const int* count, int cap, int cn) {
  for (int c = 0; c < cn; c++) {
    const int n = count[c];
    if (n == 0) continue;
    const Event* e = ev + (size_t)c * cap;
    for (int t = 0; t < taps; t++) {
      const int* tap = Pointwise ? nullptr : tapTable + (size_t)t * P;
      float* out = sum + ((size_t)t * cn + c) * outC;
      if (width == kBlock) {
        filter_block<kBlock / 16, Pointwise>(out, pack, tap, first, e, n);
        continue;
      }
      int o = 0;
      for (; o + 32 <= width; o += 32) filter_block<2, Pointwise>(out + o, pack + o, tap, first, e, n);
      for (; o + 16 <= width; o += 16) filter_block<1, Pointwise>(out + o, pack + o, tap, first, e, n);
      if (o < width) filter_tail<Pointwise>(out + o, pack + o, tap, first, e, n, width - o);
    }
  }
}

// Bit j set where px[j] is not ±0 (NaN counts), j < 16: one vector compare where the clone has one.
typedef uint32_t u16 __attribute__((vector_size(64), aligned(4), may_alias));
inline unsigned nonzero_mask16(const float* px) {
  const u16 bit = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
  const u16 set = (*reinterpret_cast<const u16*>(px) & 0x7fffffffu) != 0;  // lanes −1 or 0
  const u16 m = set & bit;
  unsigned r = 0;
  for (int j = 0; j < 16; j++) r |= m[j];
  return r;
}

// Lists the non-zero x[pixel, c0 + c] (c < cn) of pixels [p0, p1) of the [pixels, inC] rows x, event `at` being the
// pixel minus `atBase`, one list of capacity `cap` per channel.
MULTIVERSION void list_events(const float* x, int inC, size_t p0, size_t p1, size_t atBase, int c0, int cn, Event* ev, int cap,
                 int* count) {
  for (int c = 0; c < cn; c++) count[c] = 0;
  for (size_t p = p0; p < p1; p++) {
    const float* px = x + p * inC + c0;
    const int at = (int)(p - atBase);
    int c = 0;
    for (; c + 16 <= cn; c += 16) {
      for (unsigned m = nonzero_mask16(px + c); m != 0; m &= m - 1) {
        const int j = c + __builtin_ctz(m);
        ev[(size_t)j * cap + count[j]++] = {at, px[j]};
      }
    }
    for (; c < cn; c++) {
      if (px[c] != 0.f) ev[(size_t)c * cap + count[c]++] = {at, px[c]};
    }
  }
}

// The tiles: input rows [ih0, ih1) of image b (pointwise: pixels [ih0, ih1) of the flattened batch), and the output
// rows [oh0, oh1) their taps reach, whose pixels the packed dy holds.
struct Tile {
  int b, ih0, ih1, oh0, oh1;
};

std::vector<Tile> tiles(const ConvGeom& g, bool pointwise) {
  std::vector<Tile> out;
  if (pointwise) {
    const int rows = g.batch * g.inH * g.inW, per = kPackFloats / kBlock;
    for (int r = 0; r < rows; r += per) out.push_back({0, r, std::min(rows, r + per), r, std::min(rows, r + per)});
    return out;
  }
  // As many input rows as keep the output rows they reach (plus the taps' overlap) within the pack.
  const int outRows = std::max(1, kPackFloats / (g.outW * kBlock));
  const int span = std::max(1, (outRows - (g.kH - 1 + g.strideH - 1) / g.strideH) * g.strideH);
  const int n = (g.inH + span - 1) / span, per = (g.inH + n - 1) / n;
  for (int b = 0; b < g.batch; b++) {
    for (int ih0 = 0; ih0 < g.inH; ih0 += per) {
      const int ih1 = std::min(g.inH, ih0 + per);
      // Output row oh reads input rows oh·strideH − padH + [0, kH).
      const int oh0 = std::max(0, (ih0 + g.padH - g.kH + 1 + g.strideH - 1) / g.strideH);
      const int oh1 = std::min(g.outH, (ih1 - 1 + g.padH) / g.strideH + 1);
      if (oh0 < oh1) out.push_back({b, ih0, ih1, oh0, oh1});
    }
  }
  return out;
}

// tap[(kh·kW + kw)·P + p]: the output pixel (oh·outW + ow) that tap (kh, kw) of input pixel p feeds, or −1.
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
          tap[(size_t)(kh * g.kW + kw) * P + ih * g.inW + iw] = th / g.strideH * g.outW + tw / g.strideW;
        }
      }
    }
  }
  return tap;
}

// pack[r, 0:width] = dy[r, 0:width] for rows r < rows of stride `stride`.
MULTIVERSION void pack_block(float* pack, const float* dy, int rows, int stride, int width) {
  for (int r = 0; r < rows; r++) {
    const float* src = dy + (size_t)r * stride;
    float* dst = pack + (size_t)r * kBlock;
    if (width == kBlock) {
      for (int j = 0; j < kBlock; j += 16) *reinterpret_cast<v16*>(dst + j) = *reinterpret_cast<const v16*>(src + j);
    } else {
      for (int j = 0; j < width; j++) dst[j] = src[j];
    }
  }
}

struct Scratch {
  std::vector<Event> ev;
  std::vector<int> count;
  std::vector<float> sum, pack;
};

template <bool Pointwise>
void filter_chunk(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc, int c0, int cn,
                  const std::vector<int>& tapTable, const std::vector<Tile>& tileList, Scratch& s) {
  const int P = g.inH * g.inW, taps = g.kH * g.kW, outC = g.outC;
  const size_t dyImage = (size_t)g.outH * g.outW * outC;
  int cap = 0;
  for (const Tile& t : tileList) cap = std::max(cap, (t.ih1 - t.ih0) * (Pointwise ? 1 : g.inW));
  s.ev.resize((size_t)cn * cap);
  s.count.resize(cn);
  s.sum.assign((size_t)taps * cn * outC, 0.f);
  int packRows = 0;
  for (const Tile& t : tileList) packRows = std::max(packRows, (t.oh1 - t.oh0) * (Pointwise ? 1 : g.outW));
  s.pack.resize((size_t)packRows * kBlock);
  for (const Tile& tile : tileList) {
    const float* dyTile;  // the tile's first dy row
    int dyRows, first = 0;
    if (Pointwise) {
      list_events(x, g.inC, tile.ih0, tile.ih1, tile.ih0, c0, cn, s.ev.data(), cap, s.count.data());
      dyTile = dy + (size_t)tile.oh0 * outC;
      dyRows = tile.oh1 - tile.oh0;
    } else {
      const size_t img = (size_t)tile.b * P;
      list_events(x, g.inC, img + tile.ih0 * g.inW, img + tile.ih1 * g.inW, img, c0, cn, s.ev.data(), cap,
                  s.count.data());
      dyTile = dy + tile.b * dyImage + (size_t)tile.oh0 * g.outW * outC;
      dyRows = (tile.oh1 - tile.oh0) * g.outW;
      first = tile.oh0 * g.outW;
    }
    bool any = false;
    for (int c = 0; c < cn; c++) any = any || s.count[c] > 0;
    if (!any) continue;
    for (int ob = 0; ob < outC; ob += kBlock) {
      const int width = std::min(kBlock, outC - ob);
      pack_block(s.pack.data(), dyTile + ob, dyRows, outC, width);
      tile_sums<Pointwise>(s.sum.data() + ob, outC, s.pack.data(), width, tapTable.data(), P, taps, first,
                           s.ev.data(), s.count.data(), cap, cn);
    }
  }
  const size_t K = (size_t)taps * g.inC;
  for (int oc = 0; oc < outC; oc++) {
    for (int t = 0; t < taps; t++) {
      float* out = dw + oc * K + (size_t)t * g.inC + c0;
      const float* sum = s.sum.data() + (size_t)t * cn * outC + oc;
      for (int c = 0; c < cn; c++) out[c] = acc ? out[c] + sum[(size_t)c * outC] : sum[(size_t)c * outC];
    }
  }
}
}  // namespace

void conv_sparse_backward_filter(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc) {
  const bool pointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
  const std::vector<int> tapTable = pointwise ? std::vector<int>{} : tap_table(g);
  const std::vector<Tile> tileList = tiles(g, pointwise);
  // About 16 chunks (for threads), each at least 16 channels so a pixel's slice of x is a cache line or more.
  const int width = std::max(16, (g.inC + 16 * 16 - 1) / (16 * 16) * 16);
  const int chunks = (g.inC + width - 1) / width;
#pragma omp parallel
  {
    Scratch s;
#pragma omp for schedule(dynamic, 1)
    for (int ch = 0; ch < chunks; ch++) {
      const int c0 = ch * width, cn = std::min(width, g.inC - c0);
      if (pointwise) filter_chunk<true>(x, dy, dw, g, acc, c0, cn, tapTable, tileList, s);
      else filter_chunk<false>(x, dy, dw, g, acc, c0, cn, tapTable, tileList, s);
    }
  }
}

double nonzero_count(const float* x, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += x[i] != 0.f;
  return (double)c;
}
