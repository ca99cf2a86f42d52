import Foundation

/// Golden files: text a test compares byte for byte with a file beside it.
///
/// With `TWADVISE_RECORD=1` the file is written and the check fails, as swift-argument-parser's snapshot tests
/// do: a recording run never passes, so it cannot hide a change; review the diff and run again without it.
public enum Golden {
    /// Whether this run records golden files.
    public static var recording: Bool { ProcessInfo.processInfo.environment["TWADVISE_RECORD"] != nil }

    /// `nil` when `actual` is the file's text; otherwise why not (or that the file was just recorded).
    public static func mismatch(_ actual: String, file path: String) throws -> String? {
        if recording {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return "recorded \(path): review the diff, then run again without TWADVISE_RECORD"
        }
        guard let golden = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "\(path) is missing: record it with TWADVISE_RECORD=1 and review it"
        }
        guard actual != golden else { return nil }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let g = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(a, g)).firstIndex { $0.0 != $0.1 } ?? min(a.count, g.count)
        let got = line < a.count ? String(a[line]) : "(end of text)"
        let want = line < g.count ? String(g[line]) : "(end of file)"
        return "\(path) differs at line \(line + 1):\n  golden: \(want)\n  actual: \(got)\nre-record with TWADVISE_RECORD=1 after review"
    }
}
