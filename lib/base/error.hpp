// Errors and exit codes. Two kinds, as in git: an Error is reported with `error:` and
// optional `hint:` lines and ends the command with its exit code; low-level helpers
// return Expected<T> instead, so the caller decides how bad a failure is.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bbsot {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,   // refused, or a check failed
  kExitUsage = 2,    // usage or configuration error
  kExitTimeout = 3,  // timed out: `git bbsot wait` only
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailed, std::vector<std::string> hints = {})
      : std::runtime_error(message), exit_code_(exit_code), hints_(std::move(hints)) {}
  int exit_code() const { return exit_code_; }
  const std::vector<std::string>& hints() const { return hints_; }

 private:
  int exit_code_;
  std::vector<std::string> hints_;
};

// A configuration or usage problem: exit code 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message, std::vector<std::string> hints = {})
      : Error(message, kExitUsage, std::move(hints)) {}
};

// A value of T or a failure E: the one shape of Expected<T> (E: a message) and of the
// REST client's ApiResult<T> (E: the HTTP status, message and scopes). [[nodiscard]]: a
// result is never dropped (a caller that means to ignore one says so with (void) and a
// comment why).
template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 protected:
  // Built in place, never from a moved temporary variant: GCC 12 then warns that the
  // failure's string "may be used uninitialized" (-Wmaybe-uninitialized, a false positive).
  struct FailureTag {};
  Result(FailureTag, E failure) : v_(std::in_place_index<1>, std::move(failure)) {}
  const E& failure_value() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

struct FailureMessage {
  std::string message;
};

// A value or a one-line failure message.
template <class T>
class [[nodiscard]] Expected : public Result<T, FailureMessage> {
  using Base = Result<T, FailureMessage>;

 public:
  Expected(T value) : Base(std::move(value)) {}
  static Expected failure(std::string message) { return Expected(FailureMessage{std::move(message)}); }
  const std::string& error() const { return this->failure_value().message; }

 private:
  explicit Expected(FailureMessage f) : Base(typename Base::FailureTag{}, std::move(f)) {}
};

struct Unit {};
using Status = Expected<Unit>;
inline Status ok_status() { return Status(Unit{}); }

// Prints `error: what` and each `hint: ...` to stderr, as git does.
void print_error(const std::string& what, const std::vector<std::string>& hints = {});
void print_warning(const std::string& what);

// A program's body, ended as every bbsot program ends on an exception: an Error prints
// its `error:` and `hint:` lines and gives its exit code, anything else one `error: bbsot:`
// line and exit code 1; never a stack trace.
template <class Body>
int run_main(Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    print_error(e.what(), e.hints());
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(std::string("bbsot: ") + e.what());
    return kExitFailed;
  }
}

}  // namespace bbsot
