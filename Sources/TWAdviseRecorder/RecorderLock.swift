import Glibc
import Synchronization

/// One recorder per folder: an exclusive `flock` on `DIR/twadvise-record.lock`, which holds the PID.
///
/// The kernel drops the lock when the process ends however it ends (`kill -9` included), so a stale file
/// never blocks the next recorder. The file itself is left in place: unlinking it would let two recorders
/// lock two different files of the same name.
public final class RecorderLock: Sendable {
    /// The lock file's name inside the folder.
    public static let fileName = "twadvise-record.lock"
    /// The lock file's path.
    public let path: String
    private let descriptor: Atomic<Int32>

    /// Takes the lock of `directory`, or throws ``RecorderError/Code/locked`` naming the holder's PID.
    public init(directory: String) throws(RecorderError) {
        let path = directory + "/" + Self.fileName
        // Never through a link, and only a regular file of this user's (a planted link or file would have
        // root truncate and write someone else's choice).
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw RecorderError(errno == EROFS || errno == EACCES || errno == EPERM ? .notWritable : .cannotOpen,
                                "cannot create the lock \(path): \(reason)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else {
            close(fd)
            throw RecorderError(.notWritable, "\(path) is not a regular file of this user's: refusing to lock through it")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            // The holder writes its PID just after taking the lock: a moment later it is there (bounded wait).
            var holder = Self.readPID(fd)
            for _ in 0..<20 where holder == nil && failure == EWOULDBLOCK {
                usleep(10_000)
                holder = Self.readPID(fd)
            }
            close(fd)
            guard failure == EWOULDBLOCK else {
                throw RecorderError(.cannotOpen, "cannot lock \(path): \(String(cString: strerror(failure)))")
            }
            let who = holder.map { "process \($0)" } ?? "another process"
            throw RecorderError(.locked, "another recorder (\(who)) is recording into \(directory) (lock \(path))", pid: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.descriptor = Atomic(fd)
    }

    deinit { release() }

    /// Releases the lock (once; later calls do nothing).
    public func release() {
        let fd = descriptor.exchange(-1, ordering: .sequentiallyConsistent)
        if fd >= 0 { close(fd) }
    }

    /// The PID the lock file names, if any.
    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count].filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
    }
}
