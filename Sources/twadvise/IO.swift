import ArgumentParser
import TWAdvise
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs `body`; an ``InputError`` is printed as `twadvise: error: ...` and exits with status 2.
func runReportingInputErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as InputError {
        printError("twadvise: error: \(error.description)")
        throw ExitCode(2)
    }
}

func printError(_ line: String) {
    var text = TerminalText.safe(line)
    text.append("\n")
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// Writes text (and a newline) straight to standard output: a write that fails (a full disk, a closed
/// pipe) is an error with one line and exit 2, not a silent success.
func output(_ text: String, newline: Bool = true) throws {
    let safe = TerminalText.safe(text)
    try writeStandardOutput(Data((newline ? safe + "\n" : safe).utf8))
}

func writeStandardOutput(_ data: Data) throws {
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < raw.count {
            let n = write(1, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError("cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

func isExistingDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

