// The runner's end of the request direction (core/wire/requests.h): a thread reading
// requests from stdin while the run trains. ResendAfter writes the event log's records after
// the given seq to the stream again (between two flushes, so the stream stays in order),
// Stop sets the same flag as SIGTERM, ProbeNow asks the loop for probes after its step.
// A runner listens only when stdin carries requests (wire::carries_requests: a job started it);
// from a terminal or </dev/null it does not.
#pragma once
#include "core/wire/event_log.h"
#include "core/wire/requests.h"

#include <atomic>
#include <thread>

namespace r1wb::gpu {

class RequestListener {
 public:
  RequestListener(int fd, EventLogWriter& writer, std::atomic<bool>& stop, std::atomic<bool>& probe);
  //! Stops listening; requests that arrived by then are still served.
  ~RequestListener();
  RequestListener(const RequestListener&) = delete;
  RequestListener& operator=(const RequestListener&) = delete;

 private:
  void loop();
  //! Reads what is there without blocking and serves it; false at end of file or an error
  //! (then stdin is closed).
  bool serve_available();
  int fd_;
  EventLogWriter& writer_;
  std::atomic<bool>& stop_;
  std::atomic<bool>& probe_;
  wire::RequestDecoder decoder_;
  std::atomic<bool> done_{false};
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace r1wb::gpu
