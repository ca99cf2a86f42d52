import ArgumentParser
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "The netstat loop done right: TIME_WAIT, pressed destinations and rates every few seconds.",
        discussion: """
            Reads /proc/net/sockstat, the counters and the socket table each interval (not netstat), shows the \
            destinations closest to running out of ports, and with --textfile writes Prometheus text for \
            node_exporter's textfile collector (atomically). Stops cleanly on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Seconds between readings.") var interval: Double = 5
    @Option(help: "Destinations shown (and exported).") var top: Int = 5
    @Flag(help: "Read once, print or write, and exit (for cron).") var once = false
    @Option(name: .long, help: ArgumentHelp("Write Prometheus exposition text to PATH (atomically, via a temporary file and rename).", valueName: "PATH"))
    var textfile: String?
    @Option(name: .long, help: ArgumentHelp("Read a captured tree instead of the live host.", valueName: "DIR"))
    var root: String?
    @OptionGroup var rules: RuleOptions

    func validate() throws {
        guard interval >= 0.2, interval <= 3600 else { throw ValidationError("--interval must be between 0.2 and 3600 seconds") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        try runReportingInputErrors {
            let catalog = try rules.checkedCatalog()
            let advisor: Advisor
            do {
                advisor = try Advisor(rules: catalog.extraSources, overlays: catalog.overlaySources, disabled: rules.disabled,
                                      builtInRules: !rules.noBuiltIn)
            } catch {
                throw InputError("\(error)")
            }
            let rootPath = root ?? "/"
            guard isExistingDirectory(rootPath) else { throw InputError("--root \(rootPath): not a directory") }
            // SIGINT and SIGTERM are taken synchronously while waiting: no handler, no shared state.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &signals, nil)

            var previous: (counters: KeyedCounters, at: ContinuousClock.Instant)?
            while true {
                let reader = SnapshotReader(source: FactSource(root: rootPath), options: .init(topDestinations: max(top, 100)))
                var snapshot = reader.read()
                let now = ContinuousClock.now
                if let previous {
                    let elapsed = now - previous.at
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    snapshot.rates = CounterRates(first: previous.counters, second: snapshot.counters, intervalSeconds: seconds)
                }
                previous = (snapshot.counters, now)
                let diagnosis = advisor.diagnose(snapshot)
                if let textfile {
                    let text = PrometheusText.render(snapshot, findings: diagnosis.findings, topDestinations: top,
                                                     timestamp: Date.now.timeIntervalSince1970)
                    try writeAtomically(text, to: textfile)
                }
                if !(once && textfile != nil) { print(WatchView.render(snapshot, diagnosis: diagnosis, top: top)) }
                if once { return }
                var timeout = timespec(tv_sec: Int(interval), tv_nsec: Int((interval - Double(Int(interval))) * 1e9))
                let received = sigtimedwait(&signals, nil, &timeout)
                if received == SIGINT || received == SIGTERM { return }
            }
        }
    }

    func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp.\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw InputError("cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InputError("cannot rename \(temporary) to \(path): \(reason)")
        }
    }
}

/// The compact view `watch` prints each interval.
enum WatchView {
    static func render(_ s: FactsSnapshot, diagnosis: Diagnosis, top: Int) -> String {
        let usable = s.portBudget.map { Double($0.usable) }
        let time = s.collectedAt.map { String($0.dropFirst(11).prefix(8)) } ?? "--:--:--"
        var head = "\(time)  TIME_WAIT \(s.sockstat?["TCP", "tw"].map(String.init) ?? "?")"
        if let sockets = s.sockets {
            head += " (out \(sockets.outboundTimeWait), in \(sockets.inboundTimeWait))  ESTABLISHED \(sockets.all[.established])"
        }
        if let usable { head += "  ports R \(Int(usable))" }
        if let r = s.rates {
            head += "  opens/s \(FactValue.format(((r.perSecond("Tcp", "ActiveOpens") ?? 0) * 10).rounded() / 10))"
            head += "  TIME_WAIT/s \(FactValue.format(((r.perSecond("TcpExt", "TW") ?? 0) * 10).rounded() / 10))"
        }
        var lines = [head]
        let findings = diagnosis.findings.filter { $0.severity > .info }
        if let worst = findings.first {
            lines.append("  \(findings.count) finding\(findings.count == 1 ? "" : "s"), worst: \(worst.severity.rawValue.uppercased()) \(worst.id) \(worst.subject ?? "")")
        }
        if let sockets = s.sockets, !sockets.destinations.isEmpty {
            lines.append("  destination                                   in use  TIME_WAIT  share of R")
            for d in sockets.destinations.prefix(top) {
                let share = usable.map { $0 > 0 ? FactValue.format((Double(d.inUse) / $0 * 1000).rounded() / 10) + "%" : "?" } ?? "?"
                lines.append("  " + pad(d.label, 44) + " " + pad(String(d.inUse), 7, right: true) + " " + pad(String(d.timeWait), 10, right: true) + " " + pad(share, 11, right: true))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }
}
