#include "harvester/page_pipeline.h"

#include <algorithm>
#include <utility>

namespace harvester {
namespace {

// What a queued page is counted as against the limit: its response's size,
// at least a little, so pages of headers only are bounded too.
std::size_t weight(const store::HarvestedPage& page) {
  return std::max<std::size_t>(static_cast<std::size_t>(page.bytes), 4096);
}

}  // namespace

PagePipeline::PagePipeline(store::Store& store, OnWritten on_written, std::size_t max_queued_bytes)
    : store_(store),
      on_written_(std::move(on_written)),
      max_queued_bytes_(max_queued_bytes),
      writer_([this] { run(); }) {}

PagePipeline::~PagePipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.join();
}

void PagePipeline::submit(store::HarvestedPage page) {
  // Hashing and formatting the records here leaves the writer only writes.
  store::prepare_page(page);
  const std::size_t size = weight(page);
  std::unique_lock lock(mutex_);
  changed_.wait(
      lock, [&] { return error_ || queue_.empty() || queued_bytes_ + size <= max_queued_bytes_; });
  throw_if_failed();
  queued_bytes_ += size;
  queue_.push_back(std::move(page));
  lock.unlock();
  changed_.notify_all();
}

void PagePipeline::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return error_ || (queue_.empty() && !writing_); });
  throw_if_failed();
}

void PagePipeline::throw_if_failed() {
  if (error_) std::rethrow_exception(error_);
}

void PagePipeline::write(const std::deque<store::HarvestedPage>& batch) {
  std::vector<const store::HarvestedPage*> pages;
  for (const auto& page : batch) pages.push_back(&page);
  std::vector<store::PageCounts> counts;
  try {
    counts = store_.write_pages(pages);
  } catch (const std::exception&) {
    if (pages.size() == 1) throw;
    // One bad page must not take the good ones before it down: page by page,
    // the pages before it are committed and its own error is thrown.
    for (const auto* page : pages) {
      const auto page_counts = store_.write_page(*page);
      if (on_written_) on_written_(*page, page_counts);
    }
    return;
  }
  if (on_written_) {
    for (std::size_t i = 0; i < batch.size(); ++i) on_written_(batch[i], counts[i]);
  }
}

// Takes every page queued so far and writes them in one transaction: when
// the store is the slower side, pages queue up and commit together.
void PagePipeline::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() || error_) return;  // stopping, with nothing (more) to write
    std::deque<store::HarvestedPage> batch;
    batch.swap(queue_);
    writing_ = true;
    lock.unlock();
    std::exception_ptr failure;
    try {
      write(batch);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    writing_ = false;
    for (const auto& page : batch) queued_bytes_ -= weight(page);
    if (failure) {
      error_ = failure;
      queue_.clear();
      queued_bytes_ = 0;
    }
    changed_.notify_all();
  }
}

}  // namespace harvester
