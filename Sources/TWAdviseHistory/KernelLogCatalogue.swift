/// The kernel messages of this domain, recognised by the text each kernel version prints, and where each comes
/// from in the kernel source (paths under `torvalds/linux`; `pr_info`/`net_*_ratelimited` prepend the file's
/// `pr_fmt`, `"TCP: "` in `net/ipv4/tcp*.c`, `KBUILD_MODNAME ": "` in `nf_conntrack_core.c`).
///
/// - ``KernelMessageKind/timeWaitBucketOverflow``: `net/ipv4/tcp_minisocks.c`, `tcp_time_wait()`, when
///   `inet_twsk_alloc()` refuses a bucket because `tcp_max_tw_buckets` is reached:
///   2.6 to 3.x `LIMIT_NETDEBUG(KERN_INFO "TCP: time wait bucket table overflow\n")` (printed only with
///   `net.core.warnings = 1`, the default then), converted to `net_dbg_ratelimited(...)` (dynamic debug only) and
///   later removed: a 4.x+ `tcp_time_wait()` only counts `LINUX_MIB_TCPTIMEWAITOVERFLOW` (`TcpExt:
///   TCPTimeWaitOverflow`). A modern kernel prints nothing; the counter is the evidence there. Matched by
///   `time wait bucket table overflow` (with or without the `TCP: ` prefix).
/// - ``KernelMessageKind/conntrackTableFull``: `net/netfilter/nf_conntrack_core.c`, `__nf_conntrack_alloc()`:
///   2.6.x `printk(KERN_WARNING "nf_conntrack: table full, dropping packet.\n")` under `net_ratelimit()`;
///   later `net_warn_ratelimited("nf_conntrack: table full, dropping packet\n")`, which `pr_fmt` prints as
///   `nf_conntrack: nf_conntrack: table full, dropping packet`. Before 2.6.22 the IPv4-only
///   `net/ipv4/netfilter/ip_conntrack_core.c` printed `ip_conntrack: table full, dropping packet.`. Matched by
///   `table full, dropping packet` after `nf_conntrack` or `ip_conntrack`.
/// - ``KernelMessageKind/synFlooding``: `tcp_syn_flood_action()` (`net/ipv4/tcp_ipv4.c`, moved to
///   `net/ipv4/tcp_input.c` in 4.x): 2.6 `syn_flood_warning()` printed `TCP: Possible SYN flooding on port %d.
///   Sending cookies.` (some 2.6 kernels lower-case `possible`); 3.x–6.1
///   `pr_info`/`net_info_ratelimited("%s: Possible SYN flooding on port %d. %s.  Check SNMP counters.\n")`, the
///   `%s` being `TCP`/`TCPv6` and since 4.x the request sock slab name (`TCP: request_sock_TCP: Possible SYN
///   flooding on port 443. Sending cookies.  Check SNMP counters.`); since 6.2 (d9282e48c608, "tcp: Add listening
///   address to SYN flood message") `"%s: Possible SYN flooding on port %pI4:%u. %s.\n"` and
///   `"[%pI6c]:%u"` for IPv6 (`... on port [::]:443. Sending cookies.`, no SNMP hint). The second `%s` is
///   `Sending cookies` or `Dropping request`. Detail: the port as printed (`443`, `0.0.0.0:7070`, `[::]:443`).
/// - ``KernelMessageKind/tooManyOrphans``: `net/ipv4/tcp.c`, `tcp_check_oom()` (3.x+):
///   `net_info_ratelimited("too many orphaned sockets\n")` → `TCP: too many orphaned sockets`; 2.4's `tcp_close()`
///   printed `TCP: too many of orphaned sockets`; 2.6's `tcp_out_of_resources()` (`net/ipv4/tcp_timer.c`)
///   printed `Out of socket memory` for too many orphans *or* `tcp_mem` exhausted (it could not tell them apart;
///   counted here as orphans).
/// - ``KernelMessageKind/tcpOutOfMemory``: `tcp_check_oom()` (3.x+):
///   `net_info_ratelimited("out of memory -- consider tuning tcp_mem\n")` → `TCP: out of memory -- consider
///   tuning tcp_mem`.
/// - ``KernelMessageKind/fileMaxReached``: `fs/file_table.c`, `get_empty_filp()` (`alloc_empty_file()` since
///   4.19): `pr_info("VFS: file-max limit %lu reached\n", get_max_files())`, printed only at a new high of
///   `nr_files` (older: `printk(KERN_INFO "VFS: file-max limit %d reached\n", ...)`). Detail: the limit.
///
/// `net_ratelimit: N callbacks suppressed` comes from `lib/ratelimit.c`, `___ratelimit()`
/// (`"%s: %d callbacks suppressed\n"` with the caller's name, `net_ratelimit` for every `net_*_ratelimited`
/// message above). Other limiters print their own name (`kauditd_printk_skb: 23 callbacks suppressed`) and are
/// not counted.
package enum KernelLogCatalogue {
    /// What one kernel message is.
    package enum Match: Sendable, Hashable {
        /// A message of `kind`, with the detail it names (a port, a limit).
        case message(KernelMessageKind, detail: String?)
        /// `net_ratelimit: N callbacks suppressed`.
        case suppressed(Int)
    }

    /// Substrings at least one of which every recognised message contains: a file is searched for these
    /// (`memmem`) before any line is split or dated.
    package static let anchors: [String] = [
        "time wait bucket table overflow", "table full, dropping packet", "SYN flooding on port", "orphaned sockets",
        "Out of socket memory", "consider tuning tcp_mem", "file-max limit", "callbacks suppressed",
    ]

    /// The message `text` (what the kernel printed, after the time and any `kernel:` tag) is, if any.
    package static func classify(_ text: Substring) -> Match? {
        if text.contains("time wait bucket table overflow") {
            return .message(.timeWaitBucketOverflow, detail: nil)
        }
        if text.contains("table full, dropping packet"), text.contains("nf_conntrack") || text.contains("ip_conntrack") {
            return .message(.conntrackTableFull, detail: nil)
        }
        if let range = text.firstRange(of: "ossible SYN flooding on port "), range.lowerBound > text.startIndex,
           case let p = text.index(before: range.lowerBound), text[p] == "P" || text[p] == "p",
           p == text.startIndex || text[text.index(before: p)] == " " {
            var port = text[range.upperBound...].prefix { $0 != " " }
            while port.hasSuffix(".") { port = port.dropLast() }
            return .message(.synFlooding, detail: port.isEmpty || port.count > 64 ? nil : String(port))
        }
        if text.contains("too many orphaned sockets") || text.contains("too many of orphaned sockets")
            || text.contains("Out of socket memory") {
            return .message(.tooManyOrphans, detail: nil)
        }
        if text.contains("out of memory -- consider tuning tcp_mem") {
            return .message(.tcpOutOfMemory, detail: nil)
        }
        if let range = text.firstRange(of: "VFS: file-max limit ") {
            let digits = text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 20,
                  text[digits.endIndex...].hasPrefix(" reached") else { return nil }
            return .message(.fileMaxReached, detail: String(digits))
        }
        if let range = text.firstRange(of: "net_ratelimit: ") {
            let digits = text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            // `%d` of an int: at most 10 digits; anything longer is not the kernel's and is not counted.
            guard !digits.isEmpty, digits.count <= 10, let n = Int(digits),
                  text[digits.endIndex...].hasPrefix(" callbacks suppressed") else { return nil }
            return .suppressed(n)
        }
        return nil
    }
}
