cmd_Release/obj.target/spikerep_native/src/pointwise.o := g++ -o Release/obj.target/spikerep_native/src/pointwise.o ../src/pointwise.cc '-DNODE_GYP_MODULE_NAME=spikerep_native' '-DUSING_UV_SHARED=1' '-DUSING_V8_SHARED=1' '-DV8_DEPRECATION_WARNINGS=1' '-D_GLIBCXX_USE_CXX11_ABI=1' '-D_FILE_OFFSET_BITS=64' '-D_LARGEFILE_SOURCE' '-D__STDC_FORMAT_MACROS' '-DOPENSSL_NO_PINSHARED' '-DOPENSSL_THREADS' '-DBUILDING_NODE_EXTENSION' -I/usr/include/node -I/usr/src -I/usr/deps/openssl/config -I/usr/deps/openssl/openssl/include -I/usr/deps/uv/include -I/usr/deps/zlib -I/usr/deps/v8/include -I/usr/include/x86_64-linux-gnu/openblas-pthread  -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -O3 -ffp-contract=off -fopenmp -m64 -O3 -fno-omit-frame-pointer -fno-rtti -std=gnu++17 -O3 -std=c++17 -fexceptions -ffp-contract=off -fno-math-errno -fopenmp -MMD -MF ./Release/.deps/Release/obj.target/spikerep_native/src/pointwise.o.d.raw   -c
Release/obj.target/spikerep_native/src/pointwise.o: ../src/pointwise.cc \
 ../src/kernels.h ../src/parallel.h
../src/pointwise.cc:
../src/kernels.h:
../src/parallel.h:
