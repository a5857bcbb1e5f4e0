// Event-driven convolution forward for sparse (spiking) inputs; the linear layer runs on it as a 1×1 image.
// Per image, the non-zero inputs are first gathered into a list per pixel (weight-row offset ic·outC, value);
// then each output pixel sums value · wT[kh, kw, ic, block] over the active entries of every pixel its taps read,
// 64 output channels at a time in registers (GCC vector types), so y is written once and never read back. Work
// follows the spike count. wT is the weight transposed to [kH, kW, inC, outC]. Images are split across OpenMP threads.
#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <vector>
#include "kernels.h"
#include "parallel.h"

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

// The event sums may fuse multiply and add (the build turns contraction off for the kernels that must round as the
// reference does): the contract allows any summation order, and it halves the instructions.
#define FUSED __attribute__((optimize("fp-contract=fast")))

// Output channels [ob, ob + 16·V) of one pixel: V accumulators stay in registers across all its entries.
template <int V>
FUSED MULTIVERSION void block(float* out, const float* wT, const float* bias, const Tap* taps, int nt, const Entry* ent, int ob) {
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
// (kh, kw) feeds. The inputs are walked in tiles (a band of an image's rows; for a pointwise conv or a linear layer,
// 128 pixels or rows). Per tile, each input channel's non-zero inputs are listed once; then, per block of kBlock
// output channels, the dy the tile reaches is packed into an L1-sized buffer (dy read in place would thrash L1: its
// rows are outC apart) and each channel's list is summed for each tap in registers, into a [kH·kW, channels, outC]
// buffer that is transposed into dw at the end.
// At stride 1 the pack is zero-padded so that every tap of every event reads it at a fixed offset (padding reads
// zeros); at larger strides a table maps each input pixel and tap to its output, or to none.
// Work items are chunks of input channels (each owning dw[:, :, :, chunk]) times slices of the tiles (each with its
// own sums, added in slice order at the end): both depend on the geometry only, so the sums are the same for any
// thread count.
// The event sums fuse multiply and add (FUSED above): only the rounding differs between the baseline and the AVX2 /
// AVX-512 clones.
namespace {
constexpr int kBlock = 64;         // output channels summed in registers at a time
constexpr int kPackFloats = 8192;  // a tile's packed dy: 32 KB, within L1
constexpr int kItems = 8;          // work items to aim for (chunks × slices)

struct Event {
  int at;  // where the event sits in the tile's pack coordinates (strided: its pixel within the image)
  float v;
};

// One channel's events through one tap, into V·16 output channels. Shifted (stride 1): the event reads pack row
// at − shift. Otherwise tap[at] − shift is the row, and tap[at] = −1 (no output: padding, or the stride skipping
// the input) reads row 0 with the value zeroed, branch-free.
template <int V, bool Shifted>
FUSED __attribute__((always_inline)) inline void filter_block(float* sum, const float* pack, const int* tap,
                                                              int shift, const Event* ev, int n) {
  v16 acc[V];
  for (int j = 0; j < V; j++) acc[j] = v16{};
  for (int i = 0; i < n; i++) {
    int row = ev[i].at - shift;
    float v = ev[i].v;
    if (!Shifted) {
      const int q = tap[ev[i].at];
      v = q < 0 ? 0.f : v;
      row = q < 0 ? 0 : q - shift;
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

template <bool Shifted>
FUSED __attribute__((always_inline)) inline void filter_tail(float* sum, const float* pack, const int* tap, int shift,
                                                       const Event* ev, int n, int count) {
  for (int oc = 0; oc < count; oc++) {
    float a = 0.f;
    for (int i = 0; i < n; i++) {
      const int q = Shifted ? ev[i].at : tap[ev[i].at];
      if (q >= 0) a += ev[i].v * pack[(q - shift) * kBlock + oc];
    }
    sum[oc] += a;
  }
}

// Where a tile's events read: per tap, the shift (stride 1) or the table row and the pack's first output pixel.
struct TapMap {
  const int* table;  // [taps, P] output pixel per input pixel, or −1; null at stride 1
  int P;
  const int* shift;  // [taps] at stride 1
  int first;
};

// One tile's sums for output channels [ob, ob + width): sum[(t·cn + c)·outC] += channel c's events through tap t.
template <bool Shifted>
FUSED MULTIVERSION void tile_sums(float* sum, int outC, const float* pack, int width, const TapMap& m, int taps,
                                  const Event* ev, const int* count, int cap, int cn) {
  for (int c = 0; c < cn; c++) {
    const int n = count[c];
    if (n == 0) continue;
    const Event* e = ev + (size_t)c * cap;
    for (int t = 0; t < taps; t++) {
      const int* tap = Shifted ? nullptr : m.table + (size_t)t * m.P;
      const int shift = Shifted ? m.shift[t] : m.first;
      float* out = sum + ((size_t)t * cn + c) * outC;
      if (width == kBlock) {
        filter_block<kBlock / 16, Shifted>(out, pack, tap, shift, e, n);
        continue;
      }
      int o = 0;
      for (; o + 32 <= width; o += 32) filter_block<2, Shifted>(out + o, pack + o, tap, shift, e, n);
      for (; o + 16 <= width; o += 16) filter_block<1, Shifted>(out + o, pack + o, tap, shift, e, n);
      if (o < width) filter_tail<Shifted>(out + o, pack + o, tap, shift, e, n, width - o);
    }
  }
}

// Bit j set where px[j] is not ±0 (NaN counts), j < 16: 16 scalar compares (an AVX-512 masked test below).
inline unsigned scalar_mask16(const float* px) {
  unsigned m = 0;
  for (int j = 0; j < 16; j++) m |= (unsigned)(px[j] != 0.f) << j;
  return m;
}

// A tile: `rows` rows of `cols` pixels of x, from pixel p0 with `rowStride` pixels per row; the event at row r,
// column w sits at atBase + r·atRow + w. Its pack holds dy rows [rowLo, rowLo + packRows) × columns
// [colLo, colLo + packCols) of image b (zeros outside the output).
struct Tile {
  size_t p0;
  int rows, cols, rowStride, atBase, atRow;
  int b, rowLo, packRows, colLo, packCols;
};

// Lists the tile's non-zero x[·, c0 + c] (c < cn), one list of capacity `cap` per channel. A macro, so that the
// AVX-512 copy can inline its intrinsic (GCC inlines across target attributes only into a matching caller).
#define LIST_EVENTS_BODY(MASK16)                                                  \
  for (int c = 0; c < cn; c++) count[c] = 0;                                      \
  for (int r = 0; r < t.rows; r++) {                                              \
    for (int w = 0; w < t.cols; w++) {                                            \
      const float* px = x + (t.p0 + (size_t)r * t.rowStride + w) * inC + c0;      \
      __builtin_prefetch(px + 8 * inC); /* x streams from memory */              \
      const int at = t.atBase + r * t.atRow + w;                                  \
      int c = 0;                                                                  \
      for (; c + 16 <= cn; c += 16) {                                             \
        for (unsigned m = MASK16(px + c); m != 0; m &= m - 1) {                   \
          const int j = c + __builtin_ctz(m);                                     \
          ev[(size_t)j * cap + count[j]++] = {at, px[j]};                         \
        }                                                                         \
      }                                                                           \
      for (; c < cn; c++) {                                                       \
        if (px[c] != 0.f) ev[(size_t)c * cap + count[c]++] = {at, px[c]};        \
      }                                                                           \
    }                                                                             \
  }

void list_events_scalar(const float* x, int inC, const Tile& t, int c0, int cn, Event* ev, int cap, int* count) {
  LIST_EVENTS_BODY(scalar_mask16)
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AVX512_MASK16(p) _mm512_test_epi32_mask(_mm512_loadu_si512(p), _mm512_set1_epi32(0x7fffffff))
__attribute__((target("avx512f"))) void list_events_avx512(const float* x, int inC, const Tile& t, int c0, int cn,
                                                           Event* ev, int cap, int* count) {
  LIST_EVENTS_BODY(AVX512_MASK16)
}
#undef AVX512_MASK16
bool has_avx512() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f"));
  return yes;
}
#endif
#undef LIST_EVENTS_BODY

void list_events(const float* x, int inC, const Tile& t, int c0, int cn, Event* ev, int cap, int* count) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (has_avx512()) return list_events_avx512(x, inC, t, c0, cn, ev, cap, count);
#endif
  list_events_scalar(x, inC, t, c0, cn, ev, cap, count);
}

// pack[r, w, 0:width] = dy[b, rowLo + r, colLo + w, ob:ob + width], zero outside the output.
MULTIVERSION void pack_tile(float* pack, const float* dy, const ConvGeom& g, const Tile& t, int outH, int outW, int ob,
                            int width) {
  for (int r = 0; r < t.packRows; r++) {
    const int oh = t.rowLo + r;
    for (int w = 0; w < t.packCols; w++) {
      const int ow = t.colLo + w;
      float* dst = pack + ((size_t)r * t.packCols + w) * kBlock;
      const bool inside = oh >= 0 && oh < outH && ow >= 0 && ow < outW;
      const float* src = dy + (((size_t)t.b * outH + oh) * outW + ow) * g.outC + ob;
      if (inside && width == kBlock) {
        for (int j = 0; j < kBlock; j += 16) *reinterpret_cast<v16*>(dst + j) = *reinterpret_cast<const v16*>(src + j);
      } else {
        for (int j = 0; j < width; j++) dst[j] = inside ? src[j] : 0.f;
      }
    }
  }
}

bool is_pointwise(const ConvGeom& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
}

// The tiles, in order. Pointwise: runs of pixels of the flattened batch, the pack their dy rows. Stride 1: bands of
// an image's rows, the pack every output their taps could name, padded. Otherwise: bands of rows, the pack the
// output rows they reach.
std::vector<Tile> tiles(const ConvGeom& g) {
  std::vector<Tile> out;
  if (is_pointwise(g)) {
    const long rows = (long)g.batch * g.inH * g.inW;
    const int per = kPackFloats / kBlock;
    for (long r = 0; r < rows; r += per) {
      const int n = (int)std::min<long>(per, rows - r);
      out.push_back({(size_t)r, n, 1, 1, 0, 1, 0, (int)r, n, 0, 1});
    }
    return out;
  }
  const bool shifted = g.strideH == 1 && g.strideW == 1;
  const int packCols = shifted ? g.inW + g.kW - 1 : g.outW;
  // Input rows per band: as many as keep the pack within kPackFloats (at least one).
  const int packRowsMax = std::max(1, kPackFloats / (packCols * kBlock));
  const int reach = (g.kH - 1 + g.strideH - 1) / g.strideH;  // extra output rows a band's taps reach
  const int span = std::max(1, (packRowsMax - reach) * g.strideH);
  const int bands = (g.inH + span - 1) / span, per = (g.inH + bands - 1) / bands;
  for (int b = 0; b < g.batch; b++) {
    for (int ih0 = 0; ih0 < g.inH; ih0 += per) {
      const int n = std::min(per, g.inH - ih0);
      const size_t p0 = ((size_t)b * g.inH + ih0) * g.inW;
      if (shifted) {
        out.push_back({p0, n, g.inW, g.inW, (g.kH - 1) * packCols + g.kW - 1, packCols, b, ih0 + g.padH - g.kH + 1,
                       n + g.kH - 1, g.padW - g.kW + 1, packCols});
      } else {
        // Output row oh reads input rows oh·strideH − padH + [0, kH).
        const int oh0 = std::max(0, (ih0 + g.padH - g.kH + 1 + g.strideH - 1) / g.strideH);
        const int oh1 = std::min(g.outH, (ih0 + n - 1 + g.padH) / g.strideH + 1);
        if (oh0 < oh1) out.push_back({p0, n, g.inW, g.inW, ih0 * g.inW, g.inW, b, oh0, oh1 - oh0, 0, g.outW});
      }
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

struct Scratch {
  std::vector<Event> ev;
  std::vector<int> count;
  std::vector<float> pack;
};

// The sums of channels [c0, c0 + cn) over tiles [t0, t1) into sum ([taps, cn, outC], zeroed).
template <bool Shifted>
void filter_item(const float* x, const float* dy, float* sum, const ConvGeom& g, int c0, int cn,
                 const std::vector<Tile>& tileList, int t0, int t1, const TapMap& map, Scratch& s) {
  const int taps = g.kH * g.kW;
  const bool pointwise = is_pointwise(g);
  int cap = 0, packRows = 0;
  for (int i = t0; i < t1; i++) {
    cap = std::max(cap, tileList[i].rows * tileList[i].cols);
    packRows = std::max(packRows, tileList[i].packRows * tileList[i].packCols);
  }
  s.ev.resize((size_t)cn * cap);
  s.count.resize(cn);
  s.pack.resize((size_t)packRows * kBlock);
  for (int i = t0; i < t1; i++) {
    const Tile& tile = tileList[i];
    list_events(x, g.inC, tile, c0, cn, s.ev.data(), cap, s.count.data());
    bool any = false;
    for (int c = 0; c < cn; c++) any = any || s.count[c] > 0;
    if (!any) continue;
    TapMap m = map;
    if (!Shifted) m.first = tile.rowLo * g.outW;
    for (int ob = 0; ob < g.outC; ob += kBlock) {
      const int width = std::min(kBlock, g.outC - ob);
      // A pointwise tile's dy rows are the flattened batch's (one image of one column).
      if (pointwise) pack_tile(s.pack.data(), dy, g, tile, tile.rowLo + tile.packRows, 1, ob, width);
      else pack_tile(s.pack.data(), dy, g, tile, g.outH, g.outW, ob, width);
      tile_sums<Shifted>(sum + ob, g.outC, s.pack.data(), width, m, taps, s.ev.data(), s.count.data(), cap, cn);
    }
  }
}
// dw[oc, t, c0 + c] (+)= Σ over slices sl, in order, of sums[sl·sliceStride + (t·cn + c)·outC + oc], through
// 16 × 16 blocks so that both the sums and dw are read and written along their rows.
MULTIVERSION void write_dw(float* dw, const float* sums, size_t sliceStride, int slices, const ConvGeom& g, int c0,
                           int cn, bool acc) {
  const int taps = g.kH * g.kW, outC = g.outC;
  const size_t K = (size_t)taps * g.inC;
  float blk[16][16];
  for (int t = 0; t < taps; t++) {
    for (int cb = 0; cb < cn; cb += 16) {
      const int nc = std::min(16, cn - cb);
      for (int ob = 0; ob < outC; ob += 16) {
        const int no = std::min(16, outC - ob);
        if (nc == 16 && no == 16) {  // constant bounds: whole-vector copies, not `rep movs`
          for (int c = 0; c < 16; c++) {
            const float* src = sums + ((size_t)t * cn + cb + c) * outC + ob;
            v16 row = *reinterpret_cast<const v16*>(src);
            for (int sl = 1; sl < slices; sl++) row += *reinterpret_cast<const v16*>(src + sl * sliceStride);
            for (int j = 0; j < 16; j++) blk[j][c] = row[j];
          }
          for (int j = 0; j < 16; j++) {
            v16* out = reinterpret_cast<v16*>(dw + (ob + j) * K + (size_t)t * g.inC + c0 + cb);
            const v16 v = *reinterpret_cast<const v16*>(blk[j]);
            *out = acc ? *out + v : v;
          }
          continue;
        }
        for (int c = 0; c < nc; c++) {
          const float* src = sums + ((size_t)t * cn + cb + c) * outC + ob;
          for (int j = 0; j < no; j++) {
            float a = src[j];
            for (int sl = 1; sl < slices; sl++) a += src[sl * sliceStride + j];
            blk[j][c] = a;
          }
        }
        for (int j = 0; j < no; j++) {
          float* out = dw + (ob + j) * K + (size_t)t * g.inC + c0 + cb;
          for (int c = 0; c < nc; c++) out[c] = acc ? out[c] + blk[j][c] : blk[j][c];
        }
      }
    }
  }
}
}  // namespace

void conv_sparse_backward_filter(const float* x, const float* dy, float* dw, const ConvGeom& g, bool acc) {
  const int taps = g.kH * g.kW, outC = g.outC;
  const bool shifted = g.strideH == 1 && g.strideW == 1;
  const std::vector<int> table = shifted ? std::vector<int>{} : tap_table(g);
  const std::vector<Tile> tileList = tiles(g);
  std::vector<int> shift(taps);
  const int packCols = is_pointwise(g) ? 1 : g.inW + g.kW - 1;
  for (int t = 0; t < taps; t++) shift[t] = t / g.kW * packCols + t % g.kW;
  const TapMap map{table.data(), g.inH * g.inW, shift.data(), 0};
  // Chunks of input channels: all of them up to 64 (x is read once); else about 16 of at least 16 channels, so a
  // pixel's slice of x is a cache line or more. Then slices of the tiles up to about kItems work items.
  const int chunkWidth = g.inC <= 64 ? g.inC : std::max(16, (g.inC + 16 * 16 - 1) / (16 * 16) * 16);
  const int chunks = (g.inC + chunkWidth - 1) / chunkWidth;
  const int nTiles = (int)tileList.size();
  const int slices = std::max(1, std::min(nTiles, (kItems + chunks - 1) / chunks));
  const size_t chunkSum = (size_t)taps * chunkWidth * outC;
  // Kept between calls: a fresh buffer of this size costs a page fault per 4 KB every training step.
  static thread_local std::vector<float> sums;
  if (sums.size() < (size_t)chunks * slices * chunkSum) sums.resize((size_t)chunks * slices * chunkSum);
  float* const sumsBase = sums.data();
#pragma omp parallel
  {
    Scratch s;
#pragma omp for schedule(dynamic, 1)
    for (int item = 0; item < chunks * slices; item++) {
      const int ch = item / slices, sl = item % slices;
      const int c0 = ch * chunkWidth, cn = std::min(chunkWidth, g.inC - c0);
      const int t0 = (int)((long)nTiles * sl / slices), t1 = (int)((long)nTiles * (sl + 1) / slices);
      float* sum = sumsBase + (size_t)item * chunkSum;
      std::memset(sum, 0, (size_t)taps * cn * outC * sizeof(float));
      if (shifted) filter_item<true>(x, dy, sum, g, c0, cn, tileList, t0, t1, map, s);
      else filter_item<false>(x, dy, sum, g, c0, cn, tileList, t0, t1, map, s);
      if (slices == 1) write_dw(dw, sum, chunkSum, 1, g, c0, cn, acc);  // while the sums are in L2
    }
    if (slices > 1) {  // the same on every thread
      // dw[oc, t, c0 + c] (+)= Σ over slices, in order, of sum[t, c, oc].
#pragma omp for schedule(dynamic, 1)
      for (int ch = 0; ch < chunks; ch++) {
        const int c0 = ch * chunkWidth, cn = std::min(chunkWidth, g.inC - c0);
        write_dw(dw, sumsBase + (size_t)ch * slices * chunkSum, chunkSum, slices, g, c0, cn, acc);
      }
    }
  }
}

#undef FUSED

namespace {
// a block's count fits 32 bits, which lets the compare-and-add vectorise 16 lanes wide
MULTIVERSION uint32_t count_range(const float* x, size_t lo, size_t hi) {
  uint32_t c = 0;
  for (size_t i = lo; i < hi; i++) c += x[i] != 0.f;
  return c;
}
}  // namespace

// The density test of every event-driven choice reads the whole input: threaded, exact in any block order.
double nonzero_count(const float* x, size_t n) {
  const size_t blocks = (n + kGrain - 1) / kGrain;
  std::vector<uint32_t> part(blocks, 0);
  parallel_blocks(n, kGrain, [&](size_t b, size_t lo, size_t hi) { part[b] = count_range(x, lo, hi); });
  uint64_t c = 0;
  for (uint32_t p : part) c += p;
  return (double)c;
}
