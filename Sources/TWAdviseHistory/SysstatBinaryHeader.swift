/// The first bytes of a binary sysstat file (`saDD`, written by `sadc`): `struct file_magic` of sysstat's
/// `sa.h`, `sysstat_magic` 0xd596, then `format_magic`, then the version of sysstat that made the file.
///
/// The format magic changes whenever the layout of the file changes; a `sadf` reads only its own (12.x:
/// 0x2175, in use since 11.7.1) and refuses the others ("Current sysstat version cannot read the format of this
/// file (0x2173)"; `sadf -c` converts 0x2171 and 0x2173 files). A file made on a host of the other byte order
/// has its magic swapped (0x96d5); sadf 12 reads it.
package struct SysstatBinaryHeader: Sendable, Hashable, CustomStringConvertible {
    /// `SYSSTAT_MAGIC`.
    package static let sysstatMagic: UInt16 = 0xD596
    /// `FORMAT_MAGIC` of sysstat 11.7.1 to 12.x (12.6.1 installed here writes and reads it).
    package static let currentFormat: UInt16 = 0x2175

    /// The format magic, in the byte order of the host that wrote the file.
    package var formatMagic: UInt16
    /// Whether the file was written on a host of the other byte order (big-endian, read here).
    package var swapped: Bool
    /// The version of sysstat that made the file, as the header says (`12.6.1`).
    package var version: String

    /// The header of `bytes` (the file's first bytes, at least 4), or `nil` when they are no sysstat magic.
    package init?(_ bytes: [UInt8]) {
        guard bytes.count >= 4 else { return nil }
        let little = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        switch little {
        case Self.sysstatMagic: swapped = false
        case Self.sysstatMagic.byteSwapped: swapped = true
        default: return nil
        }
        let format = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
        formatMagic = swapped ? format.byteSwapped : format
        version = bytes.count >= 7 ? "\(bytes[4]).\(bytes[5]).\(bytes[6])" : "unknown"
    }

    /// Whether the installed `sadf` (12.x) reads this format directly.
    package var isCurrentFormat: Bool { formatMagic == Self.currentFormat }

    /// `format 0x2175 (sysstat 12.6.1)`, with `, other byte order` when swapped.
    package var description: String {
        let hex = String(formatMagic, radix: 16)
        return "format 0x\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) (sysstat \(version)\(swapped ? ", other byte order" : ""))"
    }
}
