#include "alert_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace loopscope::app {

command_words split_command(const std::string& text) {
  command_words out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        word += text[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    out.error = "--on-alert: unclosed quote in the command";
    out.words.clear();
    return out;
  }
  if (in_word) out.words.push_back(std::move(word));
  if (out.words.empty()) out.error = "--on-alert: no command given";
  return out;
}

alert_command::alert_command(std::vector<std::string> argv, std::size_t max_queued,
                             int time_limit_ms)
    : argv_(std::move(argv)), max_queued_(max_queued), time_limit_ms_(time_limit_ms) {
  thread_ = std::thread([this] { work(); });
}

alert_command::~alert_command() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void alert_command::submit(std::string json_line) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(json_line));
  }
  ready_.notify_one();
}

std::uint64_t alert_command::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t alert_command::failed() const {
  const std::lock_guard lock(mutex_);
  return failed_;
}

void alert_command::work() {
  for (;;) {
    std::string next;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    run_one(next);
  }
}

void alert_command::run_one(const std::string& json_line) {
  auto count_failure = [&] {
    const std::lock_guard lock(mutex_);
    ++failed_;
  };
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return count_failure();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  // Its stdout would mix with the watcher's own output: the command's goes to stderr.
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a time-out kills what it started too; default signal handling.
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (std::string& w : argv_) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in[0]);
  if (spawned != 0) {
    ::close(in[1]);
    return count_failure();
  }
  // The line is small (one alert); a command that does not read it is not waited for.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(time_limit_ms_);
  const std::string data = json_line + "\n";
  std::size_t written = 0;
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  ::signal(SIGPIPE, SIG_IGN);
  while (written < data.size() && std::chrono::steady_clock::now() < deadline) {
    const ssize_t got = ::write(in[1], data.data() + written, data.size() - written);
    if (got > 0) {
      written += static_cast<std::size_t>(got);
    } else if (got < 0 && errno != EAGAIN && errno != EINTR) {
      break;  // it closed its stdin
    } else {
      pollfd room{in[1], POLLOUT, 0};
      ::poll(&room, 1, 20);
    }
  }
  ::close(in[1]);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return count_failure();
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return count_failure();
    }
    ::usleep(10'000);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) count_failure();
}

}  // namespace loopscope::app
