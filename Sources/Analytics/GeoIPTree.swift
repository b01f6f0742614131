/// The search tree of a MaxMind DB file: `nodeCount` nodes of two records each, from the start of the file.
struct GeoIPTree {
    /// The number of nodes; a record holding it means "no data", a larger one points into the data section.
    let nodeCount: Int
    /// The bits in each record: 24, 28 or 32.
    let recordSize: Int

    /// Follows the last `bits` bits of `address`, most significant first, from node `start`; returns the record
    /// reached, which is below the node count only when the tree is deeper than `bits`.
    @inline(__always)
    func walk(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, address: UInt128, bits: Int) -> Int {
        var node = start
        var bit = bits - 1
        while node < nodeCount && bit >= 0 {
            node = record(buffer, node: node, right: (address >> bit) & 1 == 1)
            bit -= 1
        }
        return node
    }

    /// The left or right record of `node`, which must be below the node count (the metadata check keeps the whole
    /// tree inside the file).
    @inline(__always)
    func record(_ buffer: UnsafeBufferPointer<UInt8>, node: Int, right: Bool) -> Int {
        switch recordSize {
        case 24:
            let offset = node * 6 + (right ? 3 : 0)
            return Int(buffer[offset]) << 16 | Int(buffer[offset + 1]) << 8 | Int(buffer[offset + 2])
        case 28:
            // | left 23..0 | left 27..24, right 27..24 | right 23..0 |
            let offset = node * 7
            let middle = Int(buffer[offset + 3])
            if right {
                return (middle & 0x0F) << 24 | Int(buffer[offset + 4]) << 16 | Int(buffer[offset + 5]) << 8
                    | Int(buffer[offset + 6])
            }
            return (middle & 0xF0) << 20 | Int(buffer[offset]) << 16 | Int(buffer[offset + 1]) << 8
                | Int(buffer[offset + 2])
        default:
            let offset = node * 8 + (right ? 4 : 0)
            return Int(buffer[offset]) << 24 | Int(buffer[offset + 1]) << 16 | Int(buffer[offset + 2]) << 8
                | Int(buffer[offset + 3])
        }
    }
}
