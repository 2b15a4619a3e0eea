// An ordered list of RE2 patterns asked one question per text: which is the first that matches?
// Message catalogues ask it of every record a proxy logs, so most texts must be answered before any
// regular expression runs. When the list is compiled, RE2's own prefilter analysis (FilteredRE2)
// names the literals ("atoms") each pattern cannot match without; a text is then read once by an
// Aho-Corasick automaton over those atoms, and only the patterns whose atoms it holds are run, in
// order. The prefilter is derived from the patterns, so data files and `--formats` overlays get it
// alike; compile() checks it against the full RE2::Set on the texts it is given.
#pragma once

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loopscope::formats::detail {

// Which literals of a fixed list a text holds, in one pass: the text's ASCII letters are folded to
// lower case, as FilteredRE2's atoms are.
class literal_scanner {
 public:
  literal_scanner() = default;
  explicit literal_scanner(const std::vector<std::string>& literals);

  // Appends the index of every literal `text` holds (each once) to `found`; `seen` is scratch of
  // one flag per literal, left all false. Returns the OR of the text's bytes (0x80 set: not ASCII).
  unsigned char scan(std::string_view text, std::vector<int>& found,
                     std::vector<unsigned char>& seen) const;
  bool empty() const { return transitions_.empty(); }

 private:
  void report(std::uint32_t row, std::vector<int>& found, std::vector<unsigned char>& seen) const;

  std::array<unsigned char, 256> byte_class_{};  // folded byte → column; 0: in no literal
  std::size_t columns_ = 1;
  // The next state's row offset, indexed by row + column; rows from first_ending_row_ on are
  // states where a literal ends.
  std::vector<std::uint32_t> transitions_;
  std::uint32_t first_ending_row_ = 0;
  std::vector<std::uint32_t> ends_begin_;  // state → [ends_begin_[s], ends_begin_[s + 1]) in ends_
  std::vector<int> ends_;                  // the literals ending at a state (suffixes included)
  std::size_t longest_ = 0;
};

class pattern_set {
 public:
  explicit pattern_set(const re2::RE2::Options& options);
  pattern_set(pattern_set&&) noexcept;
  pattern_set& operator=(pattern_set&&) noexcept;
  ~pattern_set();

  // Appends a pattern (its index is the count before); false and `error` when it does not parse.
  bool add(std::string_view pattern, std::string* error);
  // Texts besides the patterns' atoms that the scan of first_match looks for, so that a caller
  // learns whether a text may hold them without reading it again (the catalogue extractors' keys).
  // At most 32, ASCII; before compile().
  void add_needles(std::vector<std::string> needles) { needles_ = std::move(needles); }
  // False when the patterns together exceed RE2's memory. Once, after every add().
  bool compile();

  // The index of the first pattern that matches `text`, -1 when none. Thread-safe. When
  // `needles_seen` is given, bit i is set unless the text cannot hold needle i (the scan folds
  // ASCII case and looks for a needle's first twelve bytes: a set bit is a maybe).
  // When `captured` is given and the pattern found has capturing groups, its groups are left
  // there (the whole match first) by the run that tested it, and `captured` is not empty; else it
  // is left empty and the caller runs the pattern again for them.
  int first_match(std::string_view text, std::uint32_t* needles_seen = nullptr,
                  std::vector<re2::StringPiece>* captured = nullptr) const;
  // The same answer from the RE2::Set alone, without the prefilter: for the checks at load.
  int first_match_unfiltered(std::string_view text) const;
  std::size_t size() const { return size_; }
  // The compiled pattern `index` (for its captures).
  const re2::RE2& pattern(std::size_t index) const {
    return filter_->GetRE2(static_cast<int>(index));
  }

 private:
  const std::vector<int>& candidates(const std::vector<int>& atoms) const;

  re2::RE2::Options options_;
  std::size_t size_ = 0;
  bool compiled_ = false;
  std::unique_ptr<re2::RE2::Set> set_;
  std::unique_ptr<re2::FilteredRE2> filter_;
  literal_scanner scanner_;
  std::vector<int> forced_atoms_;  // atoms with non-ASCII bytes: taken as present (not folded)
  std::vector<int> unfiltered_;    // the candidates when no atom is present
  std::size_t atom_count_ = 0;
  std::vector<std::string> needles_;  // scanned as literals atom_count_, atom_count_ + 1, …
  std::uint64_t id_ = 0;              // names this set's entries in the per-thread candidate cache
};

}  // namespace loopscope::formats::detail
