// A minimal webhook endpoint on 127.0.0.1 for `git bbsot demo`: accepts POSTs, checks
// X-Hub-Signature against the demo's secret and keeps what arrived. Plain HTTP is allowed
// for loopback only (docs/DESIGN.md "Hooks and push reports"); this is not a general HTTP server.
#pragma once
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bbsot {

struct ReceivedHook {
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  bool signature_ok = false;
};

class DemoReceiver {
 public:
  explicit DemoReceiver(std::string secret);
  ~DemoReceiver();
  int port() const { return port_; }
  std::vector<ReceivedHook> received();
  bool wait_for(size_t n, int timeout_ms);

 private:
  void serve();
  void handle(int fd);
  std::string secret_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<ReceivedHook> got_;
  std::thread thread_;
};

}  // namespace bbsot
