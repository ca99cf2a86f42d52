#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import TWAdviseHistory

@Suite struct HistoryModelTests {
    @Test func quantitiesAreNamedAsTheSnapshotNamesThem() {
        #expect(HistoryQuantity.sockstat("TCP", "tw").description == "sockstat/TCP/tw")
        #expect(HistoryQuantity.counterRate("Tcp", "ActiveOpens").description == "rate/Tcp/ActiveOpens")
    }

    @Test func mergingKeepsBothSides() {
        let point = HistoryPoint(time: Date(timeIntervalSince1970: 0), value: 1)
        let a = History(series: [HistorySeries(quantity: .fileHandles("allocated"), source: "a", points: [point])], read: ["a"])
        let b = History(notRead: [HistoryGap(source: "b", reason: "gone")], read: [])
        let both = a.merging(b)
        #expect(both.series.count == 1)
        #expect(both.notRead.map(\.description) == ["b: gone"])
        #expect(!both.isEmpty)
        #expect(History().isEmpty)
    }
}
