// The text fields of the normalized event: immutable, reference-counted, one pointer wide.
#pragma once

#include <fmt/core.h>

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace loopscope {

// Where the blocks of shared_text come from. A text is made on the thread that decodes a line
// and, more often than not, released on the thread that assembles turns; with the C library's
// allocator each such release locks the decoding thread's arena against its next allocation,
// which cost a fifth of a threaded analysis in futex calls (profiled). Here each thread keeps
// its small blocks by size; a block released on another thread is handed back to its maker's
// list without a lock, and the maker takes the list back in one exchange when its own runs dry.
// A thread's pools outlive it (a thread that starts later takes them over), so a block can
// always be handed back; the memory they keep is bounded by what their texts held at most.
class text_pools {
 public:
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  struct made {
    void* memory;
    std::uint32_t size_class;
    text_pools* pool;
  };
  // `bytes`: the block's, its header included.
  static made allocate(std::size_t bytes);
  static void free(void* memory, std::size_t bytes, std::uint32_t size_class,
                   text_pools* pool) noexcept;

  // For tests: the blocks this thread's pools keep for texts of `text_bytes` (not counting those
  // handed back but not yet taken), and whether pooling is on (off under AddressSanitizer, which
  // would no longer see a text used after its release).
  static std::size_t kept_by_this_thread(std::size_t text_bytes);
  static bool enabled();

 private:
  struct free_block {
    free_block* next;
  };
  static constexpr std::size_t class_bytes = 64;
  static constexpr std::uint32_t classes = 10;  // blocks of up to 640 bytes: an excerpt fits
  // What a thread keeps of its own releases, per size: 256 KiB, so at most 2.5 MiB a thread.
  static constexpr std::size_t kept_bytes_per_class = std::size_t{256} << 10;
  // The class of a block of `bytes` (classes or more: not pooled), and the size of its blocks.
  static std::size_t class_of(std::size_t bytes) { return (bytes - 1) / class_bytes; }
  static std::size_t class_size(std::uint32_t size_class) { return (size_class + 1) * class_bytes; }
  static text_pools& of_this_thread();
  void* take(std::uint32_t size_class);
  void keep(void* memory, std::uint32_t size_class) noexcept;
  void give_back(void* memory, std::uint32_t size_class) noexcept;

  free_block* local_[classes] = {};
  std::size_t local_count_[classes] = {};
  std::atomic<free_block*> returned_[classes] = {};
};

// Why not std::string: an event passes through half a dozen queues and vectors on its way to the
// rules, and a std::string member costs a memcpy call on every move when its text is short or
// empty, as most of an event's sixteen texts are (profiled: a third of the moves' cost was those
// calls). A session id, turn id, model or tool name is the same text in thousands of events:
// shared, it is copied as a pointer instead of a heap allocation per event. The count is atomic
// because a finding's texts may be released by another thread than the one that read the line.
class shared_text {
 public:
  shared_text() noexcept = default;
  shared_text(std::string_view text) : block_(make(text)) {}  // NOLINT: a text is a text
  shared_text(const std::string& text) : shared_text(std::string_view(text)) {}  // NOLINT
  shared_text(const char* text) : shared_text(std::string_view(text)) {}         // NOLINT
  shared_text(const shared_text& other) noexcept : block_(other.block_) { retain(); }
  shared_text(shared_text&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  ~shared_text() { release(); }

  shared_text& operator=(const shared_text& other) noexcept {
    if (block_ != other.block_) {
      release();
      block_ = other.block_;
      retain();
    }
    return *this;
  }
  shared_text& operator=(shared_text&& other) noexcept {
    if (this != &other) {
      release();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }
  // Assigning the text it already holds keeps the block (a normalizer's running ids).
  shared_text& operator=(std::string_view text) {
    if (view() != text) *this = shared_text(text);
    return *this;
  }
  shared_text& operator=(const std::string& text) { return *this = std::string_view(text); }
  shared_text& operator=(const char* text) { return *this = std::string_view(text); }

  // The same text in a block of its own. A normalizer's running ids (session, turn, model) are
  // copied into every event the decoding thread makes and released by the thread that consumes
  // the events: one block for both made them contend for its count's cache line on every copy.
  // Renewed once per batch of events, the decoding thread counts up on a block that the other
  // thread no longer counts down (see format_normalizer::renew_shared_texts).
  shared_text renewed() const { return shared_text(view()); }

  // `head` then `tail` in one allocation: an excerpt and its ellipsis.
  static shared_text joined(std::string_view head, std::string_view tail) {
    shared_text text;
    if (head.size() + tail.size() == 0) return text;
    text.block_ = allocate(head.size() + tail.size());
    char* chars = reinterpret_cast<char*>(text.block_ + 1);
    std::memcpy(chars, head.data(), head.size());
    std::memcpy(chars + head.size(), tail.data(), tail.size());
    return text;
  }

  std::string_view view() const noexcept {
    return block_ ? std::string_view(block_->chars(), block_->size) : std::string_view();
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: reads as a text
  // A copy, for the places that keep a text beyond the event (findings, reports); the hot path
  // reads view().
  operator std::string() const { return std::string(view()); }  // NOLINT
  std::string string() const { return std::string(view()); }

  bool empty() const noexcept { return block_ == nullptr; }
  // The memory a text of `size` characters takes, its count and size included.
  static constexpr std::size_t block_bytes(std::size_t size) noexcept {
    return sizeof(block) + size;
  }
  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  std::size_t length() const noexcept { return size(); }
  const char* data() const noexcept { return view().data(); }
  const char* begin() const noexcept { return view().data(); }
  const char* end() const noexcept { return view().data() + size(); }
  char front() const { return view().front(); }
  char back() const { return view().back(); }
  char operator[](std::size_t at) const { return view()[at]; }
  void clear() noexcept {
    release();
    block_ = nullptr;
  }

  // The read-only parts of std::string_view, so that code reading an event's text reads as before.
  template <typename... Args>
  auto find(Args&&... args) const {
    return view().find(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto rfind(Args&&... args) const {
    return view().rfind(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto find_first_of(Args&&... args) const {
    return view().find_first_of(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto find_first_not_of(Args&&... args) const {
    return view().find_first_not_of(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto find_last_of(Args&&... args) const {
    return view().find_last_of(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto find_last_not_of(Args&&... args) const {
    return view().find_last_not_of(std::forward<Args>(args)...);
  }
  std::string_view substr(std::size_t from, std::size_t count = std::string_view::npos) const {
    return view().substr(from, count);
  }
  bool starts_with(std::string_view prefix) const noexcept { return view().starts_with(prefix); }
  bool starts_with(char c) const noexcept { return view().starts_with(c); }
  bool ends_with(std::string_view suffix) const noexcept { return view().ends_with(suffix); }
  bool ends_with(char c) const noexcept { return view().ends_with(c); }
  int compare(std::string_view other) const noexcept { return view().compare(other); }

  friend bool operator==(const shared_text& a, const shared_text& b) noexcept {
    return a.block_ == b.block_ || a.view() == b.view();
  }
  friend bool operator==(const shared_text& a, std::string_view b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const shared_text& a, const std::string& b) noexcept {
    return a.view() == std::string_view(b);
  }
  friend bool operator==(const shared_text& a, const char* b) noexcept {
    return a.view() == std::string_view(b);
  }
  friend std::strong_ordering operator<=>(const shared_text& a, const shared_text& b) noexcept {
    return a.view().compare(b.view()) <=> 0;
  }
  friend std::strong_ordering operator<=>(const shared_text& a, std::string_view b) noexcept {
    return a.view().compare(b) <=> 0;
  }
  friend std::strong_ordering operator<=>(const shared_text& a, const std::string& b) noexcept {
    return a.view().compare(b) <=> 0;
  }

  friend std::string operator+(const shared_text& a, std::string_view b) {
    std::string out(a.view());
    out.append(b);
    return out;
  }
  friend std::string operator+(std::string_view a, const shared_text& b) {
    std::string out(a);
    out.append(b.view());
    return out;
  }

 private:
  // The count, the size and the characters in one allocation; `pool` recycles small blocks.
  struct block {
    std::atomic<std::uint32_t> refs;
    std::uint32_t pool_class;  // text_pools' size class, or none
    std::size_t size;
    text_pools* pool;  // the thread's pools that made it, nullptr for a large text
    const char* chars() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  };

  static block* allocate(std::size_t size) {
    text_pools::made made = text_pools::allocate(block_bytes(size));
    return new (made.memory) block{{1}, made.size_class, size, made.pool};
  }
  static block* make(std::string_view text) {
    if (text.empty()) return nullptr;  // the empty text holds nothing, so `empty()` is a test
    block* b = allocate(text.size());
    std::memcpy(reinterpret_cast<char*>(b + 1), text.data(), text.size());
    return b;
  }
  void retain() noexcept {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  // The test and the count stay inline and the freeing does not: an event's destructor releases
  // seventeen texts, most of them empty, and a whole release per member made it a call each
  // (profiled).
  void release() noexcept {
    if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(block_);
  }
  [[gnu::noinline]] static void destroy(block* text) noexcept {
    text_pools* pool = text->pool;
    const std::uint32_t size_class = text->pool_class;
    const std::size_t bytes = block_bytes(text->size);
    text->~block();
    text_pools::free(text, bytes, size_class, pool);
  }

  block* block_ = nullptr;
};

inline std::ostream& operator<<(std::ostream& out, const shared_text& text) {
  return out << text.view();
}

inline std::string& operator+=(std::string& out, const shared_text& text) {
  return out.append(text.view());
}

}  // namespace loopscope

template <>
struct std::hash<loopscope::shared_text> {
  std::size_t operator()(const loopscope::shared_text& text) const noexcept {
    return std::hash<std::string_view>()(text.view());
  }
};

template <>
struct fmt::formatter<loopscope::shared_text> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const loopscope::shared_text& text, Context& context) const {
    return fmt::formatter<std::string_view>::format(text.view(), context);
  }
};
