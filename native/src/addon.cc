// Node-API glue: unpacks JavaScript arguments (typed arrays by pointer, numbers, booleans), checks every buffer
// is long enough for the sizes it is given, and calls the kernels. Errors become JavaScript exceptions.
#include <node_api.h>
#include <cblas.h>
#include <stdexcept>
#include <string>
#include "kernels.h"

extern "C" void omp_set_num_threads(int);
std::string dnnl_conv_impls(const ConvGeom& g);

namespace {
bool use_dnnl = true;

struct Args {
  napi_env env;
  static constexpr size_t kMaxArgs = 20;
  napi_value argv[kMaxArgs];
  size_t argc = kMaxArgs;
  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr);
    if (argc > kMaxArgs) argc = kMaxArgs;  // argc is the count passed, argv holds the first kMaxArgs
  }
  napi_valuetype type(size_t i) {
    napi_valuetype t = napi_undefined;
    if (i < argc) napi_typeof(env, argv[i], &t);
    return t;
  }
  // A typed array of the given element type with at least `need` elements; null when the argument is null.
  void* arr(size_t i, napi_typedarray_type want, size_t need, bool nullable = false) {
    if (nullable && (type(i) == napi_null || type(i) == napi_undefined)) return nullptr;
    bool ok = false;
    if (i < argc) napi_is_typedarray(env, argv[i], &ok);
    if (!ok) throw std::runtime_error("argument " + std::to_string(i) + " must be a typed array");
    napi_typedarray_type t;
    size_t len;
    void* data;
    napi_get_typedarray_info(env, argv[i], &t, &len, &data, nullptr, nullptr);
    if (t != want) throw std::runtime_error("argument " + std::to_string(i) + " has the wrong element type");
    if (len < need) {
      throw std::runtime_error("argument " + std::to_string(i) + " holds " + std::to_string(len) + " elements, " +
                               std::to_string(need) + " needed");
    }
    return data;
  }
  float* f32(size_t i, size_t need, bool nullable = false) {
    return static_cast<float*>(arr(i, napi_float32_array, need, nullable));
  }
  size_t len(size_t i) {
    napi_typedarray_type t;
    size_t n = 0;
    void* d;
    napi_get_typedarray_info(env, argv[i], &t, &n, &d, nullptr, nullptr);
    return n;
  }
  double num(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) {
      throw std::runtime_error("argument " + std::to_string(i) + " must be a number");
    }
    return v;
  }
  size_t count(size_t i) {
    double v = num(i);
    if (!(v >= 0) || v != (double)(size_t)v) throw std::runtime_error("argument " + std::to_string(i) + " must be a count");
    return (size_t)v;
  }
  bool flag(size_t i) {
    bool b = false;
    if (i < argc) napi_get_value_bool(env, argv[i], &b);
    return b;
  }
  ConvGeom geom(size_t i) {
    const int32_t* v = static_cast<const int32_t*>(arr(i, napi_int32_array, 13));
    return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  }
};

size_t in_size(const ConvGeom& g) { return (size_t)g.batch * g.inH * g.inW * g.inC; }
size_t out_size(const ConvGeom& g) { return (size_t)g.batch * g.outH * g.outW * g.outC; }
size_t w_size(const ConvGeom& g) { return (size_t)g.outC * g.kH * g.kW * g.inC; }

napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value string(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

// Each binding: unpack, run, and turn C++ exceptions into JavaScript errors.
template <typename F>
napi_value guard(napi_env env, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, "E_NATIVE", e.what());
    return nullptr;
  }
}

#define BINDING(name) napi_value name(napi_env env, napi_callback_info info)
#define BODY(...) return guard(env, [&]() -> napi_value { Args a(env, info); __VA_ARGS__; return nullptr; })

BINDING(SetThreads) {
  BODY(int t = (int)a.count(0); set_threads(t); omp_set_num_threads(t));
}
BINDING(SetConvImpl) { BODY(use_dnnl = a.flag(0)); }
BINDING(Gemm) {
  BODY(size_t m = a.count(3), n = a.count(4), k = a.count(5);
       gemm(a.f32(0, m * k), a.f32(1, k * n), a.f32(2, m * n), (int)m, (int)n, (int)k, a.flag(6), a.flag(7),
            (float)a.num(8), (float)a.num(9)));
}
BINDING(ConvForward) {
  BODY(ConvGeom g = a.geom(4); const float* x = a.f32(0, in_size(g)); const float* w = a.f32(1, w_size(g));
       const float* b = a.f32(2, g.outC, true); float* y = a.f32(3, out_size(g));
       if (!use_dnnl || !dnnl_conv_forward(x, w, b, y, g)) conv_forward_gemm(x, w, b, y, g));
}
BINDING(ConvBackwardInput) {
  BODY(ConvGeom g = a.geom(3); const float* dy = a.f32(0, out_size(g)); const float* w = a.f32(1, w_size(g));
       float* dx = a.f32(2, in_size(g));
       if (!use_dnnl || !dnnl_conv_backward_input(dy, w, dx, g)) conv_backward_input_gemm(dy, w, dx, g));
}
BINDING(ConvBackwardFilter) {
  BODY(ConvGeom g = a.geom(4); const float* x = a.f32(0, in_size(g)); const float* dy = a.f32(1, out_size(g));
       float* dw = a.f32(2, w_size(g)); float* db = a.f32(3, g.outC, true); bool acc = a.flag(5);
       if (!use_dnnl || !dnnl_conv_backward_filter(x, dy, dw, db, g, acc)) conv_backward_filter_gemm(x, dy, dw, db, g, acc));
}
BINDING(ConvSparseForward) {
  BODY(ConvGeom g = a.geom(4); const float* x = a.f32(0, in_size(g)); const float* wT = a.f32(1, w_size(g));
       const float* b = a.f32(2, g.outC, true); conv_sparse_forward(x, wT, b, a.f32(3, out_size(g)), g));
}
BINDING(ConvSparseBackwardFilter) {
  BODY(ConvGeom g = a.geom(3); conv_sparse_backward_filter(a.f32(0, in_size(g)), a.f32(1, out_size(g)),
                                                           a.f32(2, w_size(g)), g, a.flag(4)));
}
BINDING(NonzeroCount) { BODY(return number(env, nonzero_count(a.f32(0, 0), a.len(0)))); }
BINDING(ConvImpls) { BODY(return string(env, use_dnnl ? dnnl_conv_impls(a.geom(0)) : "im2col+sgemm")); }
BINDING(AvgPoolForward) {
  BODY(ConvGeom g = a.geom(2); avgpool_forward(a.f32(0, in_size(g)), a.f32(1, out_size(g)), g));
}
BINDING(AvgPoolBackward) {
  BODY(ConvGeom g = a.geom(2); avgpool_backward(a.f32(0, out_size(g)), a.f32(1, in_size(g)), g));
}
BINDING(BnStats) {
  BODY(size_t r = a.count(3), c = a.count(4); bn_stats(a.f32(0, r * c), a.f32(1, c), a.f32(2, c), r, c));
}
BINDING(BnApply) {
  BODY(size_t r = a.count(6), c = a.count(7);
       bn_apply(a.f32(0, r * c), a.f32(1, r * c), a.f32(2, c), a.f32(3, c), a.f32(4, c), a.f32(5, c), r, c));
}
BINDING(BnBackward) {
  BODY(size_t r = a.count(8), c = a.count(9);
       bn_backward(a.f32(0, r * c), a.f32(1, r * c), a.f32(2, c), a.f32(3, c), a.f32(4, c), a.f32(5, r * c),
                   a.f32(6, c), a.f32(7, c), r, c, a.flag(10)));
}
// (input, spikes, rate?, weights?, T, n, vth, level, decay, gain, magnitude, leaky, membrane?, once, inputRep?,
// repWeights?, norm?, C): with `once` the input is one step [n]; with C > 0 it is batch-normalised by norm
// [mean, invStd, gamma, beta] (C floats each) as it is read.
BINDING(NeuronForward) {
  BODY(size_t T = a.count(4), n = a.count(5); float* rate = a.f32(2, n, true); bool once = a.flag(13);
       const double* w = rate ? static_cast<const double*>(a.arr(3, napi_float64_array, T)) : nullptr;
       float* rep = a.f32(14, n, true);
       const double* wi = rep ? static_cast<const double*>(a.arr(15, napi_float64_array, T)) : nullptr;
       size_t C = a.count(17); const float* normC = C ? a.f32(16, 4 * C) : nullptr;
       if (C && n % C != 0) throw std::runtime_error("neuronForward: n must hold whole channel vectors");
       BnConsts norm{normC, C};
       neuron_forward(a.f32(0, once ? n : T * n), a.f32(1, T * n), rate, w, (int)T, n, (float)a.num(6),
                      (float)a.num(7), (float)a.num(8), (float)a.num(9), (float)a.num(10), a.flag(11),
                      a.f32(12, n, true), once, rep, wi, C ? &norm : nullptr));
}
// (input, out, rate?, weights?, params, inputRep?, repWeights?, norm?): params is a Float64Array [T, n, once, H, W,
// C, vth, level, decay, gain, mag, leaky]; n = B·H·W·C, out holds T·B·⌊H/2⌋·⌊W/2⌋·C; norm as neuronForward's.
BINDING(NeuronPoolForward) {
  BODY(const double* q = static_cast<const double*>(a.arr(4, napi_float64_array, 12));
       for (int i = 0; i < 6; i++) if (!(q[i] >= 0 && q[i] == (double)(size_t)q[i]))
         throw std::runtime_error("neuronPoolForward: T, n, H, W and C must be counts");
       size_t T = (size_t)q[0], n = (size_t)q[1], H = (size_t)q[3], W = (size_t)q[4], C = (size_t)q[5];
       bool once = q[2] != 0;
       if (H < 2 || W < 2 || C == 0 || n % (H * W * C) != 0)
         throw std::runtime_error("neuronPoolForward: n must hold whole H×W×C images, H and W ≥ 2");
       float* rate = a.f32(2, n, true);
       const double* w = rate ? static_cast<const double*>(a.arr(3, napi_float64_array, T)) : nullptr;
       float* rep = a.f32(5, n, true);
       const double* wi = rep ? static_cast<const double*>(a.arr(6, napi_float64_array, T)) : nullptr;
       const float* normC = a.f32(7, 4 * C, true); BnConsts norm{normC, C};
       neuron_pool_forward(a.f32(0, once ? n : T * n), a.f32(1, T * (n / (H * W)) * (H / 2) * (W / 2)), rate, w, (int)T,
                           n, once, (int)H, (int)W, (int)C, (float)q[6], (float)q[7], (float)q[8], (float)q[9],
                           (float)q[10], q[11] != 0, rep, wi, normC ? &norm : nullptr));
}
BINDING(TimeReduce) {
  BODY(size_t T = a.count(3), n = a.count(4);
       time_reduce(a.f32(0, T * n), a.f32(1, n), static_cast<double*>(a.arr(2, napi_float64_array, T)), (int)T, n));
}
BINDING(TimeBroadcast) {
  BODY(size_t T = a.count(3), n = a.count(4); time_broadcast(a.f32(0, n), a.f32(1, T * n), a.num(2), (int)T, n));
}
BINDING(ClampBackward) {
  BODY(size_t n = a.count(3);
       return number(env, clamp_backward(a.f32(0, n), a.f32(1, n), a.f32(2, n), n, a.num(4), a.num(5), a.flag(6))));
}
BINDING(Clamp) { BODY(size_t n = a.len(0); clamp(a.f32(0, n), a.f32(1, n), n, a.num(2), a.num(3))); }
// (input, spikes, rate?, weights?, membrane?, current?, record?, params): params is a Float64Array [T, n, decay,
// gain, bias, level, strict, resetToValue, vth, resetValue, mag, syn, synDecay, synGain, soft, slope].
BINDING(NeuronForwardAny) {
  BODY(const double* q = static_cast<const double*>(a.arr(7, napi_float64_array, 16));
       if (!(q[0] >= 0 && q[1] >= 0)) throw std::runtime_error("neuronForwardAny: T and n must be counts");
       size_t T = (size_t)q[0], n = (size_t)q[1];
       NeuronParams p{(int)T, (float)q[2], (float)q[3], (float)q[4], (float)q[5], q[6] != 0, q[7] != 0, (float)q[8],
                      (float)q[9], (float)q[10], q[11] != 0, (float)q[12], (float)q[13], q[14] != 0, q[15]};
       float* rate = a.f32(2, n, true);
       const double* w = rate ? static_cast<const double*>(a.arr(3, napi_float64_array, T)) : nullptr;
       neuron_forward_any(a.f32(0, T * n), a.f32(1, T * n), rate, w, n, p, a.f32(4, n, true), a.f32(5, n, true),
                          a.f32(6, T * n, true)));
}
BINDING(BpttBackward) {
  BODY(size_t T = a.count(3), n = a.count(4);
       return number(env, bptt_backward(a.f32(0, T * n), a.f32(1, T * n), a.f32(2, T * n), (int)T, n, (float)a.num(5),
                                        (float)a.num(6), (float)a.num(7), (float)a.num(8), (float)a.num(9), a.num(10),
                                        a.num(11), a.flag(12), a.flag(13), (float)a.num(14), (float)a.num(15))));
}
BINDING(SoftmaxCrossEntropy) {
  BODY(size_t r = a.count(3), c = a.count(4);
       const int32_t* labels = static_cast<const int32_t*>(a.arr(1, napi_int32_array, r));
       return number(env, softmax_cross_entropy(a.f32(0, r * c), labels, a.f32(2, r * c), r, c)));
}
BINDING(Fill) { BODY(fill(a.f32(0, 0), a.len(0), (float)a.num(1))); }
BINDING(Add) { BODY(size_t n = a.len(2); add(a.f32(0, n), a.f32(1, n), a.f32(2, n), n)); }
BINDING(Mul) { BODY(size_t n = a.len(2); mul(a.f32(0, n), a.f32(1, n), a.f32(2, n), n)); }
BINDING(Axpy) { BODY(size_t n = a.len(2); axpy(a.num(0), a.f32(1, n), a.f32(2, n), n)); }
BINDING(Scale) { BODY(size_t n = a.len(2); scale(a.f32(0, n), a.num(1), a.f32(2, n), n)); }
BINDING(Sum) { BODY(return number(env, sum(a.f32(0, 0), a.len(0)))); }
BINDING(SumRows) {
  BODY(size_t r = a.count(2), c = a.count(3); sum_rows(a.f32(0, r * c), a.f32(1, c), r, c, a.flag(4)));
}
BINDING(AddRowVector) {
  BODY(size_t r = a.count(2), c = a.count(3); add_row_vector(a.f32(0, r * c), a.f32(1, c), r, c));
}
BINDING(ScaleRows) {
  BODY(size_t r = a.count(3), c = a.count(4);
       scale_rows(a.f32(0, r * c), a.f32(1, r), a.f32(2, r * c), r, c, a.flag(5)));
}
BINDING(Transpose) {
  BODY(size_t r = a.count(2), c = a.count(3); transpose(a.f32(0, r * c), a.f32(1, r * c), r, c));
}
BINDING(SgdStep) {
  BODY(size_t n = a.count(3);
       sgd_step(a.f32(0, n), a.f32(1, n), a.f32(2, a.num(5) != 0 ? n : 0), n, a.num(4), a.num(5), a.num(6), a.num(7),
                a.flag(8), a.flag(9)));
}
BINDING(AdamStep) {
  BODY(size_t n = a.count(4);
       adam_step(a.f32(0, n), a.f32(1, n), a.f32(2, n), a.f32(3, n), n, a.num(5), a.num(6), a.num(7), a.num(8),
                 a.num(9), (int)a.num(10)));
}
BINDING(Info) {
  BODY(napi_value o; napi_create_object(env, &o);
       napi_set_named_property(env, o, "openblasConfig", string(env, openblas_get_config()));
       napi_set_named_property(env, o, "openblasCore", string(env, openblas_get_corename()));
       napi_set_named_property(env, o, "dnnlIsa", string(env, dnnl_isa_name())); return o);
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
#define FN(js, c) {js, nullptr, c, nullptr, nullptr, nullptr, napi_enumerable, nullptr}
      FN("setThreads", SetThreads), FN("setConvImpl", SetConvImpl), FN("gemm", Gemm),
      FN("convForward", ConvForward), FN("convBackwardInput", ConvBackwardInput),
      FN("convBackwardFilter", ConvBackwardFilter), FN("convImpls", ConvImpls),
      FN("convSparseForward", ConvSparseForward),
      FN("convSparseBackwardFilter", ConvSparseBackwardFilter), FN("nonzeroCount", NonzeroCount),
      FN("avgPoolForward", AvgPoolForward), FN("avgPoolBackward", AvgPoolBackward), FN("bnStats", BnStats),
      FN("bnApply", BnApply), FN("bnBackward", BnBackward), FN("neuronForward", NeuronForward), FN("neuronPoolForward", NeuronPoolForward),
      FN("timeReduce", TimeReduce), FN("timeBroadcast", TimeBroadcast), FN("clampBackward", ClampBackward),
      FN("clamp", Clamp), FN("fill", Fill), FN("add", Add), FN("mul", Mul), FN("axpy", Axpy), FN("scale", Scale),
      FN("sum", Sum), FN("sumRows", SumRows), FN("addRowVector", AddRowVector), FN("scaleRows", ScaleRows),
      FN("transpose", Transpose), FN("sgdStep", SgdStep),
      FN("adamStep", AdamStep), FN("neuronForwardAny", NeuronForwardAny), FN("bpttBackward", BpttBackward),
      FN("softmaxCrossEntropy", SoftmaxCrossEntropy), FN("info", Info),
#undef FN
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
