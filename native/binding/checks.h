// Argument checks for binding functions, in the style of better-sqlite3: one line per
// argument at the top of each function. Each failing check throws a JS TypeError or
// RangeError naming the function and the argument, so a bad call never reaches a kernel.
#pragma once
#include <napi.h>
#include <cmath>
#include <cstdint>
#include <string>

namespace cnnbind {

[[noreturn]] inline void throw_type(Napi::Env env, const std::string& fn, const std::string& msg) {
  throw Napi::TypeError::New(env, fn + ": " + msg);
}
[[noreturn]] inline void throw_range(Napi::Env env, const std::string& fn, const std::string& msg) {
  throw Napi::RangeError::New(env, fn + ": " + msg);
}

inline void require_args(const Napi::CallbackInfo& info, const char* fn, size_t count) {
  if (info.Length() != count)
    throw_type(info.Env(), fn,
               "expected " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
}

// A Float32Array argument (nullable when allow_null) with exactly `expected` elements.
// Returns nullptr for null.
inline float* f32_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, const char* name, size_t expected,
                      bool allow_null = false) {
  Napi::Value v = info[i];
  if (allow_null && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw_type(info.Env(), fn, std::string(name) + " must be a Float32Array" + (allow_null ? " or null" : ""));
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != expected)
    throw_range(info.Env(), fn,
                std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, expected " +
                    std::to_string(expected));
  return a.Data();
}

inline int32_t* i32_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, const char* name, size_t expected) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_type(info.Env(), fn, std::string(name) + " must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ElementLength() != expected)
    throw_range(info.Env(), fn,
                std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, expected " +
                    std::to_string(expected));
  return a.Data();
}

// An integer in [lo, hi] (a JS number with no fractional part).
inline int int_value(Napi::Env env, const char* fn, Napi::Value v, const char* name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) throw_type(env, fn, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < (double)lo || d > (double)hi)
    throw_range(env, fn,
                std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "], got " + std::to_string(d));
  return (int)d;
}
inline int int_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, const char* name, int64_t lo, int64_t hi) {
  return int_value(info.Env(), fn, info[i], name, lo, hi);
}
// An integer property of an options object.
inline int int_prop(Napi::Env env, const char* fn, Napi::Object o, const char* key, int64_t lo, int64_t hi) {
  return int_value(env, fn, o.Get(key), key, lo, hi);
}

inline Napi::Object object_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, const char* name) {
  if (!info[i].IsObject() || info[i].IsTypedArray() || info[i].IsArray())
    throw_type(info.Env(), fn, std::string(name) + " must be an object");
  return info[i].As<Napi::Object>();
}

// True when two float ranges share memory: an output that overlaps an input would be
// overwritten while it is still being read.
inline bool overlaps(const float* a, size_t an, const float* b, size_t bn) {
  if (!a || !b || an == 0 || bn == 0) return false;
  auto a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
  return a0 < b0 + bn * sizeof(float) && b0 < a0 + an * sizeof(float);
}
inline void require_disjoint(Napi::Env env, const char* fn, const char* out_name, const float* out, size_t out_n,
                             const char* in_name, const float* in, size_t in_n) {
  if (overlaps(out, out_n, in, in_n))
    throw_range(env, fn, std::string(out_name) + " must not share memory with " + in_name);
}

// An unsigned 32-bit integer (a JS number with no fractional part in [0, 2^32 - 1]).
inline uint32_t uint32_value(Napi::Env env, const char* fn, Napi::Value v, const std::string& name) {
  if (!v.IsNumber()) throw_type(env, fn, name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 4294967295.0)
    throw_range(env, fn, name + " must be an integer in [0, 4294967295], got " + std::to_string(d));
  return (uint32_t)d;
}

}  // namespace cnnbind
