/// The socket table: netlink sock_diag on the live host, else /proc/net/tcp and tcp6 streamed.
extension SnapshotReader {
    func readSockets(range: PortRange?, _ warnings: inout [FactWarning]) -> SocketTable? {
        #if canImport(Glibc)
        if source.isLiveRoot && options.useNetlink {
            var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: options.maxTrackedDestinations)
            switch options.owners {
            case .off: break
            case .scanOnce:
                options.scanCounter?.add()
                aggregator.ownerIndex = SocketOwnerIndex.scan()
            case .index(let index): aggregator.ownerIndex = index
            }
            do {
                try NetlinkSockDiag.read(into: &aggregator)
                let (table, more) = aggregator.finish(sources: ["netlink sock_diag"], readIPv4: true, readIPv6: true, malformedLines: 0,
                                                      topDestinations: options.topDestinations)
                warnings += more
                return table
            } catch {
                // No inet_diag (module not loaded, seccomp): read the text tables instead, and say so.
                warnings.append(FactWarning(path: "netlink sock_diag", message: "\(error.description); read /proc/net/tcp instead"))
            }
        }
        #endif
        var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: options.maxTrackedDestinations)
        var read: [String] = []
        var malformed = 0
        for path in ["proc/net/tcp", "proc/net/tcp6"] {
            var parser = ProcNetTCPParser(path: path)
            do {
                parser = try SocketTableFile.parse(source.absolutePath(source.following(path)), name: path, into: &aggregator,
                                                   requireRegular: !source.isLiveRoot, within: source.confinement)
                if parser.lineNumber == 0 {
                    warnings.append(FactWarning(path: path, message: "empty file"))
                } else {
                    read.append(path)
                }
            } catch {
                warnings.append(FactWarning(path: path, message: error.description))
            }
            warnings += parser.warnings
            if let summary = parser.summaryWarning { warnings.append(summary) }
            malformed += parser.malformedLines
        }
        guard !read.isEmpty else { return nil }
        let (table, more) = aggregator.finish(
            sources: read, readIPv4: read.contains("proc/net/tcp"), readIPv6: read.contains("proc/net/tcp6"),
            malformedLines: malformed, topDestinations: options.topDestinations)
        warnings += more
        return table
    }
}
