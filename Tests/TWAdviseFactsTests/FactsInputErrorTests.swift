import Testing
import TWAdviseTestSupport
@testable import TWAdviseFacts

/// An input that cannot be read is one error case carrying its data, said in the library's own terms: no
/// command-line option appears in it (the `twadvise` tool adds its options when it prints one).
@Suite("Input errors as values")
struct FactsInputErrorTests {
    static func error(_ input: FactsInput) -> FactsInputError? {
        do {
            _ = try input.load()
            return nil
        } catch {
            return error
        }
    }

    @Test("a tree that is not a directory, a missing capture, the same capture twice, an empty capture")
    func cases() throws {
        #expect(Self.error(FactsInput(root: "/nonexistent/twadvise")) == .notADirectory(path: "/nonexistent/twadvise"))

        let tree = try TemporaryTree(["ss.txt": "", "junk.txt": "not a socket table\n"])
        let missing = tree.path("absent.txt")
        #expect(Self.error(FactsInput(captured: CapturedOutputs(socketTables: [missing])))
                == .unreadableFile(InputFile.Failure(path: missing, reason: "no such file")))
        let twice = tree.path("ss.txt")
        #expect(Self.error(FactsInput(captured: CapturedOutputs(socketTables: [twice, twice]))) == .givenTwice(path: twice, first: twice))
        guard case .noFacts(.capturedOutput, _, _)? = Self.error(FactsInput(captured: CapturedOutputs(socketTables: [tree.path("junk.txt")]))) else {
            Issue.record("an unrecognised capture is not 'no facts in the captured output'")
            return
        }
        #expect(Self.error(FactsInput(snapshotFile: tree.path("junk.txt")))?.description.hasPrefix(tree.path("junk.txt") + ": ") == true)
    }

    @Test("no description names a command-line option", arguments: [
        FactsInputError.cannotEnterNamespaces(wanted: "web"),
        .namespaceNotFound(wanted: "web", candidates: ["a", "b"], more: true),
        .cannotReadNamespace(label: "web", reason: "gone"),
        .notADirectory(path: "/x"),
        .unreadableFile(InputFile.Failure(path: "/x", reason: "no such file")),
        .givenTwice(path: "/x", first: "/y"),
        .unreadableSnapshot(InputFile.Failure(path: "/x", reason: "no such file")),
        .invalidSnapshot(path: "-", reason: "not JSON"),
        .unreadableSosReport(SosReportError(path: "/x", reason: "tar could not list it (exit 2)")),
        .namespaceNotCaptured(wanted: "web", captured: []),
        .noFacts(.liveHost, problems: 3, first: "proc/net/tcp: permission denied"),
        .noFacts(.tree("/x"), problems: 0, first: nil),
        .noFacts(.capturedOutput, problems: 1, first: nil),
        .noFacts(.sosReport("/x"), problems: 1, first: nil),
    ])
    func noOptions(_ error: FactsInputError) {
        #expect(!error.description.contains("--"), "\(error.description)")
        #expect(!error.description.isEmpty && !error.description.contains("\n"))
    }
}

/// What a reading left out is a value of the snapshot, not a warning of a reserved path.
@Suite("What a snapshot does not cover")
struct NotCoveredTests {
    @Test("a snapshot written before notCovered gives its namespace notices back there, and its other warnings as they were")
    func legacyNotices() throws {
        var old = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/"))
        old.warnings = [FactWarning(path: FactsInput.namespacesNotice, message: "other network namespaces were not read"),
                        FactWarning(path: "proc/net/tcp6", message: "permission denied")]
        let read = try FactsSnapshot.decode(json: try old.jsonData())
        #expect(read.notCovered == ["other network namespaces were not read"])
        #expect(read.warnings.map(\.path) == ["proc/net/tcp6"])

        var new = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/"))
        new.notCovered = ["300 network namespaces found; 256 are read"]
        #expect(try FactsSnapshot.decode(json: try new.jsonData()).notCovered == new.notCovered)
    }
}
