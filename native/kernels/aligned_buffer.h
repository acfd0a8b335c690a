// A growable, 64-byte aligned buffer of T owned by one thread (GEMM packing buffers): grown on
// demand and kept, so steady-state calls allocate nothing.
#pragma once
#include <cstddef>
#include <cstdlib>

namespace cnn {

template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }
  // At least n elements, or nullptr if memory ran out.
  T* get(size_t n) {
    if (n <= capacity_) return data_;
    std::free(data_);
    size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
    capacity_ = data_ ? n : 0;
    return data_;
  }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace cnn
