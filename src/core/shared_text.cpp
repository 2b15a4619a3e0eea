#include "loopscope/core/shared_text.hpp"

#include <mutex>
#include <vector>

namespace loopscope {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pooling = false;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
constexpr bool pooling = false;
#  else
constexpr bool pooling = true;
#  endif
#else
constexpr bool pooling = true;
#endif

// Pools whose thread has ended, for the next thread to take over. Never destroyed: blocks made
// by them may still be released (by another thread) while the program ends.
struct orphanage {
  std::mutex mutex;
  std::vector<text_pools*> waiting;
};
orphanage& orphans() {
  static orphanage* kept = new orphanage;  // NOLINT: deliberately never destroyed
  return *kept;
}

// The thread's pools: a plain pointer, readable while the thread's other thread_local objects
// are destroyed (a text released then goes back as from another thread).
thread_local text_pools* current = nullptr;
thread_local bool ending = false;

// Hands the thread's pools to the orphanage when the thread ends.
class thread_pools_holder {
 public:
  ~thread_pools_holder() {
    ending = true;
    if (current == nullptr) return;
    const std::lock_guard lock(orphans().mutex);
    orphans().waiting.push_back(current);
    current = nullptr;
  }
  void adopt() {
    {
      const std::lock_guard lock(orphans().mutex);
      if (!orphans().waiting.empty()) {
        current = orphans().waiting.back();
        orphans().waiting.pop_back();
      }
    }
    if (current == nullptr) current = new text_pools;  // NOLINT: lives as long as the program
  }
};

thread_local thread_pools_holder holder;

}  // namespace

bool text_pools::enabled() {
  return pooling;
}

text_pools& text_pools::of_this_thread() {
  if (current == nullptr) holder.adopt();
  return *current;
}

text_pools::made text_pools::allocate(std::size_t bytes) {
  const std::size_t size_class = class_of(bytes);
  if (!pooling || size_class >= classes || ending) {
    return {::operator new(bytes), none, nullptr};
  }
  text_pools& pools = of_this_thread();
  const auto c = static_cast<std::uint32_t>(size_class);
  return {pools.take(c), c, &pools};
}

void text_pools::free(void* memory, std::size_t bytes, std::uint32_t size_class,
                      text_pools* pool) noexcept {
  if (size_class == none || pool == nullptr) {
    ::operator delete(memory, bytes);
    return;
  }
  if (pool == current) {
    pool->keep(memory, size_class);
  } else {
    pool->give_back(memory, size_class);
  }
}

void* text_pools::take(std::uint32_t size_class) {
  if (local_[size_class] == nullptr) {
    local_[size_class] = returned_[size_class].exchange(nullptr, std::memory_order_acquire);
    if (local_[size_class] == nullptr) return ::operator new(class_size(size_class));
  }
  free_block* taken = local_[size_class];
  local_[size_class] = taken->next;
  // A block handed back was last written on the other thread's core: reading its link missed
  // the cache on every allocation (profiled). The next one is fetched while this one is used.
  if (local_[size_class] != nullptr) __builtin_prefetch(local_[size_class], 1);
  if (local_count_[size_class] > 0) --local_count_[size_class];
  return taken;
}

void text_pools::keep(void* memory, std::uint32_t size_class) noexcept {
  // After a peak, what is beyond the bound goes back to the allocator.
  if (local_count_[size_class] * class_size(size_class) >= kept_bytes_per_class) {
    ::operator delete(memory, class_size(size_class));
    return;
  }
  auto* kept = static_cast<free_block*>(memory);
  kept->next = local_[size_class];
  local_[size_class] = kept;
  ++local_count_[size_class];
}

void text_pools::give_back(void* memory, std::uint32_t size_class) noexcept {
  // Only the owner takes, and it takes the whole list: no block can come back under a pointer
  // being compared here (no ABA).
  auto* returned = static_cast<free_block*>(memory);
  free_block* head = returned_[size_class].load(std::memory_order_relaxed);
  do {
    returned->next = head;
  } while (!returned_[size_class].compare_exchange_weak(head, returned, std::memory_order_release,
                                                        std::memory_order_relaxed));
}

std::size_t text_pools::kept_by_this_thread(std::size_t text_bytes) {
  const std::size_t size_class = class_of(shared_text::block_bytes(text_bytes));
  if (current == nullptr || size_class >= classes) return 0;
  std::size_t kept = 0;
  for (const free_block* b = current->local_[size_class]; b != nullptr; b = b->next) ++kept;
  return kept;
}

}  // namespace loopscope
