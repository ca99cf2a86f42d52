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

    /// `NSFS_MAGIC` from <linux/magic.h>: the file system of namespace files.
    static let nsfsMagic: Int = 0x6E73_6673

    /// Opens `path` as a network namespace without blocking: `O_NONBLOCK` (a FIFO put where a namespace was
    /// expected cannot hang the reader), then checks on the opened descriptor that it is a namespace file
    /// (`fstatfs`: nsfs) and, when `inode` is given, that it is the namespace discovered (`fstat`: a reused
    /// PID or a process that changed namespace since is not read under another's label).
    package static func openNamespace(_ path: String, inode: UInt64?) -> Result<Int32, Failure> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(description: "\(path): \(String(cString: strerror(errno)))")) }
        var info = stat()
        guard fileSystemType(fd) == nsfsMagic, fstat(fd, &info) == 0 else {
            close(fd)
            return .failure(Failure(description: "\(path): not a network namespace"))
        }
        if let inode, UInt64(info.st_ino) != inode {
            close(fd)
            return .failure(Failure(description: "\(path): no longer the namespace discovered (inode \(info.st_ino), expected \(inode))"))
        }
        return .success(fd)
    }

    /// `fstatfs(2)` from the C library (its header is not in Glibc's module map).
    static let fstatfs: (@convention(c) (Int32, UnsafeMutableRawPointer) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fstatfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafeMutableRawPointer) -> Int32).self)
    }()

    /// The `f_type` of the file system `fd` is on (the first field of `struct statfs` on Linux, a word);
    /// `nil` when it cannot be read.
    static func fileSystemType(_ fd: Int32) -> Int? {
        guard let fstatfs else { return nil }
        // struct statfs is 120 bytes on 64-bit Linux; a larger buffer leaves room on any architecture.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        defer { buffer.deallocate() }
        guard fstatfs(fd, buffer) == 0 else { return nil }
        return buffer.load(as: Int.self)
    }

    /// What the thread runs; the C entry point sees only this base class.
    private class Job: @unchecked Sendable {
        let path: String
        let inode: UInt64?
        init(path: String, inode: UInt64?) {
            self.path = path
            self.inode = inode
        }
        func run() {}
    }

    /// The work and its result; only the new thread writes `result`, before the join that reads it.
    private final class TypedJob<T: Sendable>: Job, @unchecked Sendable {
        let work: @Sendable () -> T
        var result: Result<T, Failure> = .failure(Failure(description: "not run"))

        init(path: String, inode: UInt64?, work: @escaping @Sendable () -> T) {
            self.work = work
            super.init(path: path, inode: inode)
        }

        override func run() {
            // O_RDONLY on /proc/PID/ns/net or /run/netns/NAME opens the namespace, nothing in it.
            let fd: Int32
            switch NamespaceThread.openNamespace(path, inode: inode) {
            case .success(let opened): fd = opened
            case .failure(let failure):
                result = .failure(failure)
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

    /// Enters the namespace `path` refers to on a new thread, runs `work` there and returns its result;
    /// with `inode`, only if `path` still refers to that namespace.
    package static func run<T: Sendable>(in path: String, inode: UInt64? = nil, _ work: @escaping @Sendable () -> T) -> Result<T, Failure> {
        let job = TypedJob(path: path, inode: inode, work: work)
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
