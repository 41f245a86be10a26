// SPDX-License-Identifier: LGPL-2.1-or-later
// OperationControl.
#include "core/operation_control.hpp"

#include "core/daemon_error.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::daemon {

void OperationControl::cancel(CancelReason reason) noexcept
{
    // Hooks run under the lock: a Hook being destroyed waits for them (see onCancel).
    const std::lock_guard lock(mutex_);
    if (reason_ != CancelReason::None || reason == CancelReason::None) return;
    reason_ = reason;
    for (auto& fn : hooks_) {
        try {
            if (fn) fn();
        } catch (...) {
            // A failing hook must not stop the others (nor escape to the HTTP thread).
        }
    }
}

bool OperationControl::cancelled() const noexcept
{
    const std::lock_guard lock(mutex_);
    return reason_ != CancelReason::None;
}

CancelReason OperationControl::reason() const noexcept
{
    const std::lock_guard lock(mutex_);
    return reason_;
}

void OperationControl::throwIfCancelled() const
{
    switch (reason()) {
    case CancelReason::None:
        return;
    case CancelReason::PageCancelled:
        throw DaemonError(Problem::UserCancelled, "The operation was cancelled by the page");
    case CancelReason::ClientGone:
        throw DaemonError(Problem::UserCancelled, "The page closed the connection");
    case CancelReason::CardRemoved:
        throw Error(Errc::CardRemoved, "the card was removed during the operation");
    case CancelReason::Deadline:
        throw DaemonError(Problem::UserTimeout, "The operation took too long");
    case CancelReason::Shutdown:
        throw DaemonError(Problem::ShuttingDown, "The daemon is stopping");
    }
}

OperationControl::Hook OperationControl::onCancel(std::function<void()> fn)
{
    std::unique_lock lock(mutex_);
    if (reason_ != CancelReason::None) {
        lock.unlock();
        try {
            fn();
        } catch (...) {
        }
        lock.lock();
    }
    hooks_.push_back(std::move(fn));
    return Hook(this, std::prev(hooks_.end()));
}

OperationControl::Hook::Hook(Hook&& other) noexcept
    : owner_(other.owner_)
    , it_(other.it_)
{
    other.owner_ = nullptr;
}

OperationControl::Hook::~Hook()
{
    if (owner_ == nullptr) return;
    const std::lock_guard lock(owner_->mutex_);
    owner_->hooks_.erase(it_);
}

} // namespace tscns::daemon
