import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// The live reader on this host, with TIME_WAIT sockets this test makes on loopback.
enum LiveHost {
    static let hasProc = (try? InputFile.read("/proc/net/sockstat")) != nil
}

@Suite("Live host", .serialized, .enabled(if: LiveHost.hasProc, "no /proc/net/sockstat on this machine"))
struct LiveHostTests {
    @Test("TIME_WAIT made on loopback shows up per destination, and the total agrees with sockstat")
    func loopbackTimeWait() throws {
        let made = 300
        let port = try LoopbackLoad.makeTimeWait(count: made)
        let before = try #require(LoopbackLoad.sockstatTimeWait())
        let snapshot = SnapshotReader().read()
        let after = try #require(LoopbackLoad.sockstatTimeWait())
        let sockets = try #require(snapshot.sockets)
        #expect(snapshot.origin.kind == .live)
        #expect(snapshot.collectedAt != nil)
        #expect(snapshot.host.kernel != nil)
        let ours = try #require(sockets.destinations.first { $0.remotePort == port && $0.remoteAddress.description == "127.0.0.1" })
        #expect(ours.timeWait == made)
        #expect(ours.remoteAddress.isLoopback)
        // Within the churn of the read: other processes may open or expire TIME_WAIT meanwhile.
        let low = min(before, after) - 5, high = max(before, after) + 5
        #expect((low...high).contains(sockets.timeWait), "table \(sockets.timeWait), sockstat \(before)...\(after)")
        #expect(sockets.outboundTimeWait >= made)
        #expect(sockets.ephemeralPortsInUse >= made)
        let sockstatTW = try #require(snapshot.timeWait.sockstat)
        #expect(abs(Int(sockstatTW) - sockets.timeWait) <= max(5, sockets.timeWait / 100))
    }
}
