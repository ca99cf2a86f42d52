#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs work inside another network namespace on a thread of its own: the thread enters the namespace
/// with `setns(2)`, does the work and ends. It is never returned to a pool, and no other thread of the
/// process ever changes namespace.
enum NamespaceThread {
    /// Why a namespace could not be entered.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private final class Job: @unchecked Sendable {
        let path: String
        let work: @Sendable () -> FactsSnapshot
        var result: Result<FactsSnapshot, Failure> = .failure(Failure(description: "not run"))
        init(path: String, work: @escaping @Sendable () -> FactsSnapshot) {
            self.path = path
            self.work = work
        }
    }

    /// `CLONE_NEWNET` from <sched.h>.
    static let cloneNewNet: Int32 = 0x4000_0000

    /// `setns(2)` from the C library (declared only under `_GNU_SOURCE`, so Glibc's module map leaves it out).
    static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// Enters the namespace `path` refers to on a new thread, runs `work` there and returns its result.
    static func run(in path: String, _ work: @escaping @Sendable () -> FactsSnapshot) -> Result<FactsSnapshot, Failure> {
        let job = Job(path: path, work: work)
        let box = Unmanaged.passRetained(job)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue()
            // O_RDONLY on /proc/PID/ns/net or /run/netns/NAME opens the namespace, nothing in it.
            let fd = open(job.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                job.result = .failure(Failure(description: "\(job.path): \(String(cString: strerror(errno)))"))
                return nil
            }
            defer { close(fd) }
            guard let setns = NamespaceThread.setns, setns(fd, NamespaceThread.cloneNewNet) == 0 else {
                job.result = .failure(Failure(description: "cannot enter \(job.path): \(NamespaceThread.setns == nil ? "no setns in the C library" : String(cString: strerror(errno)))"))
                return nil
            }
            job.result = .success(job.work())
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
