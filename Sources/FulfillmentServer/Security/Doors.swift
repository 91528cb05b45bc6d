import Foundation
import FulfillmentCore
import HTTPTypes
import StripeAPI
import Hummingbird
import Logging

/// The service's guarded doors, shared by its routes: who the client is (`TRUSTED_PROXIES`), a throttle per
/// credential (the console password, `ADMIN_TOKEN`, `METRICS_TOKEN`, `ORDER_API_KEY`), the budget of orders
/// anyone may create, the pause before a refusal, and the audit of refusals at the console's doors.
struct Doors: Sendable {
    let proxies: TrustedProxies
    let consolePassword: CredentialThrottle
    let consoleToken: CredentialThrottle
    let metricsToken: CredentialThrottle
    let orderKey: CredentialThrottle
    /// `POST /api/orders` without the order API key (each creates an object at Stripe).
    let publicOrders: RequestBudget
    let pause: RefusalPause
    let audit: RefusalAudit
    let metrics: ServiceMetrics
    let logger: Logger

    /// Who is asking.
    func client(_ request: Request, _ context: some RequestContext) -> RequestClient {
        proxies.client(peer: (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress, headers: request.headers)
    }

    /// What a bearer token at a throttled door came to.
    enum BearerCheck: Sendable, Equatable {
        /// No `Authorization` header: the caller asked without credentials (not a guess).
        case absent
        case accepted
        /// A wrong token: 401.
        case wrong
        /// Too many wrong attempts (this client's, or everyone's at this door): 429 after the pause.
        case tooMany(retryAfter: Int)
    }

    /// Checks `Authorization: Bearer` against `expected` at `door`, paying for the attempt first. `name` names
    /// the door in metrics, logs and (with `audited`) the console's audit log.
    func checkBearer(
        _ request: Request, client: RequestClient, expected: String?, door: CredentialThrottle, name: String, audited: Bool = false,
        now: Date
    ) async -> BearerCheck {
        guard BearerToken.isPresent(request.headers) else { return .absent }
        switch door.admit(client: client.address, now: now) {
        case .refused(let retryAfter, let reason):
            await refused(name, client: client, reason: reason.rawValue, audited: audited)
            return .tooMany(retryAfter: retryAfter)
        case .admitted:
            if let expected, BearerToken.matches(request.headers, expected) {
                door.succeeded(client: client.address, now: now)
                return .accepted
            }
            if let lockout = door.failed(client: client.address, now: now) { await lockedOut(lockout, door: name, audited: audited) }
            await refused(name, client: client, reason: "wrong token", audited: audited, pause: false)
            return .wrong
        }
    }

    /// Counts and (for the console's doors) audits a refused attempt, then pauses before the answer.
    func refused(_ name: String, client: RequestClient, reason: String, audited: Bool, pause: Bool = true) async {
        metrics.refusedAttempts(door: name, reason: reason)
        if audited { await audit.refused("\(name) refused", client: client.address, reason: reason) }
        if pause { await self.pause.pause() }
    }

    func lockedOut(_ lockout: CredentialThrottle.Lockout, door name: String, audited: Bool) async {
        logger.warning(
            "client locked out", metadata: ["door": "\(name)", "client": "\(lockout.client)", "seconds": "\(lockout.seconds)"])
        if audited { await audit.lockout(lockout, door: name) }
    }
}
