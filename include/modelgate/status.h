// Status and Result<T>: errors as values.
//
// Every fallible operation in modelgate returns a Status (no value) or a
// Result<T> (a value or a Status). Exceptions never cross a module boundary.
// Messages carry enough context to act on: the byte offset and the member
// name where they are known, e.g. "corruption: data.pkl@1042: FRAME length
// 9000 exceeds remaining 12 bytes".
#ifndef MODELGATE_STATUS_H_
#define MODELGATE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace modelgate {

enum class StatusCode {
  kOk = 0,
  kCorruption,       // bytes do not follow the format
  kNotSupported,     // valid but outside what we read
  kInvalidArgument,  // caller error (bad option, bad policy file)
  kIOError,          // the OS refused a read
  kLimitExceeded,    // a bound from Limits was reached
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Corruption(std::string msg) { return Status(StatusCode::kCorruption, std::move(msg)); }
  static Status NotSupported(std::string msg) { return Status(StatusCode::kNotSupported, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status LimitExceeded(std::string msg) {
    return Status(StatusCode::kLimitExceeded, std::move(msg));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: <message>", or "OK".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or a non-OK Status.
// REQUIRES: value() only when ok(); status() is OK exactly when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace modelgate

#define MODELGATE_RETURN_IF_ERROR(expr)   \
  do {                                    \
    ::modelgate::Status _st = (expr);     \
    if (!_st.ok()) return _st;            \
  } while (0)

#endif  // MODELGATE_STATUS_H_
