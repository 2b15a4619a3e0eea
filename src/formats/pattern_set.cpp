#include "pattern_set.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <unordered_map>
#include <utility>

namespace loopscope::formats::detail {
namespace {

// Beyond this many candidates one RE2::Set pass over the text is cheaper than running each.
constexpr std::size_t max_candidates = 3;
// Distinct atom combinations remembered per thread (log lines repeat a few shapes).
constexpr std::size_t cached_combinations = 4096;
// Atoms shorter than this say too little to be worth finding: FilteredRE2 treats them as present.
constexpr int min_atom_bytes = 3;
// How much of each atom the scanner looks for (literal_scanner).
constexpr std::size_t scanned_head_bytes = 12;

unsigned char fold(unsigned char b) {
  return b >= 'A' && b <= 'Z' ? static_cast<unsigned char>(b - 'A' + 'a') : b;
}

// RE2's case folding maps two non-ASCII characters onto ASCII letters: KELVIN SIGN (U+212A) onto
// 'k' and LATIN SMALL LETTER LONG S (U+017F) onto 's'. A text holding either is not read by the
// ASCII-folding scanner: the Set decides it.
bool folds_onto_ascii(std::string_view text) {
  return text.find("\xE2\x84\xAA") != std::string_view::npos ||
         text.find("\xC5\xBF") != std::string_view::npos;
}

std::atomic<std::uint64_t> next_set_id{1};

}  // namespace

literal_scanner::literal_scanner(const std::vector<std::string>& literals) {
  // Only a literal's head is looked for: a text holding the head is reported as holding the
  // literal (the candidates' own RE2 decide), and short heads keep the automaton small and the
  // overlap between the parts of a long text (scan) short.
  const auto head_of = [](const std::string& literal) {
    return std::string_view(literal).substr(0, scanned_head_bytes);
  };
  // Columns: one per distinct (folded) byte of the literals, 0 for every other byte.
  for (const std::string& literal : literals) {
    for (const char c : head_of(literal)) {
      const unsigned char b = fold(static_cast<unsigned char>(c));
      if (byte_class_[b] == 0) byte_class_[b] = static_cast<unsigned char>(columns_++);
    }
    longest_ = std::max(longest_, head_of(literal).size());
  }
  for (unsigned b = 'A'; b <= 'Z'; ++b) byte_class_[b] = byte_class_[fold(b)];
  // The trie of the literals, then Aho-Corasick's failure links folded into a full table.
  std::vector<std::vector<int>> next(1, std::vector<int>(columns_, -1));
  std::vector<std::vector<int>> ends(1);
  for (std::size_t i = 0; i < literals.size(); ++i) {
    if (literals[i].empty()) continue;
    std::size_t state = 0;
    for (const char c : head_of(literals[i])) {
      const unsigned char column = byte_class_[fold(static_cast<unsigned char>(c))];
      if (next[state][column] < 0) {
        next[state][column] = static_cast<int>(next.size());
        next.emplace_back(columns_, -1);
        ends.emplace_back();
      }
      state = static_cast<std::size_t>(next[state][column]);
    }
    ends[state].push_back(static_cast<int>(i));
  }
  if (next.size() == 1) return;  // no literal: nothing to find
  // Breadth first: the failure links of a state's children need its own.
  std::vector<int> failure(next.size(), 0);
  std::vector<int> order{0};
  order.reserve(next.size());
  for (std::size_t column = 0; column < columns_; ++column) {
    int& child = next[0][column];
    if (child < 0) {
      child = 0;
    } else {
      order.push_back(child);
    }
  }
  for (std::size_t at = 1; at < order.size(); ++at) {
    const auto state = static_cast<std::size_t>(order[at]);
    for (std::size_t column = 0; column < columns_; ++column) {
      int& child = next[state][column];
      const int via_failure = next[static_cast<std::size_t>(failure[state])][column];
      if (child < 0) {
        child = via_failure;
        continue;
      }
      failure[static_cast<std::size_t>(child)] = via_failure;
      const std::vector<int>& inherited = ends[static_cast<std::size_t>(via_failure)];
      std::vector<int>& own = ends[static_cast<std::size_t>(child)];
      own.insert(own.end(), inherited.begin(), inherited.end());
      order.push_back(child);
    }
  }
  // States are numbered breadth first, the ones that end a literal last: the shallow states,
  // where a text's bytes mostly stay, share cache lines, and one comparison of the next row tells
  // whether a literal ends there.
  std::stable_partition(order.begin(), order.end(),
                        [&](int state) { return ends[static_cast<std::size_t>(state)].empty(); });
  std::vector<std::size_t> number(next.size());
  for (std::size_t i = 0; i < order.size(); ++i) number[static_cast<std::size_t>(order[i])] = i;
  const std::size_t first_ending = static_cast<std::size_t>(
      std::find_if(order.begin(), order.end(),
                   [&](int state) { return !ends[static_cast<std::size_t>(state)].empty(); }) -
      order.begin());
  first_ending_row_ = static_cast<std::uint32_t>(first_ending * columns_);
  transitions_.resize(next.size() * columns_);
  ends_begin_.reserve(next.size() + 1);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto state = static_cast<std::size_t>(order[i]);
    for (std::size_t column = 0; column < columns_; ++column) {
      const auto target = static_cast<std::size_t>(next[state][column]);
      transitions_[i * columns_ + column] = static_cast<std::uint32_t>(number[target] * columns_);
    }
    ends_begin_.push_back(static_cast<std::uint32_t>(ends_.size()));
    ends_.insert(ends_.end(), ends[state].begin(), ends[state].end());
  }
  ends_begin_.push_back(static_cast<std::uint32_t>(ends_.size()));
}

void literal_scanner::report(std::uint32_t row, std::vector<int>& found,
                             std::vector<unsigned char>& seen) const {
  const std::size_t state = row / columns_;
  for (std::uint32_t i = ends_begin_[state]; i < ends_begin_[state + 1]; ++i) {
    const auto literal = static_cast<std::size_t>(ends_[i]);
    if (seen[literal] != 0) continue;
    seen[literal] = 1;
    found.push_back(ends_[i]);
  }
}

unsigned char literal_scanner::scan(std::string_view text, std::vector<int>& found,
                                    std::vector<unsigned char>& seen) const {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  unsigned char bytes = 0;
  if (transitions_.empty()) {
    for (std::size_t at = 0; at < text.size(); ++at) bytes |= data[at];
    return bytes;
  }
  const std::size_t first_found = found.size();
  // Locals: the compiler cannot keep members in registers across the writes to `seen`.
  const std::uint32_t* const table = transitions_.data();
  const unsigned char* const column = byte_class_.data();
  const std::uint32_t ending = first_ending_row_;
  const auto step = [&](std::uint32_t& row, std::size_t at) {
    const unsigned char b = data[at];
    bytes |= b;
    row = table[row + column[b]];
    if (row >= ending) [[unlikely]]
      report(row, found, seen);
  };
  // Each step waits for the one before: a long text is read as four overlapping parts at once,
  // so that four steps are in flight. Part k starts at k * quarter in the initial state and reads
  // `longest_ - 1` bytes into the next part, so every occurrence lies whole in one part.
  std::size_t at = 0;
  std::uint32_t last = 0;
  const std::size_t quarter = text.size() / 4;
  if (quarter >= longest_) {
    std::uint32_t row0 = 0, row1 = 0, row2 = 0;
    const std::size_t reach = quarter + longest_ - 1;
    const std::size_t together = std::min(reach, text.size() - 3 * quarter);
    std::size_t i = 0;
    for (; i < together; ++i) {
      step(row0, i);
      step(row1, quarter + i);
      step(row2, 2 * quarter + i);
      step(last, 3 * quarter + i);
    }
    for (; i < reach; ++i) {
      step(row0, i);
      step(row1, quarter + i);
      step(row2, 2 * quarter + i);
    }
    at = 3 * quarter + together;
  }
  for (; at < text.size(); ++at) step(last, at);
  for (std::size_t i = first_found; i < found.size(); ++i) {
    seen[static_cast<std::size_t>(found[i])] = 0;
  }
  return bytes;
}

pattern_set::pattern_set(const re2::RE2::Options& options)
    : options_(options), filter_(std::make_unique<re2::FilteredRE2>(min_atom_bytes)) {}
pattern_set::pattern_set(pattern_set&&) noexcept = default;
pattern_set& pattern_set::operator=(pattern_set&&) noexcept = default;
pattern_set::~pattern_set() = default;

bool pattern_set::add(std::string_view pattern, std::string* error) {
  // FilteredRE2 compiles and keeps each pattern's RE2: the candidates and the captures use it.
  int id = 0;
  const re2::StringPiece piece(pattern.data(), pattern.size());
  if (compiled_ || filter_->Add(piece, options_, &id) != re2::RE2::NoError) {
    if (error != nullptr)
      *error = compiled_ ? "added after compile()" : re2::RE2(piece, options_).error();
    return false;
  }
  ++size_;
  return true;
}

bool pattern_set::compile() {
  if (compiled_) return set_ != nullptr || size_ == 0;
  compiled_ = true;
  id_ = next_set_id.fetch_add(1, std::memory_order_relaxed);
  if (size_ == 0) return true;
  auto set = std::make_unique<re2::RE2::Set>(options_, re2::RE2::UNANCHORED);
  for (std::size_t i = 0; i < size_; ++i) {
    if (set->Add(pattern(i).pattern(), nullptr) < 0) return false;  // parsed in add()
  }
  if (!set->Compile()) return false;
  std::vector<std::string> atoms;
  filter_->Compile(&atoms);
  std::vector<std::string> ascii_atoms(atoms.size());
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    const bool ascii = std::all_of(atoms[i].begin(), atoms[i].end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      ascii_atoms[i] = atoms[i];
    } else {
      forced_atoms_.push_back(static_cast<int>(i));
    }
  }
  atom_count_ = atoms.size();
  if (needles_.size() > 32) return false;
  for (const std::string& needle : needles_) ascii_atoms.push_back(needle);
  scanner_ = literal_scanner(ascii_atoms);
  filter_->AllPotentials(forced_atoms_, &unfiltered_);
  set_ = std::move(set);
  return true;
}

const std::vector<int>& pattern_set::candidates(const std::vector<int>& atoms) const {
  if (atoms.size() == forced_atoms_.size()) return unfiltered_;
  // FilteredRE2 allocates and walks its tree per question: the answers are kept per thread,
  // keyed by this set's id and the atoms found.
  thread_local std::unordered_map<std::string, std::vector<int>> cache;
  thread_local std::string key;
  key.assign(reinterpret_cast<const char*>(&id_), sizeof id_);
  for (const int atom : atoms) {
    const std::size_t byte = sizeof id_ + static_cast<std::size_t>(atom) / 8;
    if (key.size() <= byte) key.resize(byte + 1, '\0');
    key[byte] = static_cast<char>(key[byte] | (1 << (atom % 8)));
  }
  if (const auto hit = cache.find(key); hit != cache.end()) return hit->second;
  if (cache.size() >= cached_combinations) cache.clear();
  std::vector<int> found;
  filter_->AllPotentials(atoms, &found);
  return cache.emplace(key, std::move(found)).first->second;
}

int pattern_set::first_match(std::string_view text, std::uint32_t* needles_seen,
                             std::vector<re2::StringPiece>* captured) const {
  if (captured != nullptr) captured->clear();
  if (needles_seen != nullptr) *needles_seen = ~std::uint32_t{0};  // unless the scan says less
  if (!set_) return -1;
  thread_local std::vector<int> atoms;
  thread_local std::vector<unsigned char> seen;
  atoms.assign(forced_atoms_.begin(), forced_atoms_.end());
  if (seen.size() < atom_count_ + needles_.size()) seen.resize(atom_count_ + needles_.size());
  const unsigned char bytes = scanner_.scan(text, atoms, seen);
  if (!needles_.empty()) {
    // The needles found leave the list: FilteredRE2 knows only the atoms.
    std::uint32_t found_needles = 0;
    std::size_t kept = 0;
    for (const int literal : atoms) {
      const auto index = static_cast<std::size_t>(literal);
      if (index >= atom_count_) {
        found_needles |= std::uint32_t{1} << (index - atom_count_);
      } else {
        atoms[kept++] = literal;
      }
    }
    atoms.resize(kept);
    if (needles_seen != nullptr) *needles_seen = found_needles;
  }
  // A needle is searched for byte for byte, ASCII: the folding of non-ASCII characters onto
  // ASCII letters below cannot hide one, so the needles found stand.
  if ((bytes & 0x80U) != 0 && folds_onto_ascii(text)) return first_match_unfiltered(text);
  const std::vector<int>& found = candidates(atoms);
  if (found.size() > max_candidates) return first_match_unfiltered(text);
  const re2::StringPiece piece(text.data(), text.size());
  for (const int i : found) {
    const re2::RE2& candidate = pattern(static_cast<std::size_t>(i));
    // The groups of the pattern that matches are wanted: the run that tests it takes them, and
    // the pattern is not run twice (a text no candidate matches costs the same either way: RE2
    // asks its DFA first).
    const int groups = captured != nullptr ? candidate.NumberOfCapturingGroups() : 0;
    if (groups > 0) {
      captured->assign(static_cast<std::size_t>(groups) + 1, re2::StringPiece());
      if (candidate.Match(piece, 0, text.size(), re2::RE2::UNANCHORED, captured->data(),
                          groups + 1)) {
        return i;
      }
      captured->clear();
    } else if (candidate.Match(piece, 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0)) {
      return i;
    }
  }
  return -1;
}

int pattern_set::first_match_unfiltered(std::string_view text) const {
  if (!set_) return -1;
  thread_local std::vector<int> hits;
  hits.clear();
  if (!set_->Match(re2::StringPiece(text.data(), text.size()), &hits) || hits.empty()) return -1;
  return *std::min_element(hits.begin(), hits.end());
}

}  // namespace loopscope::formats::detail
