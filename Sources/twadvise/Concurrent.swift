import Dispatch
import Synchronization

/// A value made on a worker thread while the calling thread does other work: `diagnose` loads its rules and
/// templates while the input is read (on the live host, mostly the kernel's dump of the socket table, on one
/// thread). ``wait()`` returns the value once it is made.
final class Concurrent<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ make: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async { [self] in
            let made = make()
            self.value.withLock { $0 = made }
            self.finished.signal()
        }
    }

    /// The value, once the worker has made it (the worker stores it before it signals).
    func wait() -> Value {
        finished.wait()
        finished.signal()  // a later wait returns at once
        guard let made = value.withLock({ $0 }) else { preconditionFailure("Concurrent: signalled without a value") }
        return made
    }
}
