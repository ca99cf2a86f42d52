/// A Linux kernel release such as `6.18.44-fc-v782` or `3.10.0-1160.el7.x86_64`.
///
/// Only the numeric `major.minor.patch` prefix takes part in comparisons; the rest is kept in ``release``.
public struct KernelVersion: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version (6 in 6.18.44).
    public var major: Int
    /// The minor version (18 in 6.18.44).
    public var minor: Int
    /// The patch level (44 in 6.18.44).
    public var patch: Int
    /// The release string exactly as the kernel reported it.
    public var release: String

    /// A kernel version; `release` defaults to `major.minor.patch`.
    package init(major: Int, minor: Int, patch: Int = 0, release: String? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.release = release ?? "\(major).\(minor).\(patch)"
    }

    /// Parses the leading `MAJOR.MINOR[.PATCH]` of a release string; `nil` when there is none.
    package init?(parsing text: String) {
        let release = text.trimmingASCIIWhitespace()
        var numbers: [Int] = []
        var current = 0
        var digits = 0
        for byte in release.utf8 {
            if byte >= 0x30 && byte <= 0x39 {
                guard digits < 9 else { return nil }
                current = current * 10 + Int(byte - 0x30)
                digits += 1
            } else if byte == UInt8(ascii: "."), digits > 0, numbers.count < 2 {
                numbers.append(current)
                current = 0
                digits = 0
            } else {
                break
            }
        }
        if digits > 0 { numbers.append(current) }
        guard numbers.count >= 2 else { return nil }
        self.init(major: numbers[0], minor: numbers[1], patch: numbers.count > 2 ? numbers[2] : 0, release: release)
    }

    public static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public static func == (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) == (rhs.major, rhs.minor, rhs.patch)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
    }

    /// `major.minor.patch`.
    public var description: String { "\(major).\(minor).\(patch)" }
}

extension String {
    /// The string without leading and trailing spaces, tabs, carriage returns and newlines.
    package func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start].isASCIIWhitespace { start += 1 }
        while end > start, bytes[end - 1].isASCIIWhitespace { end -= 1 }
        if start == 0 && end == bytes.count { return self }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

extension UInt8 {
    /// Space, tab, newline, carriage return, vertical tab or form feed.
    @inline(__always)
    package var isASCIIWhitespace: Bool {
        self == 0x20 || (self >= 0x09 && self <= 0x0D)
    }
}
