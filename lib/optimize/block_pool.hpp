// Internal to lib/optimize: the worker threads of a Loss's evaluations over many rows.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace symdiff::detail {

// Workers that live as long as the Loss: starting threads for every evaluation would cost about
// as much as evaluating 100,000 rows. run() calls job(t) on worker t (job(0) on the caller)
// and returns when every job is done; one run at a time.
class BlockPool {
public:
    /// Starts up to `workers` threads. When the system refuses one (too many threads, no room
    /// for a stack), the pool keeps those already running: workers() says how many.
    explicit BlockPool(std::size_t workers) {
        try {
            threads_.reserve(workers);
            for (std::size_t w = 0; w < workers; ++w) threads_.emplace_back([this, w] { work(w + 1); });
        } catch (const std::system_error&) {
        } catch (const std::bad_alloc&) {
        }
    }
    ~BlockPool() {
        {
            std::lock_guard<std::mutex> l(m_);
            stop_ = true;
        }
        start_.notify_all();
        for (std::thread& t : threads_) t.join();
    }
    std::size_t workers() const { return threads_.size(); }
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

    /// job(t) for t = 0..workers; job must not throw.
    void run(const std::function<void(std::size_t)>& job) {
        std::lock_guard<std::mutex> one(call_);
        {
            std::lock_guard<std::mutex> l(m_);
            job_ = &job;
            pending_ = threads_.size();
            ++generation_;
        }
        start_.notify_all();
        job(0);
        std::unique_lock<std::mutex> l(m_);
        done_.wait(l, [this] { return pending_ == 0; });
    }

private:
    void work(std::size_t index) {
        std::uint64_t seen = 0;
        for (;;) {
            std::unique_lock<std::mutex> l(m_);
            start_.wait(l, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            const auto* job = job_;
            l.unlock();
            (*job)(index);
            l.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }

    std::mutex call_, m_;
    std::condition_variable start_, done_;
    std::vector<std::thread> threads_;
    const std::function<void(std::size_t)>* job_ = nullptr;
    std::uint64_t generation_ = 0;
    std::size_t pending_ = 0;
    bool stop_ = false;
};

} // namespace symdiff::detail
