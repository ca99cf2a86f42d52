import ArgumentParser
import Testing
@testable import twadvise
import TWAdvise

/// The live host is read before the command line is parsed only for the command lines whose input is the
/// default one, and a parsed command takes that reading only when its input is exactly that one.
@Suite("Reading begun before parsing")
struct EarlyReadingTests {
    @Test("only 'twadvise', 'twadvise diagnose' and 'twadvise snapshot' begin a reading before parsing")
    func wanted() {
        for arguments in [[], ["diagnose"], ["snapshot"]] { #expect(EarlyReading.wanted(for: arguments), "\(arguments)") }
        let others = [["diagnose", "--root", "x"], ["snapshot", "--pretty"], ["watch"], ["--version"], ["diagnose", "--help"],
                      ["rules", "list"], ["--interval", "5"], ["diagnose", "diagnose"], ["snapshot", "--host-namespace"], [""]]
        for arguments in others { #expect(!EarlyReading.wanted(for: arguments), "\(arguments)") }
    }

    @Test("the early input is the one the options give with no option, and another input never takes it")
    func sameInput() throws {
        let parsed = try SnapshotCommand.parse([])
        #expect(parsed.input.input == EarlyReading.input)
        let other = try SnapshotCommand.parse(["--top", "5"])
        #expect(other.input.input != EarlyReading.input)
        #expect(EarlyReading.take(for: other.input.input).map { _ in 0 } == nil)
        #expect(try SnapshotCommand.parse(["--host-namespace"]).input.input != EarlyReading.input)
    }
}
