#include "loopscope/ingest/sqlite_logs.hpp"

#include <algorithm>

#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace loopscope::ingest {
namespace {

struct database_closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct statement_finalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// "file:" URI of a path: '%', '?' and '#' would otherwise be read as URI syntax.
std::string file_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (const char c : path.string()) {
    switch (c) {
      case '%':
        uri += "%25";
        break;
      case '?':
        uri += "%3f";
        break;
      case '#':
        uri += "%23";
        break;
      default:
        uri.push_back(c);
    }
  }
  // immutable: no locks and no WAL lookups, so a database Codex is writing cannot block us (rows
  // still in the WAL file are not seen).
  uri += "?mode=ro&immutable=1";
  return uri;
}

std::string_view column_text(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
}

// Codex 0.171 writes the span chain into the body ("session_loop{…}:turn{… turn.id=…}: message");
// 0.121 rows hold the message alone. Returns the length of a leading chain (up to the ": " that
// ends it, outside braces and quotes), or 0 when the body does not open with one.
std::size_t span_chain_length(std::string_view body) {
  std::size_t i = 0;
  while (i < body.size() &&
         ((body[i] >= 'a' && body[i] <= 'z') || (body[i] >= '0' && body[i] <= '9') ||
          body[i] == '_' || body[i] == '.')) {
    ++i;
  }
  if (i == 0 || i >= body.size() || body[i] != '{') return 0;
  int depth = 0;
  bool quoted = false;
  for (; i < body.size(); ++i) {
    const char c = body[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    } else if (depth == 0 && c == ':' && i + 1 < body.size() && body[i + 1] == ' ') {
      return i;
    } else if (depth == 0 && c == ' ') {
      return 0;  // a space outside a span's braces: prose, not a chain
    }
  }
  return 0;
}

std::string_view level_word(std::string_view level) {
  static constexpr std::string_view levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
  for (const std::string_view known : levels) {
    if (level.size() != known.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < level.size() && same; ++i) {
      const char c =
          level[i] >= 'a' && level[i] <= 'z' ? static_cast<char>(level[i] - 32) : level[i];
      same = c == known[i];
    }
    if (same) return known;
  }
  return "TRACE";  // the database captures everything at TRACE; an odd level is no reason to drop
}

// Days since the epoch → civil date (Howard Hinnant's civil_from_days).
void civil_from_days(std::int64_t days, int& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0));
}

void append_stamp(std::string& out, std::int64_t seconds, std::int64_t nanos) {
  if (nanos < 0 || nanos >= 1'000'000'000) nanos = 0;
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", year, month,
                 day, rest / 3600, rest % 3600 / 60, rest % 60, nanos / 1000);
}

// One row (columns ts, ts_nanos, level, target, feedback_log_body, thread_id) as the tracing line
// Codex would have written to codex-tui.log.
void render_row(sqlite3_stmt* row, std::string& text) {
  append_stamp(text, sqlite3_column_int64(row, 0), sqlite3_column_int64(row, 1));
  text.push_back(' ');
  text.append(level_word(column_text(row, 2)));
  text.push_back(' ');
  const std::string_view thread_id = column_text(row, 5);
  std::string_view body = column_text(row, 4);
  const std::size_t chain = span_chain_length(body);
  if (chain != 0) {
    // The row's own chain, in the tracing line's place: spans, then target, then message.
    text.append(body.substr(0, chain));
    text.append(": ");
    body.remove_prefix(chain + 2);
  } else if (!thread_id.empty()) {
    text.append("session_loop{thread_id=");
    text.append(thread_id);
    text.append("}: ");
  }
  const std::string_view target = column_text(row, 3);
  text.append(target.empty() ? std::string_view("codex") : target);
  text.append(": ");
  text.append(body);
  // One row, one line: a line break in any column (the body's own, or a corrupt database's
  // thread id or target) becomes a space.
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
}

}  // namespace

bool is_sqlite_file(const std::filesystem::path& path) {
  static constexpr char magic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                     'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  if (!in.read(head, sizeof head)) return false;
  return std::memcmp(head, magic, sizeof magic) == 0;
}

namespace {

// Rows of `logs` as codex-trace lines, one sqlite3_step per line.
class sqlite_line_stream final : public line_stream {
 public:
  explicit sqlite_line_stream(const input_spec& input) {
    if (input.is_stdin) {
      outcome_.opened = false;
      fail("a SQLite database cannot be read from standard input");
      return;
    }
    sqlite3* raw_db = nullptr;
    const int opened = sqlite3_open_v2(file_uri(input.file_path).c_str(), &raw_db,
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    db_.reset(raw_db);
    if (opened != SQLITE_OK) {
      outcome_.opened = false;
      fail(fmt::format("cannot open as a SQLite database: {}",
                       db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(opened)));
      return;
    }
    sqlite3_stmt* raw_statement = nullptr;
    static constexpr const char* query =
        "SELECT ts, ts_nanos, level, target, feedback_log_body, thread_id FROM logs "
        "ORDER BY ts, ts_nanos, id";
    if (sqlite3_prepare_v2(db_.get(), query, -1, &raw_statement, nullptr) != SQLITE_OK) {
      fail(fmt::format("not a Codex logs database: {}", sqlite3_errmsg(db_.get())));
      return;
    }
    statement_.reset(raw_statement);
  }

  std::optional<line> next() override {
    if (!statement_ || done_) return std::nullopt;
    const int step = sqlite3_step(statement_.get());
    if (step != SQLITE_ROW) {
      done_ = true;
      if (step != SQLITE_DONE) {
        fail(fmt::format("reading the logs table stopped after {} rows: {}", outcome_.lines,
                         sqlite3_errmsg(db_.get())));
      }
      return std::nullopt;
    }
    text_.clear();
    render_row(statement_.get(), text_);
    const std::size_t length = text_.size();
    text_.append(line_padding, '\0');
    ++outcome_.lines;
    outcome_.bytes += length;
    return line{std::string_view(text_.data(), length), outcome_.lines, false, length};
  }

  const read_outcome& outcome() const override { return outcome_; }

 private:
  void fail(std::string message) {
    outcome_.complete = false;
    outcome_.problems.push_back({diagnostic_level::error, {}, std::move(message)});
  }

  std::unique_ptr<sqlite3, database_closer> db_;
  std::unique_ptr<sqlite3_stmt, statement_finalizer> statement_;
  std::string text_;
  read_outcome outcome_;
  bool done_ = false;
};

}  // namespace

sqlite_follower::sqlite_follower(std::filesystem::path path, start_at start)
    : path_(std::move(path)), start_(start) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) start_ = start_at::beginning;  // all of it is new
}

sqlite_follower::~sqlite_follower() {
  if (statement_ != nullptr) sqlite3_finalize(static_cast<sqlite3_stmt*>(statement_));
  if (db_ != nullptr) sqlite3_close(static_cast<sqlite3*>(db_));
}

bool sqlite_follower::open() {
  if (!is_sqlite_file(path_)) return false;
  sqlite3* db = nullptr;
  // Not immutable: Codex is writing it, and its newest rows may still be in the WAL file.
  std::string uri = file_uri(path_);
  uri.resize(uri.size() - std::string_view("&immutable=1").size());
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 50);
  if (start_ == start_at::end) {
    sqlite3_stmt* last = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT max(id) FROM logs", -1, &last, nullptr) == SQLITE_OK &&
        sqlite3_step(last) == SQLITE_ROW) {
      last_id_ = sqlite3_column_int64(last, 0);
    }
    sqlite3_finalize(last);
  }
  sqlite3_stmt* rows = nullptr;
  static constexpr const char* query =
      "SELECT ts, ts_nanos, level, target, feedback_log_body, thread_id, id FROM logs "
      "WHERE id > ? ORDER BY id LIMIT 2000";
  if (sqlite3_prepare_v2(db, query, -1, &rows, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return false;  // no logs table yet: Codex creates it
  }
  db_ = db;
  statement_ = rows;
  return true;
}

bool sqlite_follower::poll(follow_sink& sink) {
  if (db_ == nullptr && !open()) return false;
  auto* rows = static_cast<sqlite3_stmt*>(statement_);
  sqlite3_reset(rows);
  sqlite3_bind_int64(rows, 1, last_id_);
  std::size_t count = 0;
  std::string text;
  while (sqlite3_step(rows) == SQLITE_ROW) {
    last_id_ = sqlite3_column_int64(rows, 6);
    text.clear();
    render_row(rows, text);
    sink.on_bytes(text);
    sink.on_line(text);
    ++count;
  }
  sqlite3_reset(rows);
  rows_ += count;
  return count == 2000;  // a full page: there may be more
}

std::unique_ptr<line_stream> open_sqlite_logs(const input_spec& input) {
  return std::make_unique<sqlite_line_stream>(input);
}

read_outcome read_sqlite_logs(const input_spec& input, line_sink& sink) {
  const std::unique_ptr<line_stream> rows = open_sqlite_logs(input);
  while (auto row = rows->next()) sink.on_line(row->text, row->number);
  return rows->outcome();
}

}  // namespace loopscope::ingest
