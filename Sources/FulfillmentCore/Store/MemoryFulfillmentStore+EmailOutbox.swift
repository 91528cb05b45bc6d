public import Foundation

extension MemoryFulfillmentStore {
    func enqueue(_ email: OutboundEmail, now: Date) {
        guard !outbox.contains(where: { $0.entry.email.dedupeKey == email.dedupeKey }) else { return }
        let entry = OutboxEntry(
            id: Int64(outbox.count + 1), email: email, status: .pending, attempts: 0, createdAt: now, sentAt: nil, lastError: nil)
        outbox.append(StoredEmail(entry: entry, createdAt: now, nextAttemptAt: now, leaseUntil: nil))
    }

    public func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail] {
        var claimed: [QueuedEmail] = []
        for index in outbox.indices where claimed.count < limit {
            let stored = outbox[index]
            guard stored.entry.status == .pending, stored.nextAttemptAt <= now, stored.leaseUntil.map({ $0 <= now }) ?? true else {
                continue
            }
            outbox[index].leaseUntil = leaseUntil
            outbox[index].entry.attempts += 1
            claimed.append(
                QueuedEmail(id: stored.entry.id, email: stored.entry.email, attempts: stored.entry.attempts + 1, createdAt: stored.createdAt))
        }
        return claimed
    }

    public func releaseEmails(ids: [Int64], now: Date) async throws {
        for index in outbox.indices where ids.contains(outbox[index].entry.id) {
            guard outbox[index].entry.status == .pending, let lease = outbox[index].leaseUntil, lease > now else { continue }
            outbox[index].leaseUntil = nil
            outbox[index].entry.attempts = max(0, outbox[index].entry.attempts - 1)
        }
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.status = .sent
        outbox[index].entry.sentAt = now
        outbox[index].entry.lastError = nil
        outbox[index].leaseUntil = nil
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.lastError = error
        outbox[index].leaseUntil = nil
        if let retryAt {
            outbox[index].nextAttemptAt = retryAt
        } else {
            outbox[index].entry.status = .dead
        }
    }

    public func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry] {
        outbox.map(\.listed).filter { dedupeKeyPrefix == nil || $0.email.dedupeKey.hasPrefix(dedupeKeyPrefix!) }
    }

    public func emails(status: EmailStatus?, limit: Int) async throws -> [OutboxEntry] {
        Array(outbox.map(\.listed).filter { status == nil || $0.status == status }.prefix(limit))
    }

    public func emailCounts() async throws -> [EmailStatus: Int] {
        outbox.reduce(into: [:]) { counts, stored in counts[stored.entry.status, default: 0] += 1 }
    }

    public func replayEmail(id: Int64, now: Date) async throws -> Bool {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id && $0.entry.status == .dead }) else { return false }
        outbox[index].entry.status = .pending
        outbox[index].nextAttemptAt = now
        outbox[index].leaseUntil = nil
        bells.ringEmails()
        return true
    }
}
