public import Foundation
import Crypto

/// Verifies and creates Stripe webhook signatures.
///
/// The signed string is `"<t>.<raw body bytes>"`, HMAC-SHA256 keyed with the secret's UTF-8 bytes
/// (`whsec_` prefix included), in lowercase hex. Verification runs on the raw bytes before any parsing,
/// accepts any matching `v1` under any of several secrets (rotation), compares in constant time, and
/// checks the timestamp against an injected `now`.
public struct WebhookSignature: Sendable {
    /// The official SDKs' default: deliveries older than five minutes are rejected.
    public static let defaultTolerance: Duration = .seconds(300)
    /// How far in the future a timestamp may be (the sender's clock may run ahead of ours).
    public static let defaultFutureSkew: Duration = .seconds(30)

    /// The secrets to accept, newest first during a rotation.
    public var secrets: [String] {
        didSet { keyed = secrets.map(Self.keyed) }
    }
    public var tolerance: Duration
    public var futureSkew: Duration
    /// An HMAC already keyed with each secret: deriving the key pads, XORs and hashes two blocks, so it is done
    /// once per secret rather than once per delivery. Copies are independent (the hash state is copy-on-write).
    private var keyed: [HMAC<SHA256>]

    public init(
        secrets: [String], tolerance: Duration = Self.defaultTolerance, futureSkew: Duration = Self.defaultFutureSkew
    ) {
        self.secrets = secrets
        self.tolerance = tolerance
        self.futureSkew = futureSkew
        keyed = secrets.map(Self.keyed)
    }

    /// Throws unless `header` carries a valid `v1` signature of `payload` from a timestamp within bounds
    /// of `now`. Returns the parsed header.
    @discardableResult
    public func verify(
        payload: some DataProtocol, header: String?, now: Date
    ) throws(WebhookSignatureError) -> WebhookSignatureHeader {
        guard let header, !header.isEmpty else { throw .missingHeader }
        guard !secrets.isEmpty else { throw .noSecretsConfigured }
        let parsed = try WebhookSignatureHeader(parsing: header)
        let codes = parsed.v1Signatures.compactMap(Self.bytes(fromHex:))
        let matches = keyed.contains { hmac in
            let code = Self.authenticationCode(payload, keyed: hmac, timestamp: parsed.timestamp)
            // HashedAuthenticationCode's == against bytes is swift-crypto's constant-time comparison.
            return codes.contains { code == $0 }
        }
        guard matches else { throw .signatureMismatch }

        let nowSeconds = Int(now.timeIntervalSince1970.rounded(.down))
        let toleranceSeconds = Int(tolerance.components.seconds)
        let skewSeconds = Int(futureSkew.components.seconds)
        if nowSeconds - parsed.timestamp > toleranceSeconds {
            throw .staleTimestamp(ageSeconds: nowSeconds - parsed.timestamp, toleranceSeconds: toleranceSeconds)
        }
        if parsed.timestamp - nowSeconds > skewSeconds {
            throw .futureTimestamp(aheadSeconds: parsed.timestamp - nowSeconds, allowedSkewSeconds: skewSeconds)
        }
        return parsed
    }

    /// A `Stripe-Signature` header for `payload` at `timestamp`, with one `v1` per secret.
    public static func header(payload: some DataProtocol, secrets: [String], timestamp: Int) -> String {
        WebhookSignatureHeader(
            timestamp: timestamp,
            v1Signatures: secrets.map { signature(payload: payload, secret: $0, timestamp: timestamp) }
        ).headerValue
    }

    /// The lowercase hex `v1` signature of `payload` at `timestamp` under `secret`.
    public static func signature(payload: some DataProtocol, secret: String, timestamp: Int) -> String {
        HexDigit.lowercase(authenticationCode(payload, secret: secret, timestamp: timestamp))
    }

    private static func keyed(_ secret: String) -> HMAC<SHA256> {
        HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
    }

    /// HMAC-SHA256 of `"<timestamp>.<payload>"`, fed in two parts so the payload is never copied.
    static func authenticationCode(
        _ payload: some DataProtocol, secret: String, timestamp: Int
    ) -> HashedAuthenticationCode<SHA256> {
        authenticationCode(payload, keyed: keyed(secret), timestamp: timestamp)
    }

    private static func authenticationCode(
        _ payload: some DataProtocol, keyed: HMAC<SHA256>, timestamp: Int
    ) -> HashedAuthenticationCode<SHA256> {
        var hmac = keyed
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: payload)
        return hmac.finalize()
    }

    static func bytes(fromHex hex: String) -> [UInt8]? {
        hex.isEmpty ? nil : HexDigit.bytes(fromHex: hex)
    }

}
