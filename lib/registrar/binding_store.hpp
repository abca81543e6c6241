// Where bindings live. The pool replicates through this interface; memory_binding_store
// keeps them in this process, expiring them from one heap of deadlines (no timer per
// binding).
#pragma once

#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registrar/binding.hpp"
#include "registrar/binding_arena.hpp"

namespace sipproxy::registrar {

// Where the bindings changed so far stand with the rest of the pool.
enum class confirmation {
  not_needed,   // nothing to wait for: a lone instance, or no wait configured
  confirmed,    // a peer (or all live peers) acknowledged them, or Redis did
  timed_out,    // not acknowledged within the wait: kept here and still being sent
  unavailable,  // no peer is connected, or Redis is unavailable: kept here
};
std::string_view confirmation_name(confirmation c);
using confirmation_handler = std::function<void(confirmation)>;

class binding_store {
 public:
  virtual ~binding_store() = default;
  // Adds or replaces the binding of b.aor to b.contact.
  virtual void put(const binding& b) = 0;
  virtual void remove(std::string_view aor, std::string_view contact) = 0;
  virtual void remove_all(std::string_view aor) = 0;
  virtual std::vector<binding> lookup(std::string_view aor) const = 0;
  // The binding whose contact is this URI (contact_key equality).
  virtual std::optional<binding> by_contact(std::string_view contact_uri) const = 0;
  virtual std::size_t size() const = 0;
  // Removes every binding expired at `now`; returns how many.
  virtual std::size_t expire(wall_clock::time_point now) = 0;
  // Calls `done` once every change made so far through this store is where the other
  // instances of the pool can see it, or once that cannot be had within the wait. It may
  // call `done` before returning. A store of one process: at once, not_needed.
  virtual void confirm_changes(confirmation_handler done) { done(confirmation::not_needed); }
};

// The bindings of this process. Its tables live in a binding_arena (see there why), each
// binding once: the AOR is the table's key, not repeated in its contacts, and the index by
// contact points at that key.
class memory_binding_store : public binding_store {
 public:
  memory_binding_store();
  memory_binding_store(const memory_binding_store&) = delete;
  memory_binding_store& operator=(const memory_binding_store&) = delete;

  void put(const binding& b) override;
  void remove(std::string_view aor, std::string_view contact) override;
  void remove_all(std::string_view aor) override;
  std::vector<binding> lookup(std::string_view aor) const override;
  std::optional<binding> by_contact(std::string_view contact_uri) const override;
  std::size_t size() const override { return count_; }
  std::size_t expire(wall_clock::time_point now) override;
  // As expire(), telling `gone` of each binding it removes.
  std::size_t expire_with(wall_clock::time_point now,
                          const std::function<void(const binding&)>& gone);
  // Every binding, in no particular order.
  void for_each(const std::function<void(const binding&)>& fn) const;

  // Where the tables' memory comes from; a companion table (the pool's versions) may share
  // it. Bytes mapped for it: arena_bytes().
  std::pmr::memory_resource* resource() { return arena_.resource(); }
  std::size_t arena_bytes() const { return arena_.mapped_bytes(); }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // One contact of an AOR: a binding without its AOR.
  struct contact_entry {
    std::pmr::string contact;
    wall_clock::time_point expires;
    transport::peer flow;
    std::pmr::string instance;
    std::pmr::string call_id;
    std::uint32_t cseq = 0;
  };
  using contact_list = std::pmr::vector<contact_entry>;
  using aor_table = std::pmr::unordered_map<std::pmr::string, contact_list, hash, std::equal_to<>>;
  // Deadlines carry the contact's key hash, not strings: 16 bytes each.
  struct deadline {
    wall_clock::time_point when;
    std::uint64_t contact;
    bool operator>(const deadline& o) const { return when > o.when; }
  };
  void erase(std::string_view aor, std::string_view contact);
  void assign(contact_entry& e, const binding& b);
  static binding binding_of(std::string_view aor, const contact_entry& e);
  static std::uint64_t key_hash(std::string_view contact_uri);

  binding_arena arena_;  // first: the tables below allocate from it and go before it
  aor_table by_aor_;
  // contact key hash -> the AOR's key in by_aor_ (stable: the table's nodes do not move);
  // a hash collision is resolved by comparing the contact keys
  std::pmr::unordered_multimap<std::uint64_t, const std::pmr::string*> aor_of_contact_;
  std::pmr::vector<deadline> deadlines_;  // a min-heap (std::greater)
  std::size_t count_ = 0;
};

}  // namespace sipproxy::registrar
