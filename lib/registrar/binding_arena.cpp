#include "registrar/binding_arena.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace sipproxy::registrar {

namespace {

std::size_t page_rounded(std::size_t bytes) {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

}  // namespace

// Chunks of up to 1024 blocks, blocks up to 4 KiB from the pools; anything larger (a hash
// table's bucket array) is mapped on its own and unmapped when freed.
binding_arena::binding_arena() : pool_(std::pmr::pool_options{1024, 4096}, &mapped_) {}

void* binding_arena::mapped_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment > static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) throw std::bad_alloc();
  std::size_t n = page_rounded(bytes ? bytes : 1);
  void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  bytes_ += n;
  return p;
}

void binding_arena::mapped_resource::do_deallocate(void* p, std::size_t bytes, std::size_t) {
  std::size_t n = page_rounded(bytes ? bytes : 1);
  munmap(p, n);
  bytes_ -= n;
}

}  // namespace sipproxy::registrar
