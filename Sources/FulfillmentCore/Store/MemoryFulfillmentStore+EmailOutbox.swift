public import Foundation

extension MemoryFulfillmentStore {
    func enqueue(_ email: OutboundEmail, now: Date) {
        guard !outbox.contains(where: { $0.entry.email.dedupeKey == email.dedupeKey }) else { return }
        let entry = OutboxEntry(id: Int64(outbox.count + 1), email: email, attempts: 0, sentAt: nil, lastError: nil)
        outbox.append(StoredEmail(entry: entry, createdAt: now, nextAttemptAt: now, leaseUntil: nil))
    }

    public func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail] {
        var claimed: [QueuedEmail] = []
        for index in outbox.indices where claimed.count < limit {
            let stored = outbox[index]
            guard stored.entry.sentAt == nil, stored.nextAttemptAt <= now, stored.leaseUntil.map({ $0 <= now }) ?? true else {
                continue
            }
            outbox[index].leaseUntil = leaseUntil
            outbox[index].entry.attempts += 1
            claimed.append(
                QueuedEmail(id: stored.entry.id, email: stored.entry.email, attempts: stored.entry.attempts + 1, createdAt: stored.createdAt))
        }
        return claimed
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.sentAt = now
        outbox[index].leaseUntil = nil
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.lastError = error
        outbox[index].nextAttemptAt = retryAt
        outbox[index].leaseUntil = nil
    }

    public func outboxBacklog() async throws -> Int { outbox.filter { $0.entry.sentAt == nil }.count }

    public func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry] {
        outbox.map(\.entry).filter { dedupeKeyPrefix == nil || $0.email.dedupeKey.hasPrefix(dedupeKeyPrefix!) }
    }
}
