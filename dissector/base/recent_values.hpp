// The last N values pushed, in a buffer that grows to N and then overwrites the oldest: the
// bounded histories that are consulted rarely but pushed to for every segment (a deque would
// allocate and free a block every few pushes).
#pragma once
#include <cstddef>
#include <vector>

namespace dicom {

template <class T, std::size_t N> class RecentValues {
    static_assert(N > 0 && (N & (N - 1)) == 0, "N is a power of two");

public:
    void push(const T &x) {
        if (v_.size() < N) {
            v_.push_back(x);
        } else {
            v_[head_] = x;
            head_ = (head_ + 1) & (N - 1);
        }
    }
    std::size_t size() const { return v_.size(); }
    bool empty() const { return v_.empty(); }
    const T &operator[](std::size_t i) const { return v_[(head_ + i) & (N - 1)]; } // 0: the oldest
    const T &back() const { return (*this)[v_.size() - 1]; }

private:
    std::vector<T> v_;
    std::size_t head_ = 0; // index of the oldest once full
};

} // namespace dicom
