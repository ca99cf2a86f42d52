#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs work inside another network namespace on a thread of its own: the thread enters the namespace
/// with `setns(2)`, does the work and ends. It is never returned to a pool, and no other thread of the
/// process ever changes namespace.
package enum NamespaceThread {
    /// Why a namespace could not be entered.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// `CLONE_NEWNET` from <sched.h>.
    static let cloneNewNet: Int32 = 0x4000_0000

    /// `setns(2)` from the C library (declared only under `_GNU_SOURCE`, so Glibc's module map leaves it out).
    static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// What the thread runs; the C entry point sees only this base class.
    private class Job: @unchecked Sendable {
        let path: String
        init(path: String) { self.path = path }
        func run() {}
    }

    /// The work and its result; only the new thread writes `result`, before the join that reads it.
    private final class TypedJob<T: Sendable>: Job, @unchecked Sendable {
        let work: @Sendable () -> T
        var result: Result<T, Failure> = .failure(Failure(description: "not run"))

        init(path: String, work: @escaping @Sendable () -> T) {
            self.work = work
            super.init(path: path)
        }

        override func run() {
            // O_RDONLY on /proc/PID/ns/net or /run/netns/NAME opens the namespace, nothing in it.
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result = .failure(Failure(description: "\(path): \(String(cString: strerror(errno)))"))
                return
            }
            defer { close(fd) }
            guard let setns = NamespaceThread.setns else {
                result = .failure(Failure(description: "cannot enter \(path): no setns in the C library"))
                return
            }
            guard setns(fd, NamespaceThread.cloneNewNet) == 0 else {
                result = .failure(Failure(description: "cannot enter \(path): \(String(cString: strerror(errno)))"))
                return
            }
            result = .success(work())
        }
    }

    /// Enters the namespace `path` refers to on a new thread, runs `work` there and returns its result.
    package static func run<T: Sendable>(in path: String, _ work: @escaping @Sendable () -> T) -> Result<T, Failure> {
        let job = TypedJob(path: path, work: work)
        let box = Unmanaged<Job>.passRetained(job)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue().run()
            return nil
        }, box.toOpaque())
        guard created == 0 else {
            box.release()
            return .failure(Failure(description: "cannot start a thread: \(String(cString: strerror(created)))"))
        }
        pthread_join(thread, nil)
        let result = job.result
        box.release()
        return result
    }
}
