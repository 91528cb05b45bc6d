public import Foundation

extension MemoryFulfillmentStore {
    public func openConsoleSession(_ session: ConsoleSession, now: Date) async throws {
        consoleSessions = consoleSessions.filter { $0.value.expiresAt > now }
        guard consoleSessions[session.idHash] == nil else { throw StoreConflict("console session \(session.idHash.prefix(8))... exists") }
        consoleSessions[session.idHash] = session
    }

    public func consoleSession(idHash: String, now: Date) async throws -> ConsoleSession? {
        consoleSessions[idHash].flatMap { $0.expiresAt > now ? $0 : nil }
    }

    public func closeConsoleSession(idHash: String) async throws {
        consoleSessions[idHash] = nil
    }

    public func claimBuyerView(subjectID: String, now: Date) async throws -> Bool {
        guard buyerClaims[subjectID] == nil else { return false }
        buyerClaims[subjectID] = now
        return true
    }
}
