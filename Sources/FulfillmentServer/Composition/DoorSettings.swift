import Foundation

/// How the service's guarded doors are budgeted (`ServiceConfiguration.doors`). Tests lower them; operators
/// change what the settings expose (`TRUSTED_PROXIES`, `ORDER_RATE_LIMIT`).
public struct DoorSettings: Sendable, Hashable {
    /// Addresses and networks of the proxies allowed to name the client (`X-Forwarded-For`) and the scheme
    /// (`X-Forwarded-Proto`): `TRUSTED_PROXIES`, comma-separated (`10.0.0.0/8, ::1`).
    public var trustedProxies: [String] = []
    /// Wrong attempts at a credential (the console password, `ADMIN_TOKEN`, `METRICS_TOKEN`, `ORDER_API_KEY`)
    /// a client may make before it is locked out; the first lockout's length (doubling each time in a row, up
    /// to `longestLockout`).
    public var attemptsPerClient = 5
    public var lockout: Duration = .seconds(300)
    public var longestLockout: Duration = .seconds(3600)
    /// Attempts at one credential across all clients: a burst, refilled per minute.
    public var attemptsBurst = 20
    public var attemptsPerMinute = 10.0
    /// How long a refused attempt waits for its answer (a guesser that waits gets one try per pause).
    public var refusalPause: Duration = .seconds(1)
    /// Orders created without the order API key, per minute, per client and in all (`ORDER_RATE_LIMIT`);
    /// bursts of the same size.
    public var ordersPerClientPerMinute = 10
    public var ordersPerMinute = 600
    /// How long after a purchase was first recorded its buyer's browser may claim its personal details, and
    /// how long the claim (a signed cookie) lasts.
    public var buyerClaimWindow: Duration = .seconds(3600)
    public var buyerCookieLifetime: Duration = .seconds(3600)

    public init() {}

    /// Parses `TRUSTED_PROXIES`: IP addresses or networks, comma-separated.
    public static func trustedProxies(parsing text: String) throws -> [String] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            _ = try TrustedProxies(setting: entries.joined(separator: ","), publicURLIsHTTPS: false)
        } catch {
            throw ConfigurationError("TRUSTED_PROXIES: \(error.description)")
        }
        return entries
    }

    /// Parses `ORDER_RATE_LIMIT`: `CLIENT,TOTAL`, orders per minute.
    public static func orderRateLimit(parsing text: String) throws -> (perClient: Int, total: Int) {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let perClient = parts[0], let total = parts[1], perClient >= 1, total >= perClient else {
            throw ConfigurationError(
                "ORDER_RATE_LIMIT must be CLIENT,TOTAL: orders per minute per client and in all, e.g. 10,600 (got \(text.prefix(40))).")
        }
        return (perClient, total)
    }
}
