/// Why a webhook's signature was rejected. Each case is a distinct, loggable reason; none reveals a secret.
public enum WebhookSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No `Stripe-Signature` header.
    case missingHeader
    /// The header is not `t=...,v1=...`: the detail says what is wrong.
    case malformedHeader(String)
    /// The header has a timestamp but no `v1` signature (for example only `v0`).
    case noV1Signature
    /// The timestamp is older than the tolerance: a replay, or a delivery held back too long.
    case staleTimestamp(ageSeconds: Int, toleranceSeconds: Int)
    /// The timestamp is further in the future than the allowed clock skew.
    case futureTimestamp(aheadSeconds: Int, allowedSkewSeconds: Int)
    /// No `v1` signature matches the payload under any configured secret.
    case signatureMismatch
    /// The receiver has no secret to verify with.
    case noSecretsConfigured

    public var description: String {
        switch self {
        case .missingHeader: "missing Stripe-Signature header"
        case .malformedHeader(let detail): "malformed Stripe-Signature header: \(detail)"
        case .noV1Signature: "Stripe-Signature header has no v1 signature"
        case .staleTimestamp(let age, let tolerance):
            "timestamp is \(age) s old, outside the tolerance of \(tolerance) s"
        case .futureTimestamp(let ahead, let skew):
            "timestamp is \(ahead) s in the future, beyond the allowed skew of \(skew) s"
        case .signatureMismatch: "no signature matches the payload"
        case .noSecretsConfigured: "no webhook signing secret is configured"
        }
    }
}
