import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle
import Synchronization

/// Writes refused attempts at the console's doors to the audit log without a row per attempt: the first
/// refusal at a door in each `window` is written at once, as itself (a mistyped password shows at once);
/// the rest are counted and written as one row per door when the window ends ("412 refused from 64 clients:
/// wrong password 12, locked out 400; most from ..."). A lockout is written when it begins. A service: it
/// writes what it counted at every window's end and when the application stops.
final class RefusalAudit: Service, Sendable {
    private struct Tally {
        var windowStarted: Date
        var wroteFirst = false
        /// Refusals after the first, by client and reason.
        var counts: [String: [String: Int]] = [:]
    }

    private let tallies = Mutex<[String: Tally]>([:])
    let store: any FulfillmentStore
    let window: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    init(store: any FulfillmentStore, window: Duration = .seconds(60), now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.window = window
        self.now = now
        self.logger = logger
    }

    /// A refused attempt: `action` names the door ("sign-in refused"), `reason` why ("wrong password").
    func refused(_ action: String, client: String, reason: String) async {
        let at = now()
        let writeNow: Bool = tallies.withLock { tallies in
            var tally = tallies[action] ?? Tally(windowStarted: at)
            defer { tallies[action] = tally }
            if !tally.wroteFirst {
                tally.wroteFirst = true
                return true
            }
            tally.counts[client, default: [:]][reason, default: 0] += 1
            return false
        }
        if writeNow { await write(OperatorAction(at: at, actor: client, action: action, detail: reason)) }
    }

    /// A client was just locked out of a door.
    func lockout(_ lockout: CredentialThrottle.Lockout, door: String) async {
        await write(
            OperatorAction(
                at: now(), actor: lockout.client, action: "locked out",
                detail: "\(door): \(lockout.wrongAttempts) wrong attempts; locked out for \(lockout.seconds) s"))
    }

    /// Writes each door's counted refusals as one row and starts new windows.
    func flush() async {
        let at = now()
        let rows: [OperatorAction] = tallies.withLock { tallies in
            var rows: [OperatorAction] = []
            for (action, tally) in tallies {
                let total = tally.counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
                if total > 0 {
                    rows.append(OperatorAction(at: at, actor: "\(tally.counts.count) client(s)", action: action, detail: Self.summary(tally, total: total, since: tally.windowStarted, at: at)))
                }
            }
            tallies = [:]
            return rows
        }
        for row in rows { await write(row) }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.window)
                await self.flush()
            }
        }
        await flush()
    }

    private static func summary(_ tally: Tally, total: Int, since: Date, at: Date) -> String {
        var reasons: [String: Int] = [:]
        var clients: [(client: String, count: Int)] = []
        for (client, byReason) in tally.counts {
            var count = 0
            for (reason, times) in byReason {
                reasons[reason, default: 0] += times
                count += times
            }
            clients.append((client, count))
        }
        clients.sort { $0.count > $1.count || ($0.count == $1.count && $0.client < $1.client) }
        let seconds = max(1, Int(at.timeIntervalSince(since).rounded()))
        let byReason = reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let top = clients.prefix(5).map { "\($0.client) (\($0.count))" }.joined(separator: ", ")
        return "\(total) more refused in \(seconds) s: \(byReason); most from \(top)"
    }

    private func write(_ action: OperatorAction) async {
        var action = action
        action.detail = String(action.detail.prefix(500))
        do {
            try await store.recordOperatorAction(action)
        } catch {
            logger.error("could not record refused attempts", metadata: ["action": "\(action.action)", "error": "\(error)"])
        }
    }
}
