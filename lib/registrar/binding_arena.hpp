// Memory for the registrar's long-lived state, apart from the process heap.
//
// A binding is made while its REGISTER's transient objects are live: the parsed request,
// the forwarded copy, the transactions and their responses, which wait out Timer J for
// 32 s. On the heap the binding's few small blocks land on the same pages as those, and
// once the transients are freed every such page stays resident for the sake of a hundred
// bytes of binding: a storm of 100,000 REGISTERs left 180 MiB resident for about 65 MiB of
// bindings. The arena hands the registrar memory from blocks of its own, mapped from the
// system, so that what a REGISTER leaves on the heap can be given back.
//
// Not thread-safe: one store, one event loop.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace sipproxy::registrar {

class binding_arena {
 public:
  binding_arena();
  binding_arena(const binding_arena&) = delete;
  binding_arena& operator=(const binding_arena&) = delete;

  std::pmr::memory_resource* resource() { return &pool_; }
  // Bytes mapped from the system for the arena right now.
  std::size_t mapped_bytes() const { return mapped_.bytes(); }

 private:
  // Whole pages from mmap, returned with munmap: never the heap's.
  class mapped_resource : public std::pmr::memory_resource {
   public:
    std::size_t bytes() const { return bytes_; }

   private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
      return this == &other;
    }
    std::size_t bytes_ = 0;
  };

  mapped_resource mapped_;
  std::pmr::unsynchronized_pool_resource pool_;
};

}  // namespace sipproxy::registrar
