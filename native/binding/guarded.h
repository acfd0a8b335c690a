// Registers a binding function so that no C++ exception escapes as a crash: JS errors pass
// through, allocation failure (a huge workspace) and anything else become JS errors.
#pragma once
#include <napi.h>

#include <exception>
#include <new>
#include <string>

namespace cnnbind {

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "out of memory: the operation's workspace could not be allocated");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("native error: ") + e.what());
  }
}

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void export_function(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, guarded<F>, name));
}

}  // namespace cnnbind
