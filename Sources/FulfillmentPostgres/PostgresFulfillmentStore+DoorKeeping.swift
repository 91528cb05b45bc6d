public import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func openConsoleSession(_ session: ConsoleSession, now: Date) async throws {
        try await transaction { connection in
            try await connection.query("DELETE FROM console_sessions WHERE expires_at <= \(now)", logger: logger)
            try await connection.query(
                """
                INSERT INTO console_sessions (id_hash, csrf, created_at, expires_at)
                VALUES (\(session.idHash), \(session.csrf), \(session.createdAt), \(session.expiresAt))
                """, logger: logger)
        }
    }

    public func consoleSession(idHash: String, now: Date) async throws -> ConsoleSession? {
        let rows = try await query(
            "SELECT csrf, created_at, expires_at FROM console_sessions WHERE id_hash = \(idHash) AND expires_at > \(now)")
        for try await (csrf, created, expires) in rows.decode((String, Date, Date).self) {
            return ConsoleSession(idHash: idHash, csrf: csrf, createdAt: created, expiresAt: expires)
        }
        return nil
    }

    public func closeConsoleSession(idHash: String) async throws {
        try await query("DELETE FROM console_sessions WHERE id_hash = \(idHash)")
    }

    public func claimBuyerView(subjectID: String, now: Date) async throws -> Bool {
        let rows = try await query(
            """
            INSERT INTO buyer_claims (subject_id, claimed_at) VALUES (\(subjectID), \(now))
            ON CONFLICT (subject_id) DO NOTHING RETURNING subject_id
            """)
        return try await rows.collect().count == 1
    }
}
