import Foundation
import FulfillmentCore
@testable import FulfillmentServer
import Logging
import ServiceLifecycle
import StripeAPI
import TestSupport
import Testing

/// The event worker as a pipeline: a slow event holds its own slot only.
@Suite struct EventWorkerTests {
    @Test func aSlowEventNeverHoldsTheNext() async throws {
        let store = MemoryFulfillmentStore()
        var router = EventRouter()
        router.on(EventType(rawValue: "test.slow")) { _ in
            try await Task.sleep(for: .seconds(30))
            return "slow"
        }
        router.on(EventType(rawValue: "test.fast")) { _ in "fast" }
        let now = Date()
        var events = [StoreFixtures.event("evt_slow", type: "test.slow")]
        events += (0..<30).map { StoreFixtures.event(String(format: "evt_fast_%02d", $0), type: "test.fast", at: Double($0 + 1)) }
        _ = try await store.insertEvents(events.map { event in
            var event = event
            event.receivedAt = now.addingTimeInterval(event.receivedAt.timeIntervalSince(StoreFixtures.t0) - 60)
            event.nextAttemptAt = event.receivedAt
            return event
        })
        var logger = Logger(label: "test.worker")
        logger.logLevel = .critical
        let worker = EventWorker(
            processor: EventProcessor(store: store, router: router, now: { Date() }, logger: logger), doorbell: Doorbell(),
            concurrency: 2, pollInterval: .seconds(5), metrics: ServiceMetrics(), afterEvent: {}, logger: logger)
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        // With a batch barrier, the batch holding the slow event would keep the rest waiting for 30 s. Here the
        // other slot works through all thirty fast events meanwhile (in milliseconds; 15 s allows a loaded CI).
        let started = ContinuousClock.now
        while try await store.eventCounts()[.processed] ?? 0 < 30, ContinuousClock.now - started < .seconds(15) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let processed = try await store.listEvents(status: .processed, limit: 100).map(\.id)
        #expect(processed.count == 30 && !processed.contains("evt_slow"), "\(processed.count) processed while the slow one ran")
        #expect(try await store.event(id: "evt_slow")?.status == .pending, "the slow one is still in its slot")
    }
}
