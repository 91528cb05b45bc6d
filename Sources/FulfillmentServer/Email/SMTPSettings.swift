import Foundation

/// Where and how SMTP mail leaves, from `EMAIL_URL`:
/// `smtp://[USER:PASSWORD@]HOST[:PORT][?tls=none][&ca=PATH]` (STARTTLS, required unless `tls=none`; port 587
/// by default) or `smtps://[USER:PASSWORD@]HOST[:PORT]` (TLS from the first byte; port 465). With a user, the
/// transport authenticates (AUTH PLAIN, or LOGIN when that is all the server offers). `ca` names a PEM file of
/// certificate authorities to trust instead of the system's (a private relay). The password never prints:
/// `description` redacts it.
public struct SMTPSettings: Sendable, Hashable, CustomStringConvertible {
    public enum Security: String, Sendable, Hashable {
        /// Plain connection upgraded with STARTTLS before anything is sent; a server without it is refused.
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`).
        case implicitTLS = "tls"
        /// No TLS at all (`?tls=none`): a loopback relay or a test server.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// PEM file of the certificate authorities to trust (default: the system's).
    public var caFile: String?
    /// `?from=` in the URL: overrides `EMAIL_FROM` (kept for older configurations).
    public var from: String?

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil,
        caFile: String? = nil, from: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.from = from
    }

    /// Parses `EMAIL_URL`; the error names the setting and what it accepts.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else {
            throw ConfigurationError(
                "EMAIL_URL must be folder:PATH, smtp://[USER:PASSWORD@]HOST[:PORT][?tls=none] or smtps://[USER:PASSWORD@]HOST[:PORT]")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let unknown = Set(query.keys).subtracting(["tls", "ca", "from"])
        guard unknown.isEmpty else {
            throw ConfigurationError("EMAIL_URL: unknown option \(unknown.sorted().joined(separator: ", ")) (tls, ca, from)")
        }
        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLS
        if let tls = query["tls"] {
            switch (scheme, tls) {
            case ("smtp", "none"): security = .none
            case ("smtp", "starttls"): security = .startTLS
            default: throw ConfigurationError("EMAIL_URL: tls must be none or starttls for smtp:// (smtps:// is always TLS)")
            }
        }
        if let ca = query["ca"], !FileManager.default.isReadableFile(atPath: ca) {
            throw ConfigurationError("EMAIL_URL: ca=\(ca) is not a readable PEM file")
        }
        self.init(
            host: host, port: components.port ?? (scheme == "smtps" ? 465 : 587), security: security,
            username: components.user?.removingPercentEncoding, password: components.password?.removingPercentEncoding,
            caFile: query["ca"], from: query["from"])
    }

    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { "\($0):***@" } ?? ""
        return "\(scheme)://\(user)\(host):\(port)" + (security == .none ? "?tls=none" : "")
    }
}
