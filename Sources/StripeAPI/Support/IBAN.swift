/// An IBAN checked as ISO 13616 defines it and as Stripe checks it (country letters, check digits, 11 to 30
/// letters or digits, the whole number 1 modulo 97): the service refuses a mistyped account before anything
/// reaches Stripe, and the emulator refuses it as Stripe does. Hand-written: no Swift package in reach checks
/// IBANs, and the rule is a few lines.
public struct IBAN: Sendable, Hashable, CustomStringConvertible {
    /// Upper case, without spaces.
    public let normalized: String

    public init?(_ text: String) {
        let compact = text.filter { $0 != " " }.uppercased()
        guard (15...34).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let characters = Array(compact)
        guard characters[0].isLetter, characters[1].isLetter, characters[2].isNumber, characters[3].isNumber else { return nil }
        var remainder = 0
        for character in characters[4...] + characters[..<4] {
            let value = character.isNumber ? Int(String(character))! : Int(character.asciiValue! - Character("A").asciiValue!) + 10
            remainder = (value < 10 ? remainder * 10 + value : remainder * 100 + value) % 97
        }
        guard remainder == 1 else { return nil }
        normalized = compact
    }

    /// The account's country (its first two letters).
    public var country: String { String(normalized.prefix(2)) }
    public var description: String { normalized }
}
