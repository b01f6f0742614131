/// Writes a ZIP archive (PKWARE APPNOTE 6.3) of stored, uncompressed files: small, dependency-free, and readable
/// by every unzip tool. Names are UTF-8 (general purpose flag bit 11).
struct ZipArchive {
    private var output: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    /// MS-DOS time and date of the entries.
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// - Parameter modified: When the files were made (milliseconds since 1970, UTC).
    init(modified: Int64) {
        let day = modified / 86_400_000
        let (year, month, dayOfMonth) = CivilDate.components(of: day)
        let seconds = (modified / 1000) % 86_400
        dosTime = UInt16(seconds / 3600) << 11 | UInt16(seconds % 3600 / 60) << 5 | UInt16(seconds % 60 / 2)
        dosDate = UInt16(max(0, year - 1980)) << 9 | UInt16(month) << 5 | UInt16(dayOfMonth)
    }

    /// Adds a file.
    mutating func add(_ name: String, _ contents: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(contents)
        let offset = UInt32(output.count)
        // Local file header.
        append32(&output, 0x0403_4b50)
        append16(&output, 20)  // version needed
        append16(&output, 0x0800)  // UTF-8 names
        append16(&output, 0)  // stored
        append16(&output, dosTime)
        append16(&output, dosDate)
        append32(&output, crc)
        append32(&output, UInt32(contents.count))
        append32(&output, UInt32(contents.count))
        append16(&output, UInt16(nameBytes.count))
        append16(&output, 0)
        output += nameBytes
        output += contents
        // Central directory entry.
        append32(&central, 0x0201_4b50)
        append16(&central, 0x0314)  // made by: Unix, 2.0
        append16(&central, 20)
        append16(&central, 0x0800)
        append16(&central, 0)
        append16(&central, dosTime)
        append16(&central, dosDate)
        append32(&central, crc)
        append32(&central, UInt32(contents.count))
        append32(&central, UInt32(contents.count))
        append16(&central, UInt16(nameBytes.count))
        append16(&central, 0)  // extra
        append16(&central, 0)  // comment
        append16(&central, 0)  // disk
        append16(&central, 0)  // internal attributes
        append32(&central, 0o100644 << 16)  // external attributes: a regular file, rw-r--r--
        append32(&central, offset)
        central += nameBytes
        count += 1
    }

    /// The finished archive.
    func bytes() -> [UInt8] {
        var result = output + central
        append32(&result, 0x0605_4b50)
        append16(&result, 0)
        append16(&result, 0)
        append16(&result, UInt16(count))
        append16(&result, UInt16(count))
        append32(&result, UInt32(central.count))
        append32(&result, UInt32(output.count))
        append16(&result, 0)
        return result
    }

    private func append16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes.append(UInt8(value & 0xff))
        bytes.append(UInt8(value >> 8))
    }

    private func append32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xff)) }
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 (IEEE 802.3), as ZIP uses it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
