/// Decodes Stripe-style form bodies and query strings into a `FormValue` tree (the emulator's side).
///
/// Accepts both array forms clients send: `expand[]=a&expand[]=b` and the indexed `expand[0]=a`
/// that the official SDKs use. For `line_items[][price]=p&line_items[][quantity]=1` a new element starts
/// when a key repeats within the current one (Rack's rule), so each line keeps its own fields.
public enum FormDecoder {
    /// Why a body could not be decoded; `message` is fit to show a client.
    public struct DecodingError: Error, Sendable, Hashable {
        public var message: String
        /// The offending parameter, when one is to blame.
        public var param: String?
    }

    /// Decodes `a=1&b[c]=2`; an empty string is an empty object.
    public static func decode(_ body: String) throws(DecodingError) -> FormValue {
        var root = Node.map(keys: [], members: [:])
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try unescape(String(parts[0]))
            let value = parts.count > 1 ? try unescape(String(parts[1])) : ""
            let path = try segments(of: key)
            try root.insert(path[...], value: value, fullKey: key)
        }
        return root.formValue
    }

    /// Splits `line_items[0][price]` into `["line_items", "0", "price"]`; `[]` gives an empty segment.
    static func segments(of key: String) throws(DecodingError) -> [String] {
        guard let open = key.firstIndex(of: "[") else {
            guard !key.isEmpty, !key.contains("]") else { throw malformed(key) }
            return [key]
        }
        let head = String(key[..<open])
        guard !head.isEmpty else { throw malformed(key) }
        var result = [head]
        var rest = key[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { throw malformed(key) }
            let segment = rest[rest.index(after: rest.startIndex)..<close]
            guard !segment.contains("[") else { throw malformed(key) }
            result.append(String(segment))
            rest = rest[rest.index(after: close)...]
        }
        return result
    }

    static func unescape(_ string: String) throws(DecodingError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count)
        var iterator = string.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value) else {
                    throw DecodingError(message: "The request body has an invalid percent escape.", param: nil)
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw DecodingError(message: "The request body is not valid UTF-8.", param: nil)
        }
        return decoded
    }


    static func malformed(_ key: String) -> DecodingError {
        DecodingError(message: "Invalid parameter name: \(key)", param: key)
    }
}

extension FormDecoder {
    /// The tree under construction: objects keep insertion order; `[]` appends to a list.
    fileprivate indirect enum Node {
        case leaf(String)
        case list([Node])
        case map(keys: [String], members: [String: Node])

        mutating func insert(_ path: ArraySlice<String>, value: String, fullKey: String) throws(DecodingError) {
            guard let head = path.first else {
                self = .leaf(value)
                return
            }
            let rest = path.dropFirst()
            if head.isEmpty {
                guard case .list(var elements) = self else { throw conflict(fullKey) }
                if rest.isEmpty {
                    elements.append(.leaf(value))
                } else if var last = elements.last, case .map = last, !last.holds(rest) {
                    try last.insert(rest, value: value, fullKey: fullKey)
                    elements[elements.count - 1] = last
                } else {
                    var element = Node.empty(for: rest)
                    try element.insert(rest, value: value, fullKey: fullKey)
                    elements.append(element)
                }
                self = .list(elements)
            } else {
                guard case .map(var keys, var members) = self else { throw conflict(fullKey) }
                var child: Node
                if let existing = members[head] {
                    child = existing
                } else {
                    keys.append(head)
                    child = Node.empty(for: rest)
                }
                if case .leaf = child, !rest.isEmpty { throw conflict(fullKey) }
                try child.insert(rest, value: value, fullKey: fullKey)
                members[head] = child
                self = .map(keys: keys, members: members)
            }
        }

        /// Whether a value already sits at `path` (then `[]` starts a new element).
        func holds(_ path: ArraySlice<String>) -> Bool {
            guard let head = path.first else { return true }
            switch self {
            case .leaf: return true
            case .list: return head.isEmpty ? false : true
            case .map(_, let members):
                guard let child = members[head] else { return false }
                return child.holds(path.dropFirst())
            }
        }

        static func empty(for rest: ArraySlice<String>) -> Node {
            guard let next = rest.first else { return .leaf("") }
            return next.isEmpty ? .list([]) : .map(keys: [], members: [:])
        }

        /// Objects whose keys are all indices (`expand[0]`, `line_items[1][price]`) become arrays.
        var formValue: FormValue {
            switch self {
            case .leaf(let value): return .string(value)
            case .list(let elements): return .array(elements.map(\.formValue))
            case .map(let keys, let members):
                let indices = keys.compactMap { key in key.allSatisfy(\.isASCII) ? Int(key) : nil }
                if !keys.isEmpty, indices.count == keys.count, indices.allSatisfy({ $0 >= 0 }) {
                    return .array(zip(indices, keys).sorted { $0.0 < $1.0 }.map { members[$0.1]!.formValue })
                }
                return .object(keys.map { FormField($0, members[$0]!.formValue) })
            }
        }

        private func conflict(_ key: String) -> DecodingError {
            DecodingError(message: "Invalid parameter: \(key) mixes a value and a nested object.", param: key)
        }
    }
}
