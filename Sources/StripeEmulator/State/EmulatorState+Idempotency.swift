import Foundation
import StripeAPI

/// A saved answer to an idempotent request.
struct StoredResponse: Sendable {
    var status: Int
    var body: JSONValue
}

/// An idempotency key's record: the request it was first used with, and its answer once there is one.
struct IdempotencyEntry: Sendable {
    var fingerprint: String
    var createdAt: Date
    var response: StoredResponse?
}

/// What to do with a request that carries an `Idempotency-Key`.
enum IdempotencyDecision: Sendable {
    case proceed
    case replay(StoredResponse)
    case mismatch
    case inFlight
}

extension EmulatorState {
    /// Stripe keeps keys for at least 24 hours.
    static let idempotencyKeyLifetime: TimeInterval = 24 * 3600

    /// Claims `key` for this request, or says to replay, refuse (other parameters) or wait (in flight).
    func beginIdempotentRequest(key: String, fingerprint: String) -> IdempotencyDecision {
        if let entry = idempotency[key], now.timeIntervalSince(entry.createdAt) < Self.idempotencyKeyLifetime {
            guard entry.fingerprint == fingerprint else { return .mismatch }
            guard let response = entry.response else { return .inFlight }
            return .replay(response)
        }
        idempotency[key] = IdempotencyEntry(fingerprint: fingerprint, createdAt: now, response: nil)
        return .proceed
    }

    /// Saves the answer for replay, or forgets the key when the request never ran (validation errors):
    /// Stripe saves results only once an endpoint has begun executing.
    func finishIdempotentRequest(key: String, response: StoredResponse?) {
        if let response {
            idempotency[key]?.response = response
        } else {
            idempotency[key] = nil
        }
    }

    func pruneIdempotencyKeys() {
        let now = self.now
        idempotency = idempotency.filter { now.timeIntervalSince($0.value.createdAt) < Self.idempotencyKeyLifetime }
    }
}
