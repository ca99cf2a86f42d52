import Foundation
import Testing
@testable import TWAdviseHistory
import TWAdviseTestSupport

/// The gzip tool, when the machine has it (the test files are made with it at test time).
enum GzipTool {
    static let path: String? = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `gzip LEVEL` of `bytes`.
    static func compress(_ bytes: [UInt8], level: String) throws -> [UInt8] {
        let tree = try TemporaryTree()
        try tree.write("in", bytes)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = [level, "-c", "-n", tree.path("in")]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }
}

/// Text like a log: repetitive (long matches) with some noise (literals), `count` lines.
func sampleLog(lines count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    var out: [UInt8] = []
    for i in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        out += Array("Dec  7 03:12:\(i % 60) host kernel: [\(i).\(state % 1_000_000)] random \(state >> 33) text\n".utf8)
    }
    return out
}

@Suite("gzip decoder")
struct GzipTests {
    @Test("gzip -1 and -9 of a log decompress to the same bytes",
          .enabled(if: GzipTool.path != nil, "gzip not installed"), arguments: ["-1", "-9"])
    func gzipLevels(level: String) throws {
        let original = sampleLog(lines: 20_000)
        let compressed = try GzipTool.compress(original, level: level)
        #expect(compressed.count < original.count / 2)
        #expect(try Gzip.decompress(compressed, limit: 64 << 20) == original)
    }

    @Test("incompressible bytes (stored blocks) and the empty file", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func storedAndEmpty() throws {
        var state: UInt64 = 7
        let random = (0..<200_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(try Gzip.decompress(try GzipTool.compress(random, level: "-9"), limit: 1 << 20) == random)
        #expect(try Gzip.decompress(try GzipTool.compress([], level: "-6"), limit: 1 << 20) == [])
    }

    @Test("two members one after the other decompress to both", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func members() throws {
        let a = Array("first member\n".utf8), b = sampleLog(lines: 100)
        let joined = try GzipTool.compress(a, level: "-1") + GzipTool.compress(b, level: "-9")
        #expect(try Gzip.decompress(joined, limit: 1 << 20) == a + b)
        // Zero padding after the last member is accepted, anything else is not.
        #expect(try Gzip.decompress(joined + [0, 0, 0], limit: 1 << 20) == a + b)
        #expect(throws: GzipError.trailingGarbage) { try Gzip.decompress(joined + [0x41], limit: 1 << 20) }
    }

    @Test("fixed Huffman block written by hand: 'a' then EOB")
    func fixedBlock() throws {
        // BFINAL=1 BTYPE=01, literal 'a' (0x61 -> code 0x30+0x61 = 0x91, 8 bits), EOB (7 zero bits).
        let deflate: [UInt8] = [0x4B, 0x04, 0x00]
        var member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + deflate
        let crc = Array("a".utf8).withUnsafeBufferPointer { CRC32.checksum($0) }
        member += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24), 1, 0, 0, 0]
        #expect(try Gzip.decompress(member, limit: 16) == Array("a".utf8))
    }

    @Test("every truncation of a valid file throws, none crashes or hangs", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func truncations() throws {
        let compressed = try GzipTool.compress(sampleLog(lines: 300), level: "-9")
        for cut in stride(from: 0, to: compressed.count, by: max(1, compressed.count / 200)) {
            #expect(throws: GzipError.self) { try Gzip.decompress(Array(compressed[0..<cut]), limit: 1 << 20) }
        }
    }

    @Test("a flipped byte in the data or the trailer is an error, never a crash", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func corruption() throws {
        let original = sampleLog(lines: 300)
        let compressed = try GzipTool.compress(original, level: "-9")
        var state: UInt64 = 1
        for _ in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            var bad = compressed
            let at = 10 + Int(state >> 33) % (bad.count - 10)
            bad[at] ^= UInt8(truncatingIfNeeded: (state >> 20) | 1)
            // Either an error, or (rarely, where a flip lands on a bit deflate ignores) the same bytes.
            do {
                #expect(try Gzip.decompress(bad, limit: 1 << 20) == original)
            } catch {}
        }
        var trailer = compressed
        trailer[trailer.count - 5] ^= 0xFF  // ISIZE
        #expect(throws: GzipError.checksumMismatch) { try Gzip.decompress(trailer, limit: 1 << 20) }
    }

    @Test("garbage, a wrong method and reserved flags are refused")
    func garbage() {
        #expect(throws: GzipError.notGzip) { try Gzip.decompress(Array("plain text\n".utf8), limit: 1024) }
        #expect(throws: GzipError.notGzip) { try Gzip.decompress([], limit: 1024) }
        #expect(throws: GzipError.notGzip) { try Gzip.decompress([0x1F, 0x8B, 7, 0, 0, 0, 0, 0, 0, 3], limit: 1024) }
        #expect(throws: GzipError.badHeader("reserved flag bits set")) {
            try Gzip.decompress([0x1F, 0x8B, 8, 0xE0, 0, 0, 0, 0, 0, 3, 3, 0], limit: 1024)
        }
        // Block type 3 is reserved.
        #expect(throws: GzipError.corrupt("reserved block type 3")) {
            try Gzip.decompress([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0], limit: 1024)
        }
        // A stored block whose length and complement disagree.
        #expect(throws: GzipError.corrupt("stored block length check")) {
            try Gzip.decompress([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x01, 5, 0, 5, 0, 1, 2, 3, 4, 5], limit: 1024)
        }
    }

    @Test("a decompression bomb stops at the output limit", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func bomb() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        let compressed = try GzipTool.compress(zeros, level: "-9")
        #expect(compressed.count < 20_000)
        #expect(throws: GzipError.outputLimit(1 << 20)) { try Gzip.decompress(compressed, limit: 1 << 20) }
        #expect(try Gzip.decompress(compressed, limit: 8 << 20).count == 8 << 20)
    }
}
