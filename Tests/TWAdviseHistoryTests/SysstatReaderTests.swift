import Foundation
import Testing
import TWAdviseFacts
import TWAdviseTestSupport
@testable import TWAdviseHistory

@Suite struct SysstatReaderTests {
    static let sadc = "/usr/lib/sysstat/sadc"

    @Test func unknownFormatIsAGapNamingTheFileAndSadfsReason() throws {
        let tree = try TemporaryTree()
        try tree.write("var/log/sa/sa07", [0x96, 0xD5, 0x73, 0x21, 11, 6, 0, 0] + [UInt8](repeating: 0, count: 400))
        let history = SysstatReader(source: FactSource(root: tree.root), sadf: SysstatReader.installedSadf).read()
        let gap = try #require(history.notRead.first)
        #expect(history.notRead.count == 1)
        #expect(gap.source == "var/log/sa/sa07")
        if SysstatReader.installedSadf != nil {
            #expect(gap.reason.hasPrefix("sadf"))
            #expect(gap.reason.contains("format 0x2173 (sysstat 11.6.0)"))
            #expect(gap.reason.hasSuffix("Current sysstat version cannot read the format of this file (0x2173)"))
        }
        #expect(history.read.isEmpty)
    }

    @Test func withoutSadfABinaryFileIsAGapAndTheTextOfItsDayIsRead() throws {
        let tree = try TemporaryTree()
        try tree.write("var/log/sysstat/sa07", [0x96, 0xD5, 0x75, 0x21, 12, 6, 1, 0] + [UInt8](repeating: 0, count: 100))
        try tree.write("var/log/sysstat/sar07", "Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)\n\n10:00:00 tcpsck tcp-tw\n10:00:10 1 2\n")
        try tree.write("var/log/sysstat/sa06.gz", [0x1F, 0x8B, 8, 0])
        try tree.write("sos_commands/sar/sa07.xml", "<?xml version=\"1.0\"?>\n")
        try tree.write("var/log/sysstat/notes.txt", "x")
        let history = SysstatReader(source: FactSource(root: tree.root), timeZone: .gmt, sadf: nil).read()
        #expect(history.read == ["var/log/sysstat/sar07"])
        #expect(history.series.map(\.quantity) == [.sockstat("TCP", "inuse"), .sockstat("TCP", "tw")])
        let gaps = history.notRead.map(\.description).sorted()
        #expect(gaps.count == 3)
        #expect(gaps[0] == "sos_commands/sar/sa07.xml: XML from sadf -x; not read (the binary and text files are)")
        #expect(gaps[1].hasPrefix("var/log/sysstat/sa06.gz: gzip: "), "a truncated gzip member: \(gaps[1])")
        #expect(gaps[2] == "var/log/sysstat/sa07: binary sysstat file, format 0x2175 (sysstat 12.6.1); install sysstat to read it")
    }

    @Test func aGzippedTextFileIsReadThroughTheSharedDecoder() throws {
        let tree = try TemporaryTree()
        try tree.write("var/log/sysstat/sar05", "Linux 6.1.0 (h) \t12/05/2026 \t_x86_64_\t(2 CPU)\n\n10:00:00 tcpsck tcp-tw\n10:00:10 7 2500\n")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-9", tree.path("var/log/sysstat/sar05")]
        guard (try? gzip.run()) != nil else { return }  // no gzip on this machine: nothing to compress with
        gzip.waitUntilExit()
        try #require(gzip.terminationStatus == 0)
        let history = SysstatReader(source: FactSource(root: tree.root), timeZone: .gmt, sadf: nil).read()
        #expect(history.read == ["var/log/sysstat/sar05.gz"])
        #expect(history.series.first { $0.quantity == .sockstat("TCP", "tw") }?.points.map(\.value) == [2500])
        #expect(history.notRead.isEmpty)
    }

    @Test func aLinkOutOfTheTreeAndAFIFOAreRefusedWithoutBlocking() throws {
        let tree = try TemporaryTree()
        let outside = try TemporaryTree(["secret": "Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)\n\n10:00:00 tcpsck tcp-tw\n10:00:10 1 2\n"])
        try tree.symlink("var/log/sa/sar08", to: outside.path("secret"))
        try tree.mkdir("var/log/sa")
        #expect(mkfifo(tree.path("var/log/sa/sa09"), 0o644) == 0)
        let started = Date()
        let history = SysstatReader(source: FactSource(root: tree.root), timeZone: .gmt).read()
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(history.series.isEmpty)
        #expect(history.notRead.map(\.source).sorted() == ["var/log/sa/sa09", "var/log/sa/sar08"])
        #expect(history.notRead.first { $0.source == "var/log/sa/sa09" }?.reason.contains("not a regular file") == true)
        #expect(history.notRead.first { $0.source == "var/log/sa/sar08" }?.reason.contains("outside") == true)
    }

    @Test func theTreesTimeZoneComesFromTimedatectlOrDate() throws {
        let tree = try TemporaryTree([
            "sos_commands/systemd/timedatectl": "                Time zone: Europe/Berlin (CET, +0100)\n",
        ])
        #expect(SysstatReader.recordedTimeZone(in: FactSource(root: tree.root))?.identifier == "Europe/Berlin")
        let dated = try TemporaryTree([
            "sos_commands/date/date": "Mon Dec  7 04:12:40 CET 2026\n",
            "sos_commands/date/date_--utc": "Mon Dec  7 03:12:41 UTC 2026\n",
        ])
        #expect(SysstatReader.recordedTimeZone(in: FactSource(root: dated.root))?.secondsFromGMT() == 3600)
        #expect(SysstatReader.recordedTimeZone(in: FactSource(root: try TemporaryTree().root)) == nil)
    }

    @Test func theHotsosSosreportsHoldNoSysstatFiles() throws {
        guard HotsosFixtures.available else {
            print("skipped: \(HotsosFixtures.skipReason)")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: HotsosFixtures.directory).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: HotsosFixtures.path($0), isDirectory: &isDirectory) && isDirectory.boolValue
        }
        #expect(!names.isEmpty)
        for name in names {
            // storage holds one sosreport per host below it.
            let roots = name == "storage" ? try FileManager.default.contentsOfDirectory(atPath: HotsosFixtures.path(name)).map { "\(name)/\($0)" } : [name]
            for root in roots {
                let source = FactSource(root: HotsosFixtures.path(root))
                let history = SysstatReader(source: source).read()
                // None has var/log/sysstat, var/log/sa or sos_commands/sar (find -path '*sar*' finds nothing).
                #expect(history.read.isEmpty, "\(root)")
                #expect(history.series.isEmpty, "\(root)")
                #expect(history.notRead.isEmpty, "\(root)")
                #expect(SysstatReader.directories.allSatisfy { !FileManager.default.fileExists(atPath: source.absolutePath($0)) }, "\(root)")
                #expect(SysstatReader.recordedTimeZone(in: source)?.identifier == "Etc/UTC", "\(root)")
            }
        }
    }
}
