public import Foundation

extension JSONValue {
    /// Compact JSON text with object keys ordered as Stripe orders them: `id` and `object` first, the rest
    /// alphabetically. Deterministic, so equal values serialize to equal bytes.
    public func serialized() -> String {
        var output = ""
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    /// The serialized text as UTF-8 bytes.
    public func serializedData() -> Data {
        Data(serialized().utf8)
    }

    /// Parses JSON bytes.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in Self.stripeKeyOrder(members.keys).enumerated() {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    private static func stripeKeyOrder(_ keys: Dictionary<String, JSONValue>.Keys) -> [String] {
        keys.sorted { lhs, rhs in
            let lhsRank = rank(lhs), rhsRank = rank(rhs)
            return lhsRank != rhsRank ? lhsRank < rhsRank : lhs < rhs
        }
    }

    private static func rank(_ key: String) -> Int {
        switch key {
        case "id": 0
        case "object": 1
        default: 2
        }
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
