// A turn cut into parts (session::join_settings::turn_window_events, detect::turn_digest) gives
// the findings the whole turn gives: every recorded sample, analysed with a window of a few
// events, against the same sample analysed whole.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "loopscope/session/input_merger.hpp"
#include "loopscope/session/session_assembler.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

std::shared_ptr<const detect::rule_set> pack() {
  detect::loaded_rules loaded = detect::builtin_rules();
  REQUIRE(loaded.errors.empty());
  return std::make_shared<const detect::rule_set>(std::move(loaded.rules));
}

// The rule engine behind the session stage, as app/analysis.cpp wires it.
struct engine_sink final : session::turn_sink {
  engine_sink(std::shared_ptr<const detect::rule_set> rules, bool take_parts)
      : engine(std::move(rules)), in_parts(take_parts) {}
  detect::rule_engine engine;
  bool in_parts;
  std::vector<detect::finding> found;
  std::vector<session::session_summary> sessions;
  std::size_t parts = 0;

  bool takes_turn_parts() const override { return in_parts; }
  void on_turn_part(const session::turn& part) override {
    ++parts;
    engine.on_turn_part(part);
  }
  void on_turn(const session::turn& t) override {
    if (split == 0 || t.events.size() <= split) {
      for (detect::finding& f : engine.on_turn(t)) found.push_back(std::move(f));
      return;
    }
    // The whole turn, cut here into parts of `split` events.
    session::turn part = t;
    part.events.clear();
    std::size_t at = 0;
    for (; at + split < t.events.size(); at += split) {
      part.events.assign(t.events.begin() + static_cast<std::ptrdiff_t>(at),
                         t.events.begin() + static_cast<std::ptrdiff_t>(at + split));
      on_turn_part(part);
    }
    part.events.assign(t.events.begin() + static_cast<std::ptrdiff_t>(at), t.events.end());
    for (detect::finding& f : engine.on_turn(part)) found.push_back(std::move(f));
  }
  std::size_t split = 0;
  void on_session(session::session_summary&& ended) override {
    std::vector<detect::finding*> earlier;
    for (detect::finding& f : found) {
      if (f.session == ended.id) earlier.push_back(&f);
    }
    std::vector<detect::finding> more = engine.finish_session(ended.id, earlier);
    for (detect::finding& f : more) found.push_back(std::move(f));
    sessions.push_back(std::move(ended));
  }
};

void analyse(const std::string& dir, engine_sink& sink, std::size_t window) {
  const ingest::input_list inputs = ingest::expand_inputs({dir});
  session::join_settings settings;
  settings.turn_window_events = window;
  session::session_assembler assembler(sink, settings);
  session::input_merger merger(inputs.inputs.size(), [&](std::size_t i) {
    return std::make_unique<normalize::event_source>(static_cast<input_index>(i), inputs.inputs[i],
                                                     std::nullopt, ingest::read_limits{});
  });
  merger.run(assembler,
             [](std::size_t, const normalize::event_source&, const session::clock_alignment*) {});
}

std::string stamp(const std::optional<timestamp>& t) {
  return t ? std::to_string(t->micros) : "-";
}

enum class detail : unsigned char { all, findings_only };

// Everything a report shows of a finding; findings_only leaves out the drawn graph and the
// turn's profile, which read the order of proxy lines whose whole-second stamps tie.
std::string describe(const detect::finding& f, detail shown = detail::all) {
  std::ostringstream out;
  out << f.rule << " s=" << f.session << " turn=" << f.turn << " id=" << f.turn_id
      << " it=" << f.iterations << " level=" << static_cast<int>(f.level)
      << " span=" << stamp(f.start) << ".." << stamp(f.end) << " tokens=" << f.tokens
      << " omitted=" << f.evidence_omitted;
  for (const std::string& c : f.cycle) out << " cycle[" << c << "]";
  if (f.cause) {
    out << " cause=" << static_cast<int>(f.cause->source) << "/" << f.cause->http.status << "/"
        << f.cause->http.method << "/" << f.cause->http.path << "/" << f.cause->error_class << "/"
        << f.cause->message << "/" << static_cast<int>(f.cause->is_retriable)
        << static_cast<int>(f.cause->codex_request_layer)
        << static_cast<int>(f.cause->codex_turn_layer) << static_cast<int>(f.cause->litellm_router);
  }
  for (const detect::evidence_line& e : f.evidence) {
    out << "\n  ev " << e.where.input << ":" << e.where.line << " " << e.text;
  }
  if (shown == detail::findings_only) return out.str();
  for (const std::string& n : f.turn_graph.nodes) out << "\n  node " << n;
  for (const auto& e : f.turn_graph.edges)
    out << " edge " << e.from << ">" << e.to << "x" << e.count;
  out << "\n  " << f.summary << " | " << f.advice << " | " << f.headline;
  for (const int t : f.recurs_in_turns) out << " recurs " << t;
  if (f.profile) {
    const detect::turn_profile& p = *f.profile;
    out << "\n  profile " << p.span_ms << " " << p.loop_ms << " " << p.backoff_ms << " "
        << p.websocket_attempts << " " << p.sampling_attempts << " " << p.posts << " "
        << p.failed_posts << " " << p.router_retries << " " << p.failed;
  }
  return out.str();
}

std::string describe(const std::vector<detect::finding>& found, detail shown = detail::all) {
  std::string all;
  for (const detect::finding& f : found) all += describe(f, shown) + "\n";
  return all;
}

std::string describe(const std::vector<session::session_summary>& sessions) {
  std::ostringstream out;
  for (const session::session_summary& s : sessions) {
    out << s.id << " outside=" << s.events_outside_turns << "\n";
    for (const session::turn_summary& t : s.turns) {
      out << "  " << t.index << " " << t.id << " " << stamp(t.start) << " " << stamp(t.end) << " "
          << static_cast<int>(t.outcome) << " events=" << t.events << " requests=" << t.requests
          << "\n";
    }
  }
  return out.str();
}

}  // namespace

TEST_CASE("detection on turns cut into parts of 7 events gives the findings of the whole turns") {
  const auto rules = pack();
  std::size_t parted = 0, findings = 0;
  for (const std::string& dir : test::sample_dirs()) {
    CAPTURE(dir);
    engine_sink whole(rules, false), cut(rules, false);
    cut.split = 7;
    analyse(dir, whole, 0);
    analyse(dir, cut, 0);
    parted += cut.parts;
    findings += whole.found.size();
    CHECK(describe(cut.found) == describe(whole.found));
  }
  CHECK(parted > 100);
  CHECK(findings > 20);
}

TEST_CASE("the session stage with a window of 7 events gives the findings of whole turns") {
  const auto rules = pack();
  const std::vector<std::string> dirs = test::sample_dirs();
  REQUIRE(dirs.size() >= 10);
  std::size_t parted = 0, findings = 0;
  for (const std::string& dir : dirs) {
    CAPTURE(dir);
    engine_sink whole(rules, false), windowed(rules, true);
    analyse(dir, whole, 7);  // a sink that takes no parts gets every turn whole
    analyse(dir, windowed, 7);
    CHECK(whole.parts == 0);
    parted += windowed.parts;
    findings += whole.found.size();
    // The assembler cuts the turn as lines arrive; a proxy request decided late (by time) may
    // land in a later part than its stamp: findings, causes and evidence do not change, the
    // drawn graph and LiteLLM's retry count of the profile may (docs/architecture.md).
    CHECK(describe(windowed.found, detail::findings_only) ==
          describe(whole.found, detail::findings_only));
    CHECK(describe(windowed.sessions) == describe(whole.sessions));
  }
  CHECK(parted > 100);   // the window did cut turns
  CHECK(findings > 20);  // and there were findings to compare
}

TEST_CASE("the default window leaves the samples' turns whole") {
  const auto rules = pack();
  for (const std::string& dir : test::sample_dirs()) {
    engine_sink windowed(rules, true);
    analyse(dir, windowed, session::join_settings{}.turn_window_events);
    CHECK(windowed.parts == 0);
  }
}

TEST_CASE("cycles found as steps arrive are those of the whole turn: random walks, any cut") {
  // Every part size from 1 to 9 against the whole turn, 40 random turns.
  const auto rules = pack();
  std::uint64_t seed = 19;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  std::size_t walks = 0;
  for (int round = 0; round < 40; ++round) {
    session::turn t;
    t.session_key = "s";
    t.index = 1;
    std::int64_t micros = 1'800'000'000'000'000;
    // Short random blocks repeated a few times each ("a a b b a a b b": periods 1, 2 and 4 at
    // once), now and then an apply_patch (reset_on) or a long pause.
    std::vector<std::uint64_t> shapes;
    while (shapes.size() < 80) {
      std::vector<std::uint64_t> block(1 + next() % 4);
      for (std::uint64_t& b : block) b = next() % (round % 2 == 0 ? 3 : 2);
      for (std::uint64_t times = 1 + next() % 4; times > 0; --times) {
        shapes.insert(shapes.end(), block.begin(), block.end());
      }
    }
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      event e;
      e.source = format_id::codex_rollout;
      const std::uint64_t draw = next() % 100;
      e.kind = shapes[i] == 0 ? event_kind::tool_output : event_kind::tool_call;
      e.tool_name = draw < 3 ? "apply_patch" : "exec_command";
      e.arguments_hash = 1 + shapes[i];
      e.output_hash = e.kind == event_kind::tool_output ? 7 : 0;
      micros += draw < 2 ? 600'000'000 : 1'000'000;
      e.time = timestamp{micros};
      e.where = {0, i + 1};
      e.excerpt = "step " + std::to_string(i);
      t.events.push_back(std::move(e));
    }
    t.start = t.events.front().time;
    t.end = t.events.back().time;
    detect::rule_engine whole_engine(rules);
    const std::vector<detect::finding> found = whole_engine.on_turn(t);
    walks += found.size();
    const std::string whole = describe(found);
    for (std::size_t split = 1; split <= 9; ++split) {
      CAPTURE(round);
      CAPTURE(split);
      detect::rule_engine engine(rules);
      session::turn part = t;
      std::size_t at = 0;
      for (; at + split < t.events.size(); at += split) {
        part.events.assign(t.events.begin() + static_cast<std::ptrdiff_t>(at),
                           t.events.begin() + static_cast<std::ptrdiff_t>(at + split));
        engine.on_turn_part(part);
      }
      part.events.assign(t.events.begin() + static_cast<std::ptrdiff_t>(at), t.events.end());
      CHECK(describe(engine.on_turn(part)) == whole);
    }
  }
  CHECK(walks > 20);  // there were walks to find
}
