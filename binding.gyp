{
  # node-gyp build of the same sources CMakeLists.txt builds: the fallback for machines
  # without CMake. Sources are listed by directory so the two builds never drift apart;
  # instruction-set specific files (*_avx2.cpp, *_avx512.cpp, *_avx512bf16.cpp, *_amx.cpp)
  # build in their own targets with their own flags, everything else for baseline x86-64. The kernels are one static
  # library linked into both addons: cnn.node (the product) and cnn_test.node (the per-op
  # functions the kernel tests call).
  "variables": {
    "common_cflags": ["-O3", "-fno-math-errno", "-fopenmp", "-std=c++17", "-fexceptions", "-Wall", "-Wno-unused-parameter"]
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["<@(common_cflags)"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["<@(common_cflags)"]}
  },
  "targets": [
    {
      "target_name": "cnn_avx2",
      "type": "static_library",
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/kernels').filter(f=>/_avx2[.]cpp$/.test(f)).map(f=>'native/kernels/'+f).join(' '))\")"],
      "cflags_cc": ["-mavx2", "-mfma", "-mf16c", "-fPIC"]
    },
    {
      "target_name": "cnn_avx512",
      "type": "static_library",
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/kernels').filter(f=>/_avx512[.]cpp$/.test(f)).map(f=>'native/kernels/'+f).join(' '))\")"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx2", "-mfma", "-mf16c", "-fPIC"]
    },
    {
      "target_name": "cnn_avx512bf16",
      "type": "static_library",
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/kernels').filter(f=>/_avx512bf16[.]cpp$/.test(f)).map(f=>'native/kernels/'+f).join(' '))\")"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx512bf16", "-mavx2", "-mfma", "-mf16c", "-fPIC"]
    },
    {
      "target_name": "cnn_amx",
      "type": "static_library",
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/kernels').filter(f=>/_amx[.]cpp$/.test(f)).map(f=>'native/kernels/'+f).join(' '))\")"],
      "cflags_cc": ["-mamx-tile", "-mamx-bf16", "-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx512bf16", "-mavx2", "-mfma", "-mf16c", "-fPIC"]
    },
    {
      "target_name": "cnn_kernels",
      "type": "static_library",
      "dependencies": ["cnn_avx2", "cnn_avx512", "cnn_avx512bf16", "cnn_amx"],
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/kernels').filter(f=>/[.]cpp$/.test(f)&&!/_(avx2|avx512|avx512bf16|amx)[.]cpp$/.test(f)).map(f=>'native/kernels/'+f).join(' '))\")"],
      "cflags_cc": ["-fPIC"]
    },
    {
      "target_name": "cnn",
      "dependencies": ["cnn_kernels"],
      "sources": [
        "<!@(node -e \"console.log(require('fs').readdirSync('native/layers').filter(f=>/[.]cpp$/.test(f)).map(f=>'native/layers/'+f).join(' '))\")",
        "<!@(node -e \"console.log(require('fs').readdirSync('native/net').filter(f=>/[.]cpp$/.test(f)).map(f=>'native/net/'+f).join(' '))\")",
        "<!@(node -e \"console.log(require('fs').readdirSync('native/binding').filter(f=>/[.]cpp$/.test(f)).map(f=>'native/binding/'+f).join(' '))\")"
      ],
      "ldflags": ["-fopenmp"],
      "libraries": ["-fopenmp"]
    },
    {
      "target_name": "cnn_test",
      "dependencies": ["cnn_kernels"],
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('native/test_addon').filter(f=>/[.]cpp$/.test(f)).map(f=>'native/test_addon/'+f).join(' '))\")"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-fopenmp"]
    }
  ]
}
