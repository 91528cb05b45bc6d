import Crypto
import Foundation

/// The id of a fact the service tells someone about (a merchant notification `fev_...`, an action's effect
/// `act_...`): derived from what the fact is, so that however many Stripe events bring it, it is queued
/// once and keeps its id on every retry. SHA-256 of the parts joined by NUL, its first 12 bytes in hex.
public enum FactID {
    public static func make(prefix: String, _ parts: String...) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{0}").utf8))
        return prefix + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
