import Foundation
import StripeAPI
import Synchronization

/// Limits attempts at one credential (the console password, a bearer token), per client and in total, so that
/// guessing costs the guesser and not the shop. Every attempt is paid for *before* the credential is checked:
/// a refused attempt never reaches the check (no bcrypt verification, no comparison).
///
/// - Per client: `attemptsPerClient` wrong attempts, then a lockout of `lockout`, doubling with each lockout
///   in a row up to `longestLockout`. An attempt in flight counts as wrong until it is known to be right, so
///   concurrent guesses cannot overrun the limit. A right one clears the client's record.
/// - In total: every attempt at this door takes a token from `total`; a right one gives it back. When none is
///   left, every client waits (a flood from many addresses still cannot buy checks).
///
/// Per process (each instance keeps its own); memory is bounded by `capacity` clients.
final class CredentialThrottle: Sendable {
    struct Policy: Sendable, Hashable {
        var attemptsPerClient = 5
        var lockout: Duration = .seconds(300)
        var longestLockout: Duration = .seconds(3600)
        var total = TokenBucket.Rate(burst: 20, perMinute: 10)
        /// A client quiet for this long starts afresh.
        var forgetAfter: Duration = .seconds(3600)
    }

    enum Admission: Sendable, Hashable {
        case admitted
        case refused(retryAfter: Int, reason: Reason)
    }

    enum Reason: String, Sendable, Hashable {
        /// This client is locked out after too many wrong attempts.
        case lockedOut = "locked out"
        /// Every attempt the door allows for now is spent (all clients together).
        case doorBusy = "too many attempts at this door"
    }

    /// A lockout that a wrong attempt just began: for the audit log.
    struct Lockout: Sendable, Hashable {
        var client: String
        var seconds: Int
        var wrongAttempts: Int
    }

    private struct Client {
        var wrong = 0
        var lockedUntil: Date?
        var lockoutsInARow = 0
        var lastAttempt: Date
    }

    private struct State {
        var clients: [String: Client] = [:]
        var total: TokenBucket
    }

    let policy: Policy
    let capacity: Int
    private let state: Mutex<State>

    init(policy: Policy = Policy(), capacity: Int = 10_000, now: Date = Date()) {
        self.policy = policy
        self.capacity = capacity
        state = Mutex(State(total: TokenBucket(policy.total, now: now)))
    }

    /// Pays for an attempt by `client`, or refuses it with the seconds to wait.
    func admit(client key: String, now: Date) -> Admission {
        state.withLock { state in
            var client = state.clients[key] ?? Client(lastAttempt: now)
            if let until = client.lockedUntil {
                if until > now { return .refused(retryAfter: Self.seconds(until.timeIntervalSince(now)), reason: .lockedOut) }
                client.lockedUntil = nil
                client.wrong = 0
            } else if now.timeIntervalSince(client.lastAttempt) > policy.forgetAfter.seconds {
                client = Client(lastAttempt: now)
            }
            // Attempts still in flight count as wrong: the client waits for their answers.
            guard client.wrong < policy.attemptsPerClient else {
                state.clients[key] = client
                return .refused(retryAfter: 1, reason: .lockedOut)
            }
            if let wait = state.total.take(now: now) {
                state.clients[key] = client
                return .refused(retryAfter: wait, reason: .doorBusy)
            }
            client.wrong += 1
            client.lastAttempt = now
            state.clients[key] = client
            if state.clients.count > capacity { Self.trim(&state, capacity: capacity, now: now) }
            return .admitted
        }
    }

    /// The admitted attempt was right: the client starts afresh and the door's token comes back.
    func succeeded(client key: String, now: Date) {
        state.withLock { state in
            state.clients[key] = nil
            state.total.giveBack(now: now)
        }
    }

    /// The admitted attempt could not be checked after all (the verifier was full): it costs nothing.
    func withdraw(client key: String, now: Date) {
        state.withLock { state in
            if var client = state.clients[key], client.wrong > 0 {
                client.wrong -= 1
                state.clients[key] = client
            }
            state.total.giveBack(now: now)
        }
    }

    /// The admitted attempt was wrong (it stays paid for). Returns the lockout it began, if it did.
    func failed(client key: String, now: Date) -> Lockout? {
        state.withLock { state in
            guard var client = state.clients[key], client.lockedUntil == nil, client.wrong >= policy.attemptsPerClient else { return nil }
            client.lockoutsInARow += 1
            let doubling = pow(2, Double(min(client.lockoutsInARow - 1, 16)))
            let seconds = min(policy.lockout.seconds * doubling, policy.longestLockout.seconds)
            client.lockedUntil = now.addingTimeInterval(seconds)
            state.clients[key] = client
            return Lockout(client: key, seconds: Int(seconds), wrongAttempts: client.wrong)
        }
    }

    private static func seconds(_ interval: TimeInterval) -> Int { max(1, Int(interval.rounded(.up))) }

    /// Forgets clients that are not locked out, least recently seen first.
    private static func trim(_ state: inout State, capacity: Int, now: Date) {
        let removable = state.clients.filter { ($0.value.lockedUntil ?? .distantPast) <= now }
            .sorted { $0.value.lastAttempt < $1.value.lastAttempt }
        for (key, _) in removable.prefix(state.clients.count - capacity) { state.clients[key] = nil }
    }
}
