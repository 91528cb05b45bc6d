public import Foundation

/// A signed-in session of the operator console, kept in the store so that every instance behind a load
/// balancer knows it and a restart keeps it. The cookie carries the session's id; the store keeps only its
/// SHA-256 (`idHash`), so a copy of the database opens no console.
public struct ConsoleSession: Sendable, Hashable {
    /// Hex SHA-256 of the id the browser holds.
    public var idHash: String
    /// The token every form of this session carries (checked on every POST).
    public var csrf: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(idHash: String, csrf: String, createdAt: Date, expiresAt: Date) {
        self.idHash = idHash
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Who may come in: the console's sessions, shared by every instance, and the one browser that may see a
/// purchase's personal details.
public protocol DoorKeeping: Sendable {
    /// Stores a new console session, and forgets every session that expired by `now`.
    func openConsoleSession(_ session: ConsoleSession, now: Date) async throws

    /// The session with this id hash, unless it expired by `now` or was closed.
    func consoleSession(idHash: String, now: Date) async throws -> ConsoleSession?

    /// Ends a session (sign-out): gone for every instance at once.
    func closeConsoleSession(idHash: String) async throws

    /// Claims a purchase's personal details (email, address, access links) for the browser asking now: `true`
    /// for the first claim of `subjectID` only, whoever asks after, on any instance, gets `false`.
    func claimBuyerView(subjectID: String, now: Date) async throws -> Bool
}
