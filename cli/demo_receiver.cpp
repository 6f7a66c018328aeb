#include "cli/demo_receiver.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/error.hpp"
#include "report/webhook.hpp"

namespace bbsot {

DemoReceiver::DemoReceiver(std::string secret) : secret_(std::move(secret)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw Error("cannot open a local port for the demo's integration endpoint");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

DemoReceiver::~DemoReceiver() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void DemoReceiver::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void DemoReceiver::handle(int fd) {
  std::string data;
  char buf[65536];
  size_t header_end = std::string::npos, want = 0;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > (8u << 20)) return;
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      std::string lower = data.substr(0, header_end);
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      auto cl = lower.find("content-length:");
      want = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + want) break;
  }
  ReceivedHook h;
  size_t pos = data.find("\r\n") + 2;
  while (pos < header_end) {
    size_t end = data.find("\r\n", pos);
    std::string line = data.substr(pos, end - pos);
    pos = end + 2;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    h.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
  }
  h.body = data.substr(header_end + 4, want);
  h.signature_ok = h.headers["x-hub-signature"] == "sha256=" + hmac_sha256_hex(secret_, h.body);
  const std::string reply =
      h.signature_ok ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                     : "HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\nConnection: close\r\n\r\nbad signature";
  [[maybe_unused]] ssize_t w = ::write(fd, reply.data(), reply.size());
  std::lock_guard<std::mutex> lock(mu_);
  got_.push_back(std::move(h));
}

std::vector<ReceivedHook> DemoReceiver::received() {
  std::lock_guard<std::mutex> lock(mu_);
  return got_;
}

bool DemoReceiver::wait_for(size_t n, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (received().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return received().size() >= n;
}

}  // namespace bbsot
