extension Unicode.Scalar {
    /// Whether the scalar is a control character (Unicode category Cc: C0, DEL and C1), decided without the
    /// slower Unicode property lookup.
    var isControl: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value)
    }
}
