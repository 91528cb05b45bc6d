/// Hexadecimal digits, read and written: the value of one digit (either case) for the places that read hex
/// (signatures, percent-encoding, JSON `\\u` escapes), and lowercase hex for the places that write it
/// (signatures, tokens, JSON escapes). Package access: not part of the public API.
package enum HexDigit {
    package static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The lowercase digit of each value 0-15, as UTF-8.
    package static let lowercaseDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex, two digits a byte.
    package static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            hex.append(lowercaseDigits[Int(byte >> 4)])
            hex.append(lowercaseDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The bytes that hex text spells (two digits a byte, either case), or `nil` when it is not hex. Reads a
    /// native string's UTF-8 in place: the webhook signature's digits are read on every delivery.
    package static func bytes(fromHex hex: some StringProtocol) -> [UInt8]? {
        if let bytes = hex.utf8.withContiguousStorageIfAvailable(decode) { return bytes }
        return Array(hex.utf8).withUnsafeBufferPointer(decode)
    }

    private static func decode(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
