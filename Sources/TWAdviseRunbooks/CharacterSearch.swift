extension StringProtocol {
    /// The first range where `needle` occurs, compared `Character` by `Character` exactly as
    /// `firstRange(of:)` compares them (a `{` followed by a combining mark is not a `{`), without that
    /// searcher's set-up on each call: profiling the first report of a host showed `firstRange(of:)` and
    /// `contains(_:)` at 40% of parsing a runbook section. A byte pre-check skips text without the first
    /// character's bytes, which cannot hold it as a `Character` either.
    func firstCharacterRange(of needle: String) -> Range<Index>? {
        guard let head = needle.first else { return startIndex..<startIndex }
        if head.isASCII, let byte = head.asciiValue, !utf8.contains(byte) { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index] == head {
                var here = self.index(after: index)
                var there = needle.index(after: needle.startIndex)
                while there < needle.endIndex, here < endIndex, self[here] == needle[there] {
                    here = self.index(after: here)
                    there = needle.index(after: there)
                }
                if there == needle.endIndex { return index..<here }
            }
            index = self.index(after: index)
        }
        return nil
    }

    /// Whether `needle` occurs, compared by `Character` as ``firstCharacterRange(of:)`` does.
    func containsCharacters(_ needle: String) -> Bool { firstCharacterRange(of: needle) != nil }
}
