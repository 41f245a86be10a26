// SPDX-License-Identifier: LGPL-2.1-or-later
// Cancellation of the one operation in flight: the HTTP side cancels (the page's /v1/cancel, a
// closed connection, a removed card, the deadline, shutdown), the card worker and the dialog
// react (the pinentry is killed).
#pragma once

#include <functional>
#include <list>
#include <mutex>

namespace tscns::daemon {

enum class CancelReason {
    None,
    PageCancelled, ///< POST /v1/cancel from the same origin
    ClientGone, ///< the page closed the connection (AbortController, tab closed)
    CardRemoved, ///< the card left the reader during the operation
    Deadline, ///< the operation took longer than the dialog timeout allows
    Shutdown, ///< the daemon is stopping
};

class OperationControl {
public:
    class Hook;

    OperationControl() = default;
    OperationControl(const OperationControl&) = delete;
    OperationControl& operator=(const OperationControl&) = delete;

    /// Cancels (the first reason is kept) and runs the registered hooks, once. Thread-safe;
    /// never throws (a throwing hook is ignored).
    void cancel(CancelReason reason) noexcept;
    [[nodiscard]] bool cancelled() const noexcept;
    [[nodiscard]] CancelReason reason() const noexcept;
    /// Throws what the reason means for the page: DaemonError(UserCancelled) for the page and a
    /// closed connection, Error(CardRemoved), DaemonError(UserTimeout), DaemonError(ShuttingDown).
    /// Does nothing when not cancelled.
    void throwIfCancelled() const;

    /// Registers `fn` to run on cancel (at once, on this thread, when already cancelled). The
    /// returned Hook unregisters it; its destructor waits for a running `fn` to finish, so that
    /// `fn` may use objects that die with the Hook's scope. `fn` must not call back into this
    /// object.
    [[nodiscard]] Hook onCancel(std::function<void()> fn);

    class Hook {
    public:
        Hook(Hook&& other) noexcept;
        Hook& operator=(Hook&&) = delete;
        Hook(const Hook&) = delete;
        Hook& operator=(const Hook&) = delete;
        ~Hook();

    private:
        friend class OperationControl;
        Hook(OperationControl* owner, std::list<std::function<void()>>::iterator it)
            : owner_(owner)
            , it_(it)
        {
        }
        OperationControl* owner_;
        std::list<std::function<void()>>::iterator it_;
    };

private:
    mutable std::mutex mutex_;
    CancelReason reason_ = CancelReason::None;
    std::list<std::function<void()>> hooks_;
};

} // namespace tscns::daemon
