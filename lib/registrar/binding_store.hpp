// Where bindings live. The pool replicates through this interface; memory_binding_store
// keeps them in this process, expiring them from one heap (no timer per binding).
#pragma once

#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registrar/binding.hpp"

namespace sipproxy::registrar {

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
};

class memory_binding_store : public binding_store {
 public:
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

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Deadlines carry the contact's key hash, not strings: 16 bytes each.
  struct deadline {
    wall_clock::time_point when;
    std::uint64_t contact;
    bool operator>(const deadline& o) const { return when > o.when; }
  };
  void erase(std::string_view aor, std::string_view contact);
  static std::uint64_t key_hash(std::string_view contact_uri);

  std::unordered_map<std::string, std::vector<binding>, hash, std::equal_to<>> by_aor_;
  // contact key hash -> AOR (a hash collision is resolved by comparing the contact keys)
  std::unordered_multimap<std::uint64_t, std::string> aor_of_contact_;
  std::priority_queue<deadline, std::vector<deadline>, std::greater<>> deadlines_;
  std::size_t count_ = 0;
};

}  // namespace sipproxy::registrar
