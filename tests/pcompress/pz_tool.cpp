// pz_tool: what the pcompress tests need besides pcompress and zstd.
//
//   pz_tool gen SIZE FILE [SEED]        SIZE deterministic bytes ("-": stdout), a mix of
//                                       text, numbers, zeros, repeats and random bytes
//   pz_tool flip FILE OFFSET COUNT      inverts COUNT bytes from OFFSET, in place
//   pz_tool truncate FILE SIZE          cuts FILE to SIZE bytes
//   pz_tool run [--signal INT|TERM [--wait-for DIR/PREFIX] --after MS] -- COMMAND ARGS...
//                                       runs COMMAND (stdin, stdout, stderr inherited),
//                                       sends the signal MS milliseconds after the start
//                                       (or after a file DIR/PREFIX* appeared: the run is under way),
//                                       and prints "exit=N max_rss_kb=K seconds=S" (from
//                                       wait4: the child's own peak resident set; N is
//                                       "killed-by-signal-S" if a signal ended it); exits 0
//                                       unless the command could not be run
//
// The generator is the same on every machine: integer arithmetic only, one
// splitmix64 stream from SEED.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "pz_tool: %s\n", message.c_str());
  std::exit(2);
}

std::uint64_t number(const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') die(std::string("not a number: ") + text);
  return v;
}

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform enough in [0, n) for test data.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

/// Appends one segment of 4 KiB .. 256 KiB of one of five sorts to `out`.
void segment(Random& r, std::string& out) {
  static const char* const kWords[] = {
      "the",    "pipeline", "block",  "frame",   "zstd",      "parallel", "thread", "stream", "order",
      "sink",   "source",   "graph",  "tbb",     "compress",  "data",     "error",  "file",   "bytes",
      "of",     "and",      "to",     "in",      "is",        "with",     "a",      "for",    "level",
      "window", "match",    "offset", "literal", "checksum",  "header",   "node",   "token",  "buffer",
      "flight", "memory",   "signal", "cancel",  "temporary", "rename",   "run",    "worker", "queue"};
  const std::size_t size = 4096 + r.below(256 * 1024 - 4096);
  const std::size_t end = out.size() + size;
  switch (r.below(8)) {
    case 0:
    case 1:
    case 2: {  // text: compresses about 3-4x
      while (out.size() < end) {
        out += kWords[r.below(sizeof kWords / sizeof kWords[0])];
        out += r.below(12) == 0 ? '\n' : ' ';
      }
      break;
    }
    case 3:
    case 4: {  // log-like lines of numbers
      char line[96];
      while (out.size() < end) {
        const std::uint64_t v = r.next();
        const int n = std::snprintf(line, sizeof line, "%llu,%llu,%u,node-%u\n",
                                    static_cast<unsigned long long>(1700000000000ull + (v & 0xFFFFFF)),
                                    static_cast<unsigned long long>(v >> 40), static_cast<unsigned>(v % 977),
                                    static_cast<unsigned>((v >> 20) % 16));
        out.append(line, static_cast<std::size_t>(n));
      }
      break;
    }
    case 5:  // random bytes: incompressible
      while (out.size() < end) {
        const std::uint64_t v = r.next();
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
      break;
    case 6:  // zeros
      out.append(size, '\0');
      break;
    default:  // a repeat of what came just before (a long match)
      if (out.size() >= size) {
        out.append(std::string(out, out.size() - size, size));
      } else {
        out.append(size, 'x');
      }
      break;
  }
  out.resize(end);
}

int gen(std::uint64_t size, const char* path, std::uint64_t seed) {
  FILE* f = std::string(path) == "-" ? stdout : std::fopen(path, "wb");
  if (!f) die(std::string("cannot write ") + path + ": " + std::strerror(errno));
  Random r(seed);
  std::string buffer;
  constexpr std::size_t kChunk = std::size_t{1} << 22;
  buffer.reserve(2 * kChunk);
  std::uint64_t written = 0;
  while (written < size) {
    while (buffer.size() < kChunk) segment(r, buffer);
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size - written));
    if (std::fwrite(buffer.data(), 1, n, f) != n) die(std::string("cannot write ") + path);
    // Keep the tail so that a repeat segment may reach back into it.
    buffer.erase(0, n);
    written += n;
  }
  if ((f == stdout ? std::fflush(f) : std::fclose(f)) != 0) die(std::string("cannot write ") + path);
  return 0;
}

int flip(const char* path, std::uint64_t offset, std::uint64_t count) {
  FILE* f = std::fopen(path, "r+b");
  if (!f) die(std::string("cannot open ") + path + ": " + std::strerror(errno));
  std::vector<unsigned char> bytes(count);
  if (std::fseek(f, static_cast<long>(offset), SEEK_SET) != 0 || std::fread(bytes.data(), 1, count, f) != count)
    die(std::string("cannot read ") + path + " at that offset");
  for (auto& b : bytes) b = static_cast<unsigned char>(~b);
  if (std::fseek(f, static_cast<long>(offset), SEEK_SET) != 0 || std::fwrite(bytes.data(), 1, count, f) != count ||
      std::fclose(f) != 0)
    die(std::string("cannot write ") + path);
  return 0;
}

int cut(const char* path, std::uint64_t size) {
  if (::truncate(path, static_cast<off_t>(size)) != 0) die(std::string("cannot truncate ") + path);
  return 0;
}

/// Whether directory `dir` holds an entry whose name starts with `prefix`.
bool exists_with_prefix(const std::string& dir, const std::string& prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  bool found = false;
  while (const dirent* entry = ::readdir(d))
    if (std::strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0) found = true;
  ::closedir(d);
  return found;
}

/// Whether child `pid` has not ended yet (it is not reaped).
bool running(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

int run(int argc, char** argv) {
  int signal = 0;
  long after_ms = 0;
  std::string wait_for;
  int i = 0;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    const std::string arg = argv[i];
    if (arg == "--signal" && i + 1 < argc) {
      const std::string name = argv[++i];
      signal = name == "INT" ? SIGINT : name == "TERM" ? SIGTERM : 0;
      if (signal == 0) die("--signal takes INT or TERM");
    } else if (arg == "--wait-for" && i + 1 < argc) {
      wait_for = argv[++i];
    } else if (arg == "--after" && i + 1 < argc) {
      after_ms = static_cast<long>(number(argv[++i]));
    } else {
      die("unknown option " + arg);
    }
  }
  if (i + 1 >= argc) die("run needs -- COMMAND");
  char** command = argv + i + 1;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::execvp(command[0], command);
    std::fprintf(stderr, "pz_tool: cannot run %s: %s\n", command[0], std::strerror(errno));
    ::_exit(127);
  }
  if (signal != 0) {
    if (!wait_for.empty()) {
      const std::size_t slash = wait_for.rfind('/');
      const std::string dir = slash == std::string::npos ? "." : wait_for.substr(0, slash);
      const std::string prefix = slash == std::string::npos ? wait_for : wait_for.substr(slash + 1);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!exists_with_prefix(dir, prefix) && std::chrono::steady_clock::now() < give_up && running(pid))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    ::kill(pid, signal);
  }
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0)
    if (errno != EINTR) die(std::string("wait4: ") + std::strerror(errno));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A child killed by a signal is told apart from one that exited 128 + signal.
  const std::string code =
      WIFEXITED(status) ? std::to_string(WEXITSTATUS(status)) : "killed-by-signal-" + std::to_string(WTERMSIG(status));
  std::printf("exit=%s max_rss_kb=%ld seconds=%.3f\n", code.c_str(), usage.ru_maxrss, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "gen" && (argc == 4 || argc == 5))
    return gen(number(argv[2]), argv[3], argc == 5 ? number(argv[4]) : 1);
  if (command == "flip" && argc == 5) return flip(argv[2], number(argv[3]), number(argv[4]));
  if (command == "truncate" && argc == 4) return cut(argv[2], number(argv[3]));
  if (command == "run") return run(argc - 2, argv + 2);
  die("usage: pz_tool gen SIZE FILE [SEED] | flip FILE OFFSET COUNT | truncate FILE SIZE | run [--signal INT|TERM "
      "[--wait-for DIR/PREFIX] --after MS] -- COMMAND...");
}
