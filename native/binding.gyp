{
  "targets": [
    {
      "target_name": "spikerep_native",
      "sources": ["src/addon.cc", "src/dense.cc", "src/conv_dnnl.cc", "src/pointwise.cc", "src/norm.cc", "src/sparse.cc", "src/bptt.cc"],
      "include_dirs": ["<!(echo /usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/openblas-pthread)"],
      "libraries": ["-lopenblas", "-ldnnl"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fopenmp"],
      "cflags": ["-O3", "-ffp-contract=off", "-fopenmp"],
      "ldflags": ["-fopenmp"]
    }
  ]
}
