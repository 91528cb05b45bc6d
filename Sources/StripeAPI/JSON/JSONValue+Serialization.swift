public import Foundation

extension JSONValue {
    /// Compact JSON text with object keys ordered as Stripe orders them: `id` and `object` first, the rest
    /// alphabetically. Deterministic, so equal values serialize to equal bytes.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The serialized text as UTF-8 bytes.
    public func serializedData() -> Data {
        Data(serializedBytes())
    }

    /// The serialized text as UTF-8 bytes, written byte by byte (the emulator serializes every object it
    /// serves and every event it delivers: building a `String` scalar by scalar was a fifth of its time).
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(to: &output)
        return output
    }

    /// Parses JSON bytes.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output += "null".utf8
        case .bool(let value): output += (value ? "true" : "false").utf8
        case .int(let value): output += String(value).utf8
        case .double(let value): output += (value.isFinite ? "\(value)" : "null").utf8
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in Self.stripeKeyOrder(members.keys).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key]!.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// `id`, then `object`, then the other keys in byte order (sorting the others alone: ranking every
    /// comparison showed in the emulator's profile).
    private static func stripeKeyOrder(_ keys: Dictionary<String, JSONValue>.Keys) -> [String] {
        var ordered: [String] = []
        ordered.reserveCapacity(keys.count)
        var others: [String] = []
        others.reserveCapacity(keys.count)
        for key in keys where key != "id" && key != "object" { others.append(key) }
        if keys.contains("id") { ordered.append("id") }
        if keys.contains("object") { ordered.append("object") }
        // By UTF-8 bytes (Unicode scalar order): the same order as String's for every key Stripe uses, without
        // its Unicode-aware comparison, which showed in the emulator's profile.
        others.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return ordered + others
    }

    /// A JSON string: `"`, `\\` and control characters escaped, and U+2028 and U+2029 too (JavaScript
    /// reads them as line ends); every other byte of the UTF-8 copied as it is.
    private static func writeString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var utf8 = value.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "\""): output += #"\""#.utf8
            case UInt8(ascii: "\\"): output += #"\\"#.utf8
            case UInt8(ascii: "\n"): output += #"\n"#.utf8
            case UInt8(ascii: "\r"): output += #"\r"#.utf8
            case UInt8(ascii: "\t"): output += #"\t"#.utf8
            case 0..<0x20:
                output += #"\u00"#.utf8
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                guard let second = utf8.next() else {
                    output.append(byte)
                    continue
                }
                guard second == 0x80, let third = utf8.next() else {
                    output += [byte, second]
                    continue
                }
                switch third {
                case 0xA8: output += #"\u2028"#.utf8
                case 0xA9: output += #"\u2029"#.utf8
                default: output += [byte, second, third]
                }
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
