import Foundation
import TWAdviseFacts
import TWAdviseHistory
import TWAdviseRunbooks

extension KernelLogFacts {
    /// The kernel messages logged up to `time` (all when `nil`); `nil` when no log was read.
    init?(_ events: [KernelLogEvent], upTo time: Date?, sources: [String] = []) {
        var messages: [String: Messages] = [:]
        var read = sources
        for event in events {
            let times = time.map { limit in event.times.filter { $0 <= limit + 0.5 } } ?? event.times
            let count = event.times.isEmpty ? event.count : (times.count == event.times.count ? event.count : times.count)
            guard count > 0 else { continue }
            let last = times.last ?? event.last
            var entry = messages[event.kind.rawValue] ?? Messages(count: 0, suppressed: 0, first: ReportTime.full(event.first), last: ReportTime.full(last))
            entry.count += count
            entry.suppressed += event.suppressed
            if ReportTime.full(event.first) < entry.first { entry.first = ReportTime.full(event.first) }
            if ReportTime.full(last) > entry.last { entry.last = ReportTime.full(last) }
            messages[event.kind.rawValue] = entry
            for source in event.source.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !read.contains(source) {
                read.append(source)
            }
        }
        guard !events.isEmpty || !sources.isEmpty else { return nil }
        self.init(messages: messages, sources: read)
    }
}
