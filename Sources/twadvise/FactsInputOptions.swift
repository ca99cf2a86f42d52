import ArgumentParser
import TWAdvise

/// Where facts come from, shared by every command that reads them.
struct FactsInputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read a captured tree (proc/, etc/ ...) instead of the live host.", valueName: "dir"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("Read a snapshot written by 'twadvise snapshot' ('-' for standard input).", valueName: "file"))
    var facts: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Destinations kept in detail (totals are always exact).", valueName: "n"))
    var top: Int = FactsInputOptions.defaultTop

    /// Destinations kept in detail when `--top` is not given.
    static let defaultTop = 100

    @Option(name: .long, help: ArgumentHelp("Read a sosreport: an extracted directory or the .tar.xz archive itself.", valueName: "path"))
    var sos: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read one network namespace instead of all: of a sosreport (its name), or of the live host (an 'ip netns' name, a PID in it, or a path such as /proc/PID/ns/net).",
        valueName: "name|pid|path"))
    var namespace: String?

    @Flag(name: .customLong("host-namespace"), help: "On the live host, read only the network namespace twadvise runs in (by default every namespace is read: needs root or CAP_SYS_ADMIN).")
    var hostNamespace = false

    @Option(name: .long, help: ArgumentHelp("Captured 'ss -tan' / 'ss -tanp' / 'ss -peaonmi' output as the socket table (repeatable).", valueName: "file"))
    var ss: [String] = []

    @Option(name: .long, help: ArgumentHelp("Captured 'netstat -an' / '-ant' / '-W -neopa' output as the socket table (repeatable).", valueName: "file"))
    var netstat: [String] = []

    @Option(name: .long, help: ArgumentHelp("Captured 'sysctl -a' output: runtime sysctls, hostname, kernel release.", valueName: "file"))
    var sysctl: String?

    @Option(name: .long, help: ArgumentHelp("Captured 'nstat -zas' output: TcpExt and Tcp counters.", valueName: "file"))
    var nstat: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Take two counter readings this many seconds apart and record rates (live host only).", valueName: "seconds"))
    var interval: Double?

    func validate() throws {
        if root != nil && facts != nil {
            throw ValidationError("--root and --facts are alternatives: give one")
        }
        if sos != nil && (root != nil || facts != nil || !captured.isEmpty) {
            throw ValidationError("--sos reads a whole sosreport; it does not go with --root, --facts or captured output")
        }
        if namespace != nil && (root != nil || facts != nil || !captured.isEmpty) {
            throw ValidationError("--namespace reads one network namespace of a sosreport or of the live host; it does not go with --root, --facts or captured output")
        }
        if hostNamespace && (namespace != nil || sos != nil || root != nil || facts != nil || !captured.isEmpty) {
            throw ValidationError("--host-namespace restricts a live reading to the namespace twadvise runs in; it goes with no other input option")
        }
        if facts != nil && !captured.isEmpty {
            throw ValidationError("--facts is a finished snapshot; --ss, --netstat, --sysctl and --nstat go with --root or alone")
        }
        if top < 1 { throw ValidationError("--top \(top): keep at least 1 destination in detail, e.g. --top 100 (the default)") }
        if let interval {
            guard interval > 0, interval <= 3600 else {
                throw ValidationError("--interval \(FactValue.format(interval)): the two readings must be more than 0 and at most 3600 seconds apart, e.g. --interval 5")
            }
            guard root == nil, facts == nil, sos == nil, captured.isEmpty else {
                throw ValidationError("--interval reads the live host twice; it does not go with --root, --facts or captured output")
            }
        }
    }

    var input: FactsInput {
        FactsInput(root: root, snapshotFile: facts, sosReport: sos, namespace: namespace, hostNamespaceOnly: hostNamespace,
                   captured: captured, topDestinations: top, interval: interval)
    }

    /// Every snapshot the input holds (a sosreport gives one per network namespace too); exit 2 when unreadable.
    /// With `printingNotices` false, what the snapshots do not cover is left for ``printNotices(_:)``.
    func loadAll(printingNotices: Bool = true) throws -> [FactsSnapshot] {
        let snapshots: [FactsSnapshot]
        do throws(FactsInputError) {
            // The reading begun before the command line was parsed, when it is of this very input.
            if let early = EarlyReading.take(for: input) {
                snapshots = try early.get()
            } else {
                snapshots = try input.load()
            }
        } catch {
            throw InputError(error.commandLineMessage)
        }
        if printingNotices { printNotices(snapshots) }
        return snapshots
    }

    /// What the report covers changed (namespaces not entered, or a bound hit): say it where it is seen at once.
    func printNotices(_ snapshots: [FactsSnapshot]) {
        for notice in snapshots.first?.notCovered ?? [] {
            printError("twadvise: \(notice)")
        }
    }

    /// The first snapshot of the input.
    func load() throws -> FactsSnapshot { try loadAll()[0] }

    var captured: CapturedOutputs {
        CapturedOutputs(socketTables: ss + netstat, sysctl: sysctl, nstat: nstat)
    }
}

/// An input that cannot be read at all: printed on one line, exit status 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    /// One line: a value inside it (a namespace name, a path) cannot add another or send a control sequence.
    init(_ description: String) { self.description = TerminalText.line(description) }
}
