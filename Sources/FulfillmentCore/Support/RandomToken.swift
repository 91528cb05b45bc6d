/// Unguessable tokens (entitlements, shipments, operator sessions, CSRF): bytes from the system's
/// cryptographically secure generator, as lowercase hex. One place for all of them: a UUID gave 122 bits and
/// made Foundation open /dev/urandom for each one, and `String(format:)` per byte cost more than the rest.
public enum RandomToken {
    /// `byteCount` random bytes as `2 * byteCount` lowercase hex digits.
    public static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(byteCount * 2)
        var bits: UInt64 = 0
        for index in 0..<byteCount {
            if index % 8 == 0 { bits = generator.next() }
            let byte = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index % 8)))
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
