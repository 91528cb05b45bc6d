/// The parsed `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`.
public struct WebhookSignatureHeader: Sendable, Hashable {
    /// When Stripe signed this delivery (each retry is signed afresh).
    public var timestamp: Int
    /// Every `v1` signature, one per active secret during rotation. `v0` and unknown schemes are dropped.
    public var v1Signatures: [String]

    public init(timestamp: Int, v1Signatures: [String]) {
        self.timestamp = timestamp
        self.v1Signatures = v1Signatures
    }

    /// Parses a header; `t` must be one unsigned integer, each element `key=value` with both sides non-empty.
    public init(parsing header: String) throws(WebhookSignatureError) {
        var timestamp: Int?
        var v1Signatures: [String] = []
        let elements = header.split(separator: ",", omittingEmptySubsequences: false)
        for element in elements {
            let parts = element.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .malformedHeader("element \"\(element.prefix(20))\" is not key=value")
            }
            let key = parts[0].trimmingSpaces, value = parts[1].trimmingSpaces
            guard !key.isEmpty, !value.isEmpty else {
                throw .malformedHeader("element \"\(element.prefix(20))\" has an empty key or value")
            }
            switch key {
            case "t":
                guard timestamp == nil else { throw .malformedHeader("more than one timestamp") }
                guard value.utf8.count <= 12, value.allSatisfy(\.isASCIIDigit), let seconds = Int(value) else {
                    throw .malformedHeader("timestamp is not a number of seconds")
                }
                timestamp = seconds
            case "v1":
                v1Signatures.append(String(value))
            default:
                continue  // v0 and schemes Stripe may add later carry no weight
            }
        }
        guard let timestamp else { throw .malformedHeader("no timestamp (t=)") }
        guard !v1Signatures.isEmpty else { throw .noV1Signature }
        self.timestamp = timestamp
        self.v1Signatures = v1Signatures
    }

    /// The header text, as Stripe sends it.
    public var headerValue: String {
        (["t=\(timestamp)"] + v1Signatures.map { "v1=\($0)" }).joined(separator: ",")
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
