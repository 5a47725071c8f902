// Writing harvested pages on a thread of their own, so that fetching and
// reading the next response overlaps with storing this one.
#ifndef HARVESTER_PAGE_PIPELINE_H_
#define HARVESTER_PAGE_PIPELINE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace harvester {

// Writes submitted pages to `store` in order on a writer thread, each page
// whole (Store::write_pages): the pages waiting when the writer is ready go
// in one transaction. While a pipeline exists, only its thread may use the
// store: call drain() before using the store directly. A page whose write
// fails stops the pipeline: the pages before it are written, later ones
// dropped, and the error is thrown by the next submit() or drain().
class PagePipeline {
 public:
  // Called on the writer thread after each page is committed.
  using OnWritten = std::function<void(const store::HarvestedPage&, const store::PageCounts&)>;

  // submit() waits while more than `max_queued_bytes` of responses wait to
  // be written (one page always fits), which bounds the memory in flight.
  PagePipeline(store::Store& store, OnWritten on_written, std::size_t max_queued_bytes);
  PagePipeline(const PagePipeline&) = delete;
  PagePipeline& operator=(const PagePipeline&) = delete;
  // Writes what is still queued (unless a write failed), then stops.
  ~PagePipeline();

  void submit(store::HarvestedPage page);

  // Waits until every submitted page is written; throws the write's error.
  void drain();

 private:
  void run();
  void write(const std::deque<store::HarvestedPage>& batch);
  void throw_if_failed();  // with mutex_ held

  store::Store& store_;
  OnWritten on_written_;
  std::size_t max_queued_bytes_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<store::HarvestedPage> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;  // the writer holds pages taken from the queue
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread writer_;  // last: starts when everything above is ready
};

}  // namespace harvester

#endif  // HARVESTER_PAGE_PIPELINE_H_
