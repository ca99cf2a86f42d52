import Foundation
import Synchronization
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// Files of a captured tree, a sosreport or a rules directory are opened so that they cannot leave it, with
/// nothing between a check and the open that a writer of the tree could race.
@Suite("Reads that cannot leave the tree")
struct ConfinementTests {
    @Test("swapping a file of the tree for a link out of it, while the tree is read 400 times, never reads the target")
    func swapRace() throws {
        let outside = try TemporaryTree(["secret": "TOP-SECRET-LINE\n"])
        chmod(outside.path("secret"), 0o600)
        var files = HostTrees.modernSysctls
        files["proc/sys/kernel/hostname"] = "captured-host\n"
        let tree = try TemporaryTree(files)
        let hostname = tree.path("proc/sys/kernel/hostname")
        let stop = Atomic<Bool>(false)
        let flipper = Thread {
            // The attacker: a regular file, then a link to the secret, then a file again, as fast as it can.
            while !stop.load(ordering: .relaxed) {
                unlink(hostname)
                symlink(outside.path("secret"), hostname)
                unlink(hostname)
                let fd = open(hostname, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd >= 0 { _ = write(fd, "captured-host\n", 14); close(fd) }
            }
        }
        flipper.start()
        defer { stop.store(true, ordering: .relaxed) }
        var leaked = 0
        for _ in 0..<400 {
            var warnings: [FactWarning] = []
            let bytes = FactSource(root: tree.root).read("proc/sys/kernel/hostname", warnings: &warnings)
            if let bytes, String(decoding: bytes, as: UTF8.self).contains("TOP-SECRET") { leaked += 1 }
        }
        stop.store(true, ordering: .relaxed)
        #expect(leaked == 0)
    }

    @Test("a link inside the tree that stays inside is followed; one that leads out, absolute or by '..', is refused")
    func linksInside() throws {
        let outside = try TemporaryTree(["secret": "x\n"])
        let tree = try TemporaryTree(["proc/sys/kernel/real": "inside-host\n"])
        symlink("real", tree.path("proc/sys/kernel/hostname"))
        symlink(outside.path("secret"), tree.path("proc/sys/kernel/osrelease"))
        symlink("../../../../" + outside.root.split(separator: "/").last! + "/secret", tree.path("proc/sys/kernel/domainname"))
        let source = FactSource(root: tree.root)
        #expect(try source.bytes("proc/sys/kernel/hostname") == Array("inside-host\n".utf8))
        #expect(throws: FileReadError.outsideRoot) { _ = try source.bytes("proc/sys/kernel/osrelease") }
        #expect(throws: FileReadError.outsideRoot) { _ = try source.bytes("proc/sys/kernel/domainname") }
    }

    @Test("the component walk (kernels without openat2) refuses every link and '..'")
    func walkFallback() throws {
        let tree = try TemporaryTree(["a/b": "ok\n"])
        symlink("b", tree.path("a/c"))
        let root = open(tree.root, O_RDONLY | O_DIRECTORY)
        defer { close(root) }
        let fd = try ConfinedOpen.walk(root, "a/b", flags: O_RDONLY)
        close(fd)
        #expect(throws: FileReadError.outsideRoot) { _ = try ConfinedOpen.walk(root, "a/c", flags: O_RDONLY) }
        #expect(throws: FileReadError.outsideRoot) { _ = try ConfinedOpen.walk(root, "a/../a/b", flags: O_RDONLY) }
    }

    @Test("an extracted report whose top directory is a link to another report is not followed")
    func topDirectoryLink() throws {
        let elsewhere = try TemporaryTree(["sosreport-real/sos_commands/kernel/uname_-a": "Linux x\n"])
        let holder = try TemporaryTree([:])
        symlink(elsewhere.path("sosreport-real"), holder.path("sosreport-x"))
        #expect(SosReport.findTop(holder.root) == nil)
        #expect(throws: SosReportError.self) { _ = try SosReport.open(holder.root) }
    }
}
