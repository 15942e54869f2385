// logstats_gen N SEED: writes N access-log lines (Common Log Format) on
// standard output, the same bytes for the same N and SEED on any machine.
// About 1% of the lines are malformed in assorted ways (truncated, a bad
// status, a bad size, no request, garbage, empty), so that the report's
// malformed count and the parser's rules are exercised.
//
//   logstats_gen 50000 7 > access.log
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

/// splitmix64's output function: line i's random words are mix(key + k * gamma).
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Random {
 public:
  Random(std::uint64_t seed, std::uint64_t line) : state_(mix(mix(seed) ^ line)) {}
  std::uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  /// Uniform in [0, n) (the modulo bias is irrelevant here).
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

const char* const kEndpoints[] = {"/",           "/index.html",   "/about.html", "/api/items", "/api/items/42",
                                  "/api/search", "/img/logo.png", "/css/site.css", "/js/app.js", "/download/big.iso",
                                  "/login",      "/favicon.ico"};
// Typical size of each endpoint's responses: sizes are drawn in [base / 2, base * 3 / 2).
const std::int64_t kBaseSize[] = {5120, 5120, 3000, 20000, 900, 15000, 48000, 12000, 250000, 700000000, 1500, 1150};
const char* const kMethods[] = {"GET", "GET", "GET", "GET", "POST", "HEAD"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Status codes, weighted by repetition.
const int kStatuses[] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200,
                         200, 206, 101, 301, 302, 304, 304, 400, 403, 404, 404, 404, 500, 502, 503};

template <class T, std::size_t N>
constexpr std::size_t count_of(const T (&)[N]) {
  return N;
}

std::string well_formed(Random& r, std::uint64_t i) {
  const std::size_t e = r.below(count_of(kEndpoints));
  const int status = kStatuses[r.below(count_of(kStatuses))];
  char host[32];
  std::snprintf(host, sizeof host, "10.%u.%u.%u", static_cast<unsigned>(r.below(4)),
                static_cast<unsigned>(r.below(256)), static_cast<unsigned>(r.below(256)));
  std::string target = kEndpoints[e];
  if (r.below(5) == 0) target += "?id=" + std::to_string(r.below(1000)) + (r.below(2) ? "&q=x" : "");
  std::string size;
  if (status == 304 || status == 101 || r.below(50) == 0) {
    size = "-";
  } else {
    const std::int64_t base = kBaseSize[e];
    size = std::to_string(base / 2 + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(base))));
  }
  const std::uint64_t second = i * 7;  // a day every 12,343 lines or so
  char date[64];
  std::snprintf(date, sizeof date, "%02u/%s/2026:%02u:%02u:%02u +0000",
                static_cast<unsigned>(1 + second / 86400 % 28), kMonths[second / (86400 * 28) % 12],
                static_cast<unsigned>(second / 3600 % 24), static_cast<unsigned>(second / 60 % 60),
                static_cast<unsigned>(second % 60));
  std::string line = std::string(host) + (r.below(10) == 0 ? " - alice [" : " - - [") + date + "] \"" +
                     kMethods[r.below(count_of(kMethods))] + " " + target + (r.below(3) ? " HTTP/1.1\" " : " HTTP/1.0\" ") +
                     std::to_string(status) + " " + size;
  if (r.below(8) == 0) line += " \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"";  // combined format: ignored
  return line;
}

std::string malformed(Random& r, std::uint64_t i) {
  std::string line = well_formed(r, i);
  switch (r.below(8)) {
    case 0:  // truncated
      return line.substr(0, static_cast<std::size_t>(r.below(line.size())));
    case 1: {  // a status that is not three digits from 100 to 599
      const std::size_t quote = line.find("\" ", line.find('"') + 1);  // the request's end
      const std::size_t space = line.find(' ', quote + 2);
      return line.substr(0, quote + 2) + (r.below(2) ? "2x0" : "600") + line.substr(space);
    }
    case 2:  // a size that is not a number
      return line + "k";
    case 3:  // no request
      return "10.1.2.3 - - [01/Jan/2026:00:00:00 +0000] \"-\" 400 0";
    case 4:  // a target that is not a path
      return "10.1.2.3 - - [01/Jan/2026:00:00:00 +0000] \"GET http://example.com/ HTTP/1.1\" 200 10";
    case 5:
      return "";
    case 6:  // two spaces between fields
      return "10.1.2.3  - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 10";
    default:
      return "garbage " + std::to_string(r.below(1000000));
  }
}

}  // namespace

int main(int argc, char** argv) {
  char* end = nullptr;
  if (argc != 3) {
    std::fprintf(stderr, "usage: logstats_gen N SEED  (N lines on stdout)\n");
    return 2;
  }
  const unsigned long long n = std::strtoull(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || *argv[1] == '-') {
    std::fprintf(stderr, "logstats_gen: N must be a non-negative integer, got '%s'\n", argv[1]);
    return 2;
  }
  const unsigned long long seed = std::strtoull(argv[2], &end, 10);
  if (*argv[2] == '\0' || *end != '\0' || *argv[2] == '-') {
    std::fprintf(stderr, "logstats_gen: SEED must be a non-negative integer, got '%s'\n", argv[2]);
    return 2;
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    Random r(seed, i);
    const std::string line = r.below(100) == 0 ? malformed(r, i) : well_formed(r, i);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "logstats_gen: cannot write: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
