// Per-op exports (placeholder until the kernels land).
#include <napi.h>
namespace cnnbind {
void register_ops(Napi::Env env, Napi::Object exports) {}
}  // namespace cnnbind
