import Foundation

/// Where the merchant's notifications go (`MERCHANT_WEBHOOK_URL`) and the secret they are signed with
/// (`MERCHANT_WEBHOOK_SECRET`).
public struct MerchantWebhookSetting: Sendable, Hashable {
    public var url: String
    public var secret: String

    /// Checks the pair: an http(s) URL with a host, and a secret of at least 16 characters (a short one would
    /// make the signature guessable).
    public init(url: String, secret: String?) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", !(components.host ?? "").isEmpty
        else {
            throw ConfigurationError("MERCHANT_WEBHOOK_URL must be an http:// or https:// URL with a host (got \(url.prefix(80))).")
        }
        guard let secret, secret.count >= 16 else {
            throw ConfigurationError("MERCHANT_WEBHOOK_SECRET must be set, at least 16 characters, when MERCHANT_WEBHOOK_URL is.")
        }
        self.url = url
        self.secret = secret
    }
}
