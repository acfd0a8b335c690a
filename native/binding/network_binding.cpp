// The Network class (placeholder until the network runtime lands).
#include <napi.h>
namespace cnnbind {
void register_network(Napi::Env env, Napi::Object exports) {}
}  // namespace cnnbind
