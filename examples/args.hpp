// examples/args.hpp — the command-line parser the example programs share.
//
// A program declares each flag once, with its name, one line of help and the variable it fills;
// the variable's type decides what the flag accepts, so declaring and parsing cannot drift apart:
//
//   examples::args::Parser parser("multilabel_pascal", "Trains the seed's multi-label model.");
//   parser.flag("--bs", "items per batch", bs, examples::args::at_least<std::int64_t>(1))
//         .flag("--arch", "the network", arch, examples::args::one_of({"resnet18", "resnet34"}))
//         .flag("--pretrained", "torchvision weights", pretrained);   // std::filesystem::path
//   if (const auto status = parser.parse(argc, argv)) return *status;  // --help or a bad flag
//
// Values come as `--bs 64` or `--bs=64`; a bool flag is a switch that takes none. A flag that is
// not declared, a missing value, a value that is not what the flag takes (`--bs 6x4`, `--bs -1`,
// a number out of range) or a stray argument stops the program before anything runs, with one
// line that names the flag, says what it expects and shows what it got, and exit status 2 (the
// usual status of a usage error), so a typo never trains for minutes with a default the user
// did not mean. `--help` prints every flag with its default. The value types are the integers,
// floating point, std::string and std::filesystem::path, std::optional of any of them (left
// empty unless the flag is given, so the program can tell "not given" from a default), and any
// type given a Reader: how to read it, and the words for --help and errors.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace examples::args {

/// A command line the program cannot run with; what() names the flag and what it expected.
/// Programs throw it too, for checks that involve several flags; Parser::fail reports it.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How a flag reads its value of type T from the command line.
template <class T>
struct Reader {
  /// The value's placeholder in --help ("N", "HxW").
  std::string metavar;
  /// What a value must be, completing "--bs expects ..." ("an integer >= 1").
  std::string expected;
  /// The value the text stands for; nullopt when the text is not such a value.
  std::function<std::optional<T>(std::string_view)> read;
  /// How --help shows the default; empty: it shows none.
  std::function<std::string(const T&)> show = {};
};

namespace detail {

/// The whole of `text` as a number, or nullopt (from_chars alone accepts "12abc").
template <class T>
std::optional<T> read_number(std::string_view text) {
  T value{};
  const char* const end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || stop != end || text.empty()) return std::nullopt;
  if constexpr (std::floating_point<T>) {
    if (!std::isfinite(value)) return std::nullopt;  // from_chars takes "inf" and "nan"
  }
  return value;
}

/// The shortest text that reads back as `value`.
template <class T>
std::string show_number(T value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

/// Edit distance, to suggest the flag a typo meant.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

}  // namespace detail

/// The reader of a built-in value type (see the file comment).
template <class T>
Reader<T> reader() {
  if constexpr (std::integral<T> && !std::same_as<T, bool>) {
    return {.metavar = "N",
            .expected = std::is_signed_v<T> ? "an integer" : "a whole number >= 0",
            .read = detail::read_number<T>,
            .show = [](const T& v) { return std::to_string(v); }};
  } else if constexpr (std::floating_point<T>) {
    return {.metavar = "X",
            .expected = "a number",
            .read = detail::read_number<T>,
            .show = detail::show_number<T>};
  } else if constexpr (std::same_as<T, std::string>) {
    return {.metavar = "TEXT",
            .expected = "a value",
            .read = [](std::string_view s) { return std::optional<std::string>(s); },
            .show = [](const std::string& s) { return s; }};
  } else if constexpr (std::same_as<T, std::filesystem::path>) {
    return {.metavar = "PATH",
            .expected = "a path",
            .read = [](std::string_view s) -> std::optional<std::filesystem::path> {
              if (s.empty()) return std::nullopt;
              return std::filesystem::path(s);
            },
            .show = [](const std::filesystem::path& p) { return p.string(); }};
  } else {
    static_assert(!sizeof(T*),
                  "examples::args: no built-in reader for this type; pass a Reader<T> to flag()");
  }
}

/// A number no smaller than `low`: `at_least<std::int64_t>(1)` for a batch size.
template <class T>
Reader<T> at_least(T low) {
  Reader<T> r = reader<T>();
  r.expected = (std::integral<T> ? "an integer >= " : "a number >= ") + detail::show_number(low);
  r.read = [low](std::string_view s) -> std::optional<T> {
    const auto v = detail::read_number<T>(s);
    if (v && *v < low) return std::nullopt;
    return v;
  };
  return r;
}

/// A number in [low, high]: `between(0.0f, 1.0f)` for a threshold.
template <class T>
Reader<T> between(T low, T high) {
  Reader<T> r = reader<T>();
  r.expected = "a number from " + detail::show_number(low) + " to " + detail::show_number(high);
  r.read = [low, high](std::string_view s) -> std::optional<T> {
    const auto v = detail::read_number<T>(s);
    if (v && (*v < low || *v > high)) return std::nullopt;
    return v;
  };
  return r;
}

/// A number above `low`: `greater_than(0.0)` for a learning rate.
template <class T>
Reader<T> greater_than(T low) {
  Reader<T> r = reader<T>();
  r.expected = "a number > " + detail::show_number(low);
  r.read = [low](std::string_view s) -> std::optional<T> {
    const auto v = detail::read_number<T>(s);
    if (v && !(*v > low)) return std::nullopt;
    return v;
  };
  return r;
}

/// `r` shown in --help as `metavar`: `named("DIR", reader<std::filesystem::path>())`.
template <class T>
Reader<T> named(std::string metavar, Reader<T> r) {
  r.metavar = std::move(metavar);
  return r;
}

/// One of a fixed set of words: `one_of({"cpu", "cuda"})`.
inline Reader<std::string> one_of(std::initializer_list<std::string_view> choices) {
  std::vector<std::string> words(choices.begin(), choices.end());
  std::string metavar, expected = "one of ";
  for (std::size_t i = 0; i < words.size(); ++i) {
    metavar += (i ? "|" : "") + words[i];
    expected += (i ? ", " : "") + words[i];
  }
  return {.metavar = metavar,
          .expected = expected,
          .read = [words](std::string_view s) -> std::optional<std::string> {
            if (std::find(words.begin(), words.end(), s) == words.end()) return std::nullopt;
            return std::string(s);
          },
          .show = [](const std::string& s) { return s; }};
}

/// The flags of one program, and the parsing of its command line (see the file comment).
class Parser {
 public:
  /// A parser for `program`, whose --help starts with `description`.
  Parser(std::string program, std::string description)
      : program_(std::move(program)), description_(std::move(description)) {}

  /// Declares `name` ("--bs"), filling `dest` with the flag's value as `how` reads it.
  template <class T>
  Parser& flag(std::string name, std::string help, T& dest, Reader<T> how) {
    std::string shown = how.show ? how.show(dest) : std::string();
    return valued(std::move(name), std::move(help), dest, std::move(how), std::move(shown));
  }

  /// Declares `name` for an optional `dest`, set only when the flag is given.
  template <class T>
  Parser& flag(std::string name, std::string help, std::optional<T>& dest, Reader<T> how) {
    std::string shown = dest && how.show ? how.show(*dest) : std::string();
    return valued(std::move(name), std::move(help), dest, std::move(how), std::move(shown));
  }

  /// Declares `name` with the built-in reader of `dest`'s type.
  template <class T>
  requires(!std::same_as<T, bool>) Parser& flag(std::string name, std::string help, T& dest) {
    if constexpr (detail::is_optional<T>::value) {
      return flag(std::move(name), std::move(help), dest, reader<typename T::value_type>());
    } else {
      return flag(std::move(name), std::move(help), dest, reader<T>());
    }
  }

  /// Declares a switch: `name` sets `dest` to true and takes no value.
  Parser& flag(std::string name, std::string help, bool& dest) {
    add({.name = std::move(name),
         .metavar = {},
         .help = std::move(help),
         .default_text = {},
         .takes_value = false,
         .expected = {},
         .set = [&dest](std::string_view) { return dest = true; }});
    return *this;
  }

  /// Parses `argv`. nullopt: go on. Otherwise stop and return this status: 0 after --help (the
  /// flags printed to `out`), 2 after a usage error (reported on `err`).
  [[nodiscard]] std::optional<int> parse(int argc, const char* const* argv,
                                         std::ostream& out = std::cout,
                                         std::ostream& err = std::cerr) {
    try {
      if (!parse_or_throw(argc, argv)) {
        out << usage();
        return 0;
      }
    } catch (const UsageError& e) {
      return fail(e, err);
    }
    return std::nullopt;
  }
  /// Sets the flags from `argv`; false when --help was asked for (nothing else is checked then).
  /// Throws UsageError for anything else amiss.
  bool parse_or_throw(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") return false;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (!arg.starts_with("--"))
        throw UsageError("unexpected argument '" + std::string(arg) +
                         "': every value follows its flag (--name VALUE)");
      const std::size_t eq = arg.find('=');
      const std::string_view name = arg.substr(0, eq);
      const Entry& e = find(name);
      if (!e.takes_value) {
        if (eq != std::string_view::npos)
          throw UsageError(e.name + " takes no value, got '" + std::string(arg) + "'");
        e.set({});
        continue;
      }
      std::string_view value;
      if (eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc && !std::string_view(argv[i + 1]).starts_with("--")) {
        value = argv[++i];
      } else {
        throw UsageError(e.name + " expects " + e.expected + ", but no value follows it");
      }
      if (!e.set(value))
        throw UsageError(e.name + " expects " + e.expected + ", got '" + std::string(value) + "'");
    }
    return true;
  }

  /// The program's name, as its messages start.
  [[nodiscard]] const std::string& program() const noexcept { return program_; }

  /// Reports `error` on `err` as a usage error and returns the status to exit with (2).
  int fail(const UsageError& error, std::ostream& err = std::cerr) const {
    err << program_ << ": " << error.what() << "\n"
        << "(" << program_ << " --help lists the flags)\n";
    return 2;
  }

  /// The --help text: the description, then each flag with its help and default.
  [[nodiscard]] std::string usage() const {
    std::size_t column = 0;
    for (const Entry& e : entries_) column = std::max(column, left(e).size());
    column = std::min<std::size_t>(column, 28) + 4;
    std::string text =
        "usage: " + program_ + " [--flag VALUE]...\n\n" + wrap(description_, 0) + "\n\n";
    const auto row = [&](const std::string& flag, const std::string& help) {
      std::string line = "  " + flag;
      line += line.size() < column ? std::string(column - line.size(), ' ')
                                   : "\n" + std::string(column, ' ');
      text += line + wrap(help, column) + "\n";
    };
    for (const Entry& e : entries_)
      row(left(e), e.default_text.empty() ? e.help : e.help + " (default: " + e.default_text + ")");
    row("--help", "print this and exit");
    return text;
  }

 private:
  struct Entry {
    std::string name;
    std::string metavar;
    std::string help;
    std::string default_text;
    bool takes_value = true;
    std::string expected;
    std::function<bool(std::string_view)> set;  // false: not a valid value
  };

  template <class Dest, class T>
  Parser& valued(std::string name, std::string help, Dest& dest, Reader<T> how, std::string shown) {
    add({.name = std::move(name),
         .metavar = std::move(how.metavar),
         .help = std::move(help),
         .default_text = std::move(shown),
         .takes_value = true,
         .expected = std::move(how.expected),
         .set = [&dest, read = std::move(how.read)](std::string_view text) {
           auto value = read(text);
           if (!value) return false;
           dest = std::move(*value);
           return true;
         }});
    return *this;
  }

  void add(Entry e) {
    if (!e.name.starts_with("--") || e.name == "--help" ||
        std::any_of(entries_.begin(), entries_.end(),
                    [&](const Entry& o) { return o.name == e.name; }))
      throw std::logic_error("examples::args: bad or repeated flag name " + e.name);
    entries_.push_back(std::move(e));
  }

  const Entry& find(std::string_view name) const {
    const Entry* nearest = nullptr;
    std::size_t best = 3;  // further than 2 edits is no longer a typo
    for (const Entry& e : entries_) {
      if (e.name == name) return e;
      // Fewer edits than letters typed, or "--x" would suggest every short flag.
      const std::size_t d = detail::edit_distance(name, e.name);
      if (d < best && d + 2 < name.size()) best = d, nearest = &e;
    }
    throw UsageError("unknown flag '" + std::string(name) + "'" +
                     (nearest ? " (did you mean " + nearest->name + "?)" : std::string()));
  }

  static std::string left(const Entry& e) {
    return e.metavar.empty() ? e.name : e.name + " " + e.metavar;
  }

  /// `text` in lines that end before column 100, continuations indented to `indent`.
  static std::string wrap(const std::string& text, std::size_t indent) {
    const std::size_t room = std::max<std::size_t>(100 - std::min<std::size_t>(indent, 60), 40);
    std::string out, line;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string word = text.substr(start, end - start);
      if (!line.empty() && line.size() + 1 + word.size() > room) {
        out += line + "\n" + std::string(indent, ' ');
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
      start = end + 1;
    }
    return out + line;
  }

  std::string program_;
  std::string description_;
  std::vector<Entry> entries_;
};

}  // namespace examples::args
