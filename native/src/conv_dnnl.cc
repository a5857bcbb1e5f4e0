// Convolutions through oneDNN on the caller's channels-last buffers (src/dst nhwc, weights ohwi). Primitives are
// built once per geometry and thread count and cached; oneDNN picks its own weight layout, reached by a reorder
// of the (small) weights on each call. Any shape oneDNN refuses returns false and runs on im2col + sgemm.
#include <dnnl.hpp>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <memory>
#include <tuple>
#include <vector>
#include "kernels.h"

extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads(void);

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {
engine& eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(eng());
  return s;
}

struct Prims {
  memory::desc src, dst, wUser, bias;
  convolution_forward::primitive_desc fwd, fwdNoBias;
  convolution_backward_data::primitive_desc bwdData;
  convolution_backward_weights::primitive_desc bwdW;
  memory wFwd, wBwd, dwPrim, dbTmp;  // oneDNN-layout weights and filter-gradient scratch
};

using Key = std::tuple<int, int, int, int, int, int, int, int, int, int, int, int>;
std::map<Key, std::unique_ptr<Prims>> cache;

Prims* prims(const ConvGeom& g) {
  const int threads = omp_get_max_threads();
  Key key{g.batch, g.inH, g.inW, g.inC, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, threads};
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  const int padR_h = (g.outH - 1) * g.strideH + g.kH - g.inH - g.padH;
  const int padR_w = (g.outW - 1) * g.strideW + g.kW - g.inW - g.padW;
  if (padR_h < 0 || padR_w < 0) return nullptr;  // rows the floor rule drops: leave those to im2col
  auto p = std::make_unique<Prims>();
  memory::dims strides{g.strideH, g.strideW}, padL{g.padH, g.padW}, padR{padR_h, padR_w};
  p->src = memory::desc({g.batch, g.inC, g.inH, g.inW}, dt::f32, tag::nhwc);
  p->dst = memory::desc({g.batch, g.outC, g.outH, g.outW}, dt::f32, tag::nhwc);
  p->wUser = memory::desc({g.outC, g.inC, g.kH, g.kW}, dt::f32, tag::ohwi);
  p->bias = memory::desc({g.outC}, dt::f32, tag::x);
  memory::desc wAny({g.outC, g.inC, g.kH, g.kW}, dt::f32, tag::any);
  auto alg = algorithm::convolution_direct;
  p->fwd = convolution_forward::primitive_desc(
      convolution_forward::desc(prop_kind::forward_training, alg, p->src, wAny, p->bias, p->dst, strides, padL, padR),
      eng());
  p->fwdNoBias = convolution_forward::primitive_desc(
      convolution_forward::desc(prop_kind::forward_training, alg, p->src, wAny, p->dst, strides, padL, padR), eng());
  p->bwdData = convolution_backward_data::primitive_desc(
      convolution_backward_data::desc(alg, p->src, wAny, p->dst, strides, padL, padR), eng(), p->fwd);
  p->bwdW = convolution_backward_weights::primitive_desc(
      convolution_backward_weights::desc(alg, p->src, wAny, p->bias, p->dst, strides, padL, padR), eng(), p->fwd);
  p->wFwd = memory(p->fwd.weights_desc(), eng());
  p->wBwd = memory(p->bwdData.weights_desc(), eng());
  p->dwPrim = memory(p->bwdW.diff_weights_desc(), eng());
  p->dbTmp = memory(p->bias, eng());
  Prims* raw = p.get();
  cache.emplace(key, std::move(p));
  return raw;
}

// The user's ohwi weights in the layout `dst` wants (a copy when they already agree).
void weights_into(const float* w, memory& dst, const memory::desc& user) {
  memory src(user, eng(), const_cast<float*>(w));
  reorder(src, dst).execute(strm(), src, dst);
}

template <typename F>
bool guarded(F&& f) {
  try {
    return f();
  } catch (const dnnl::error&) {
    return false;
  }
}
}  // namespace

bool dnnl_conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  return guarded([&] {
    Prims* p = prims(g);
    if (!p) return false;
    auto& pd = bias ? p->fwd : p->fwdNoBias;
    memory wm = p->wFwd;
    if (pd.weights_desc() != p->wFwd.get_desc()) wm = memory(pd.weights_desc(), eng());
    weights_into(w, wm, p->wUser);
    memory xm(p->src, eng(), const_cast<float*>(x)), ym(p->dst, eng(), y);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}};
    if (bias) args.emplace(DNNL_ARG_BIAS, memory(p->bias, eng(), const_cast<float*>(bias)));
    convolution_forward(pd).execute(strm(), args);
    strm().wait();
    return true;
  });
}

bool dnnl_conv_backward_input(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  return guarded([&] {
    Prims* p = prims(g);
    if (!p) return false;
    weights_into(w, p->wBwd, p->wUser);
    memory dym(p->dst, eng(), const_cast<float*>(dy)), dxm(p->src, eng(), dx);
    convolution_backward_data(p->bwdData)
        .execute(strm(), {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, p->wBwd}, {DNNL_ARG_DIFF_SRC, dxm}});
    strm().wait();
    return true;
  });
}

bool dnnl_conv_backward_filter(const float* x, const float* dy, float* dw, float* db, const ConvGeom& g, bool acc) {
  return guarded([&] {
    Prims* p = prims(g);
    if (!p) return false;
    memory xm(p->src, eng(), const_cast<float*>(x)), dym(p->dst, eng(), const_cast<float*>(dy));
    convolution_backward_weights(p->bwdW)
        .execute(strm(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, p->dwPrim},
                          {DNNL_ARG_DIFF_BIAS, p->dbTmp}});
    const size_t nw = (size_t)g.outC * g.kH * g.kW * g.inC;
    if (!acc) {
      memory dwm(p->wUser, eng(), dw);
      reorder(p->dwPrim, dwm).execute(strm(), p->dwPrim, dwm);
    } else {
      std::vector<float> tmp(nw);
      memory tm(p->wUser, eng(), tmp.data());
      reorder(p->dwPrim, tm).execute(strm(), p->dwPrim, tm);
      strm().wait();
      for (size_t i = 0; i < nw; i++) dw[i] += tmp[i];
    }
    strm().wait();
    if (db) {
      const float* b = static_cast<const float*>(p->dbTmp.get_data_handle());
      for (int c = 0; c < g.outC; c++) db[c] = acc ? db[c] + b[c] : b[c];
    }
    return true;
  });
}

const char* dnnl_isa_name() {
  switch (get_effective_cpu_isa()) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

// The implementations oneDNN chose for a geometry's three passes (for the bench report).
std::string dnnl_conv_impls(const ConvGeom& g) {
  Prims* p = prims(g);
  if (!p) return "im2col+sgemm";
  return std::string(p->fwd.impl_info_str()) + " / " + p->bwdData.impl_info_str() + " / " + p->bwdW.impl_info_str();
}
