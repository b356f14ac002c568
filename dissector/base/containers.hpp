// Small containers for what each connection, association and message holds, so that an idle one
// costs little: std::deque allocates a map and a block of 512 bytes as soon as it exists, which
// thousands of short associations pay for nothing.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace dicom {

// Elements at stable addresses (each one allocated on its own), in the order they were added.
template <class T> class StableList {
public:
    template <class... Args> T &emplace_back(Args &&...args) {
        items_.emplace_back(new T(std::forward<Args>(args)...));
        return *items_.back();
    }
    size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    T &back() { return *items_.back(); }
    const T &back() const { return *items_.back(); }
    T &operator[](size_t i) { return *items_[i]; }
    const T &operator[](size_t i) const { return *items_[i]; }
    T &at(size_t i) { return *items_.at(i); }
    const T &at(size_t i) const { return *items_.at(i); }

    template <class Ptr, class Ref> class Iter {
    public:
        explicit Iter(Ptr p) : p_(p) {}
        Ref operator*() const { return **p_; }
        auto operator->() const { return &**p_; }
        Iter &operator++() { ++p_; return *this; }
        bool operator!=(const Iter &o) const { return p_ != o.p_; }
        bool operator==(const Iter &o) const { return p_ == o.p_; }

    private:
        Ptr p_;
    };
    using iterator = Iter<typename std::vector<std::unique_ptr<T>>::iterator, T &>;
    using const_iterator = Iter<typename std::vector<std::unique_ptr<T>>::const_iterator, const T &>;
    iterator begin() { return iterator(items_.begin()); }
    iterator end() { return iterator(items_.end()); }
    const_iterator begin() const { return const_iterator(items_.begin()); }
    const_iterator end() const { return const_iterator(items_.end()); }

private:
    std::vector<std::unique_ptr<T>> items_;
};

// A first-in first-out queue in one vector: taken elements are dropped when they are half of it.
template <class T> class Fifo {
public:
    void push(const T &x) { v_.push_back(x); }
    bool empty() const { return head_ == v_.size(); }
    size_t size() const { return v_.size() - head_; }
    T &front() { return v_[head_]; }
    const T &front() const { return v_[head_]; }
    void pop() {
        if (++head_ == v_.size()) {
            v_.clear();
            head_ = 0;
        } else if (head_ > 64 && head_ * 2 > v_.size()) {
            v_.erase(v_.begin(), v_.begin() + std::ptrdiff_t(head_));
            head_ = 0;
        }
    }
    // The elements still queued, oldest first.
    typename std::vector<T>::const_iterator begin() const { return v_.begin() + std::ptrdiff_t(head_); }
    typename std::vector<T>::const_iterator end() const { return v_.end(); }
    void assign(std::vector<T> &&v) {
        v_ = std::move(v);
        head_ = 0;
    }

private:
    std::vector<T> v_;
    size_t head_ = 0;
};

} // namespace dicom
