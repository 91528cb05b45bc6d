public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func openConsoleSession(_ session: ConsoleSession, now: Date) async throws {
        try await writer.write { db in
            try db.run("DELETE FROM console_sessions WHERE expires_at <= ?", [now.timeIntervalSince1970])
            try db.run(
                "INSERT INTO console_sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [session.idHash, session.csrf, session.createdAt.timeIntervalSince1970, session.expiresAt.timeIntervalSince1970])
        }
    }

    public func consoleSession(idHash: String, now: Date) async throws -> ConsoleSession? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?", arguments: [idHash, now.timeIntervalSince1970]
            ).map {
                ConsoleSession(
                    idHash: $0["id_hash"], csrf: $0["csrf"], createdAt: Date(timeIntervalSince1970: $0["created_at"]),
                    expiresAt: Date(timeIntervalSince1970: $0["expires_at"]))
            }
        }
    }

    public func closeConsoleSession(idHash: String) async throws {
        try await writer.write { db in try db.run("DELETE FROM console_sessions WHERE id_hash = ?", [idHash]) }
    }

    public func claimBuyerView(subjectID: String, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.run(
                "INSERT INTO buyer_claims (subject_id, claimed_at) VALUES (?, ?) ON CONFLICT (subject_id) DO NOTHING",
                [subjectID, now.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }
}
