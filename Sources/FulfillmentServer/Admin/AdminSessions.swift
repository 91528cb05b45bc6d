import Crypto
import Foundation
import FulfillmentCore
import StripeAPI

/// The console's signed-in sessions, kept in the store (`DoorKeeping`): every instance behind a load balancer
/// knows them, a restart keeps them, and a sign-out ends one everywhere. The browser holds a 256-bit random
/// id; the store holds only its SHA-256, beside the session's CSRF token and expiry.
struct AdminSessions: Sendable {
    let store: any DoorKeeping
    let lifetime: TimeInterval

    init(store: any DoorKeeping, lifetime: Duration = .seconds(8 * 3600)) {
        self.store = store
        self.lifetime = max(lifetime.seconds, 60)
    }

    /// A new session; returns its id (for the cookie) and CSRF token.
    func open(now: Date) async throws -> (id: String, csrf: String) {
        let id = Self.randomToken(), csrf = Self.randomToken()
        try await store.openConsoleSession(
            ConsoleSession(idHash: Self.hash(id), csrf: csrf, createdAt: now, expiresAt: now.addingTimeInterval(lifetime)), now: now)
        return (id, csrf)
    }

    /// The session the cookie's id opens, if it is still open.
    func session(id: String?, now: Date) async throws -> ConsoleSession? {
        guard let id, id.utf8.count == 64 else { return nil }
        return try await store.consoleSession(idHash: Self.hash(id), now: now)
    }

    func close(id: String?) async throws {
        guard let id, id.utf8.count == 64 else { return }
        try await store.closeConsoleSession(idHash: Self.hash(id))
    }

    /// 32 random bytes, hex.
    static func randomToken() -> String {
        RandomToken.hex(byteCount: 32)
    }

    static func hash(_ id: String) -> String {
        HexDigit.lowercase(SHA256.hash(data: Data(id.utf8)))
    }
}
