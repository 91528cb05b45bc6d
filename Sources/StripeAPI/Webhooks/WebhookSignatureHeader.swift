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
    /// Works on the UTF-8 bytes: the header is ASCII, and this runs on every webhook delivery.
    public init(parsing header: String) throws(WebhookSignatureError) {
        var timestamp: Int?
        var v1Signatures: [String] = []
        let bytes = Array(header.utf8)
        for element in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let shown = String(decoding: element.prefix(20), as: UTF8.self)
            guard let equals = element.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformedHeader("element \"\(shown)\" is not key=value")
            }
            let key = element[..<equals].trimmingSpaces, value = element[(equals + 1)...].trimmingSpaces
            guard !key.isEmpty, !value.isEmpty else {
                throw .malformedHeader("element \"\(shown)\" has an empty key or value")
            }
            if key.elementsEqual("t".utf8) {
                guard timestamp == nil else { throw .malformedHeader("more than one timestamp") }
                guard value.count <= 12, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                    throw .malformedHeader("timestamp is not a number of seconds")
                }
                timestamp = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            } else if key.elementsEqual("v1".utf8) {
                v1Signatures.append(String(decoding: value, as: UTF8.self))
            }
            // v0 and schemes Stripe may add later carry no weight.
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

extension ArraySlice<UInt8> {
    fileprivate var trimmingSpaces: ArraySlice<UInt8> {
        var result = self
        while result.first == UInt8(ascii: " ") { result = result.dropFirst() }
        while result.last == UInt8(ascii: " ") { result = result.dropLast() }
        return result
    }
}
