/// A dotted version such as `4.12` or `6.18.44`; missing components compare as 0 (`4.12` == `4.12.0`).
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The numbers between the dots (`[6, 18, 44]`).
    public var components: [Int]

    /// A version of these components.
    public init(_ components: [Int]) {
        self.components = components
    }

    /// Parses the leading dotted numbers (`6.18.44-fc-v782` → 6.18.44); `nil` without at least one number.
    public init?(parsing text: String) {
        var components: [Int] = []
        var current = 0
        var digits = 0
        for scalar in text.unicodeScalars {
            if let d = scalar.properties.numericType != nil ? Int(String(scalar)) : nil, scalar.isASCII {
                guard digits < 9 else { return nil }
                current = current * 10 + d
                digits += 1
            } else if scalar == ".", digits > 0 {
                components.append(current)
                current = 0
                digits = 0
            } else {
                break
            }
        }
        if digits > 0 { components.append(current) }
        guard !components.isEmpty else { return nil }
        self.components = components
    }

    private func padded(to count: Int) -> [Int] {
        components + [Int](repeating: 0, count: max(0, count - components.count))
    }

    public static func < (a: Version, b: Version) -> Bool {
        let n = max(a.components.count, b.components.count)
        return a.padded(to: n).lexicographicallyPrecedes(b.padded(to: n))
    }

    public static func == (a: Version, b: Version) -> Bool {
        let n = max(a.components.count, b.components.count)
        return a.padded(to: n) == b.padded(to: n)
    }

    public func hash(into hasher: inout Hasher) {
        var trimmed = components
        while trimmed.last == 0 { trimmed.removeLast() }
        hasher.combine(trimmed)
    }

    /// The components joined by dots.
    public var description: String { components.map(String.init).joined(separator: ".") }
}
