import Foundation
import NIOSSL
public import PostgresNIO

/// Where the PostgreSQL store connects, from `DATABASE_URL`:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...&sslrootcert=PATH&max_connections=N]`
/// (`postgresql://` too). User and password are percent-decoded.
///
/// TLS follows libpq's `sslmode`: `disable` (plain TCP), `prefer` (the default: TLS if the server offers it,
/// without checking its certificate), `require` (TLS or nothing, certificate not checked), `verify-ca`
/// (TLS with a certificate signed by a trusted authority) and `verify-full` (that, and the certificate names
/// the host). `sslrootcert` names a PEM file of authorities to trust instead of the system's.
public struct PostgresStoreConfiguration: Sendable {
    public var client: PostgresClient.Configuration
    /// The URL with its password hidden, for logs and messages.
    public var redactedURL: String

    public init(url: String) throws(PostgresURLError) {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
            let components = URLComponents(string: url), let host = components.host, !host.isEmpty
        else { throw PostgresURLError("DATABASE_URL must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("DATABASE_URL needs a user name") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw PostgresURLError("DATABASE_URL needs a database name") }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] { options[item.name] = item.value ?? "" }
        let known: Set = ["sslmode", "sslrootcert", "max_connections"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresURLError("DATABASE_URL: unknown option \(unknown) (known: \(known.sorted().joined(separator: ", ")))")
        }
        let tls = try Self.tls(mode: options["sslmode"] ?? "prefer", rootCertificates: options["sslrootcert"])
        var client = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password, database: database,
            tls: tls)
        if let text = options["max_connections"] {
            guard let count = Int(text), (2...500).contains(count) else {
                throw PostgresURLError("DATABASE_URL: max_connections must be a number from 2 to 500")
            }
            client.options.maximumConnections = count
        }
        self.client = client
        var redacted = components
        if redacted.password != nil { redacted.password = "***" }
        redactedURL = redacted.string ?? "postgres://\(host)/\(database)"
    }

    static func tls(mode: String, rootCertificates: String?) throws(PostgresURLError) -> PostgresClient.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let rootCertificates { configuration.trustRoots = .file(rootCertificates) }
        switch mode {
        case "disable":
            return .disable
        case "prefer":
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case "require":
            configuration.certificateVerification = .none
            return .require(configuration)
        case "verify-ca":
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        case "verify-full":
            return .require(configuration)
        default:
            throw PostgresURLError("DATABASE_URL: sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
    }
}

/// A `DATABASE_URL` that does not name a PostgreSQL database the store can use, with what to fix.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
