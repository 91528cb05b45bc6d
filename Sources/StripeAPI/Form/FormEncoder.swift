/// Encodes parameters as Stripe expects them: `application/x-www-form-urlencoded` with bracket keys.
///
/// Objects nest as `metadata[order_id]=42`; arrays of strings as `expand[]=line_items`; arrays of objects
/// with indices, so that each element's fields stay together (`line_items[0][price]=price_1`); an empty
/// array as `key=` (Stripe's way to clear a list).
public enum FormEncoder {
    /// The encoded body or query string (without a leading `?`).
    public static func encode(_ value: FormValue) -> String {
        pairs(value).map { "\(escape($0.key, isKey: true))=\(escape($0.value, isKey: false))" }
            .joined(separator: "&")
    }

    /// The flat `(key, value)` pairs, unescaped, in order.
    public static func pairs(_ value: FormValue) -> [(key: String, value: String)] {
        var output: [(key: String, value: String)] = []
        guard case .object(let fields) = value else { return output }
        for field in fields {
            append(field.value, key: field.key, to: &output)
        }
        return output
    }

    private static func append(_ value: FormValue, key: String, to output: inout [(key: String, value: String)]) {
        switch value {
        case .string(let string):
            output.append((key, string))
        case .object(let fields):
            for field in fields {
                append(field.value, key: "\(key)[\(field.key)]", to: &output)
            }
        case .array(let elements):
            if elements.isEmpty {
                output.append((key, ""))
            }
            let scalarsOnly = elements.allSatisfy { if case .string = $0 { true } else { false } }
            for (index, element) in elements.enumerated() {
                append(element, key: scalarsOnly ? "\(key)[]" : "\(key)[\(index)]", to: &output)
            }
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (and brackets in keys, which
    /// Stripe's own documentation writes literally).
    static func escape(_ string: String, isKey: Bool) -> String {
        var output = ""
        output.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "[") where isKey, UInt8(ascii: "]") where isKey:
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%"
                output += hexDigit(byte >> 4)
                output += hexDigit(byte & 0x0F)
            }
        }
        return output
    }

    private static func hexDigit(_ nibble: UInt8) -> String {
        String(UnicodeScalar(nibble < 10 ? 48 + nibble : 55 + nibble))
    }
}
