import TWAdviseEngine

/// Numbers and small pictures for people: rounded values, bars of a share, sparklines of a series.
/// Machines get full precision in the JSON; these are for the Markdown, the terminal and `watch`.
public enum Presentation {
    /// A number as a person reads it: integers as they are, from 100 up without decimals, below that three
    /// significant digits (`243.5667` → `244`, `13959.4299` → `13959`, `2.3456` → `2.35`, `0.012345` → `0.0123`).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return FactValue.format(value) }
        if value == value.rounded() || abs(value) >= 100 { return FactValue.format(value.rounded()) }
        var digits = 2 - Int((abs(value)).log10Floor)
        digits = min(max(digits, 0), 12)
        let scale = pow10(digits)
        let rounded = (value * scale).rounded() / scale
        if rounded.magnitude >= 100 { return FactValue.format(rounded.rounded()) }
        return trim(formatFixed(rounded, digits))
    }

    /// A share (0.9583) as a percentage with one decimal (`95.8%`).
    public static func percent(_ share: Double) -> String {
        guard share.isFinite else { return FactValue.format(share) }
        return FactValue.format((share * 1000).rounded() / 10) + "%"
    }

    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// A horizontal bar of `share` (clamped to 0...1) in `width` cells of Unicode blocks, to the eighth of a
    /// cell (`0.958` over 10 cells: `█████████▌`). With `pad`, filled out with spaces to `width`.
    public static func bar(_ share: Double, width: Int = 10, pad: Bool = false) -> String {
        let clamped = share.isFinite ? min(max(share, 0), 1) : 0
        let eighthsTotal = Int((clamped * Double(width * 8)).rounded())
        var text = String(repeating: "█", count: eighthsTotal / 8)
        if eighthsTotal % 8 > 0 { text.append(eighths[eighthsTotal % 8 - 1]) }
        if pad { text += String(repeating: " ", count: max(0, width - text.count)) }
        return text
    }

    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A sparkline of `values`, one cell each, scaled from zero (or the smallest value, when negative) to the
    /// largest, so a small change of a large count draws as the small change it is (19,987 to 19,998: a flat
    /// line at the top); all zero: a flat line at the bottom; an unknown value: a space.
    public static func sparkline(_ values: [Double?]) -> String {
        let known = values.compactMap { $0 }.filter(\.isFinite)
        guard let smallest = known.min(), let high = known.max() else { return String(repeating: " ", count: values.count) }
        let low = min(0, smallest)
        return String(values.map { value -> Character in
            guard let value, value.isFinite else { return " " }
            guard high > low else { return levels[0] }
            return levels[min(7, Int(((value - low) / (high - low) * 7).rounded()))]
        })
    }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }

    private static func formatFixed(_ value: Double, _ digits: Int) -> String {
        // Integer arithmetic on the scaled value avoids binary-fraction noise (0.1 + 0.2) in the text.
        let scale = pow10(digits)
        let scaled = Int64((value.magnitude * scale).rounded())
        let whole = scaled / Int64(scale)
        var fraction = String(scaled % Int64(scale))
        fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        return (value < 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
    }

    private static func trim(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return String(t)
    }
}

private extension Double {
    /// floor(log10(self)) for a positive finite value, without Foundation.
    var log10Floor: Double {
        var v = self
        var exponent = 0
        while v >= 10 { v /= 10; exponent += 1 }
        while v < 1 && v > 0 { v *= 10; exponent -= 1 }
        return Double(exponent)
    }
}
