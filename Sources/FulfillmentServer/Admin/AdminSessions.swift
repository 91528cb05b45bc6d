import Crypto
import Foundation
import FulfillmentCore
import Synchronization

/// The console's signed-in sessions, in memory (a restart signs everyone out): an unguessable id for the
/// cookie, a CSRF token that every form of the session carries, and an expiry.
final class AdminSessions: Sendable {
    struct Session: Sendable {
        var csrf: String
        var expires: Date
    }

    private let sessions = Mutex<[String: Session]>([:])
    let lifetime: TimeInterval

    init(lifetime: Duration = .seconds(8 * 3600)) {
        self.lifetime = TimeInterval(max(lifetime.components.seconds, 60))
    }

    /// A new session; returns its id (for the cookie) and CSRF token.
    func open(now: Date) -> (id: String, csrf: String) {
        let id = Self.randomToken(), csrf = Self.randomToken()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[id] = Session(csrf: csrf, expires: now.addingTimeInterval(lifetime))
        }
        return (id, csrf)
    }

    func session(id: String?, now: Date) -> Session? {
        guard let id else { return nil }
        return sessions.withLock { sessions in
            guard let session = sessions[id], session.expires > now else { return nil }
            return session
        }
    }

    func close(id: String?) {
        guard let id else { return }
        sessions.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// 32 random bytes, hex.
    static func randomToken() -> String {
        RandomToken.hex(byteCount: 32)
    }

}
