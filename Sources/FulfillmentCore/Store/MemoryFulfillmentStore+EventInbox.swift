public import Foundation

extension MemoryFulfillmentStore {
    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        guard events[event.id] == nil else { return .duplicate }
        eventSequence += 1
        var stored = event
        stored.leaseUntil = nil
        events[event.id] = StoredEvent(event: stored, leaseUntil: event.leaseUntil, sequence: eventSequence)
        if event.status == .pending, event.leaseUntil == nil { bells.ringEvents() }
        return .inserted
    }

    public func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome] {
        var outcomes: [InboxInsertOutcome] = []
        for event in events { outcomes.append(try await insertEvent(event)) }
        return outcomes
    }

    public func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent] {
        let due = events.values
            .filter { $0.event.status == .pending && $0.event.nextAttemptAt <= now && ($0.leaseUntil.map { $0 <= now } ?? true) }
            .sorted { ($0.event.receivedAt, $0.sequence) < ($1.event.receivedAt, $1.sequence) }
            .prefix(limit)
        return due.map { stored in
            var claimed = stored
            claimed.leaseUntil = leaseUntil
            claimed.event.attempts += 1
            events[stored.event.id] = claimed
            return claimed.event
        }
    }

    public func releaseEvents(ids: [String], now: Date) async throws {
        for id in ids {
            guard var stored = events[id], stored.event.status == .pending, let lease = stored.leaseUntil, lease > now else { continue }
            stored.leaseUntil = nil
            stored.event.attempts = max(0, stored.event.attempts - 1)
            events[id] = stored
        }
        if !ids.isEmpty { bells.ringEvents() }
    }

    public func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws {
        guard var stored = events[id] else { return }
        stored.event.status = status
        stored.event.processedAt = now
        stored.event.lastError = note
        stored.leaseUntil = nil
        events[id] = stored
    }

    public func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws {
        guard var stored = events[id] else { return }
        stored.event.lastError = error
        stored.leaseUntil = nil
        if let retryAt {
            stored.event.nextAttemptAt = retryAt
        } else {
            stored.event.status = parkAs
            stored.event.processedAt = now
        }
        events[id] = stored
    }

    public func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent] {
        Array(
            events.values.filter { filter.matches($0.event) }
                .sorted { ($0.event.receivedAt, $0.sequence) > ($1.event.receivedAt, $1.sequence) }
                .prefix(limit).map(\.event))
    }

    public func event(id: String) async throws -> InboxEvent? { events[id]?.event }

    public func replayEvent(id: String, now: Date) async throws -> Bool {
        guard var stored = events[id] else { return false }
        stored.event.status = .pending
        stored.event.nextAttemptAt = now
        stored.event.attempts = 0
        stored.leaseUntil = nil
        events[id] = stored
        bells.ringEvents()
        return true
    }

    public func eventCounts() async throws -> [InboxEventStatus: Int] {
        events.values.reduce(into: [:]) { $0[$1.event.status, default: 0] += 1 }
    }

    public func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult {
        var result = PruneResult(payloadsDropped: 0, rowsDeleted: 0)
        for (id, stored) in events {
            guard stored.event.status == .processed || stored.event.status == .ignored, let handled = stored.event.processedAt else {
                continue
            }
            if handled < rowsBefore {
                events[id] = nil
                result.rowsDeleted += 1
            } else if handled < payloadsBefore, !stored.event.payload.isEmpty {
                events[id]?.event.payload = Data()
                result.payloadsDropped += 1
            }
        }
        return result
    }
}
