import StripeAPI

/// Unguessable tokens (entitlements, shipments, operator sessions, CSRF): bytes from the system's
/// cryptographically secure generator, as lowercase hex. One place for all of them: a UUID gave 122 bits and
/// made Foundation open /dev/urandom for each one, and `String(format:)` per byte cost more than the rest.
public enum RandomToken {
    /// `byteCount` random bytes as `2 * byteCount` lowercase hex digits.
    public static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount + 7)
        // Eight bytes a draw: each draw is a call into the system's generator.
        while bytes.count < byteCount {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        return HexDigit.lowercase(bytes.prefix(byteCount))
    }
}
