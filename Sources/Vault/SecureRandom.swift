import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cryptographically secure random bytes from the kernel, fetched a page at a time.
///
/// Swift's `SystemRandomNumberGenerator` (and swift-crypto's keys and nonces built on it) makes one system call
/// per eight bytes; sealing one person's data (a key, three nonces, ids) made fourteen. Here sixteen `getentropy`
/// calls fill a 4 KiB pool that serves many requests; every byte handed out is wiped from the pool, so a random value
/// exists only where it was asked for. Steward never forks, so the pool is never shared between processes.
enum SecureRandom {
    private struct Pool: ~Copyable {
        let bytes: UnsafeMutableRawBufferPointer
        var next: Int

        init(size: Int) {
            bytes = .allocate(byteCount: size, alignment: 16)
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
            next = size
        }

        deinit {
            bytes.deallocate()
        }

        /// `count` fresh bytes, wiped from the pool.
        mutating func take(_ count: Int) -> [UInt8] {
            [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
                var written = 0
                while written < count {
                    if next == bytes.count { refill() }
                    let chunk = min(count - written, bytes.count - next)
                    let source = UnsafeMutableRawBufferPointer(rebasing: bytes[next..<next + chunk])
                    UnsafeMutableRawBufferPointer(
                        rebasing: UnsafeMutableRawBufferPointer(target)[written..<written + chunk]
                    )
                    .copyMemory(from: UnsafeRawBufferPointer(source))
                    source.initializeMemory(as: UInt8.self, repeating: 0)
                    next += chunk
                    written += chunk
                }
                initialized = count
            }
        }

        private mutating func refill() {
            var filled = 0
            while filled < bytes.count {
                // getentropy: the kernel's getrandom, at most 256 bytes a call.
                let chunk = min(256, bytes.count - filled)
                guard getentropy(bytes.baseAddress! + filled, chunk) == 0 else {
                    preconditionFailure("the system's random number generator failed: errno \(errno)")
                }
                filled += chunk
            }
            next = 0
        }
    }

    private static let pool = Mutex(Pool(size: 4096))

    /// `count` random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        pool.withLock { $0.take(count) }
    }

    /// A random 64-bit value.
    static func uint64() -> UInt64 {
        var bytes = bytes(8)
        defer { bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}
