import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import Synchronization
import TestSupport
import Testing

/// A merchant's own action, registered from Swift: its planning step runs in the ledger transaction, its
/// effect handler is fed by the dispatch queue at least once per paid line, always under the same key.
@Suite struct RegisteredActionTests {
    /// An engraving workshop that keys its jobs on the idempotency key (as a carrier's or a database's unique
    /// key would): a second call with a key it has seen does nothing.
    final class EngravingWorkshop: ActionEffectHandler {
        struct Call: Sendable {
            var key: String
            var lineItemID: String
            var attempt: Int
        }

        private let state = Mutex<(calls: [Call], jobs: [String: ActionEffect], failures: Int)>(([], [:], 0))

        init(failFirst: Int = 0) { state.withLock { $0.failures = failFirst } }

        var calls: [Call] { state.withLock { $0.calls } }
        var jobs: [String: ActionEffect] { state.withLock { $0.jobs } }

        func perform(_ effect: ActionEffect, attempt: Int) async throws {
            try state.withLock { state in
                state.calls.append(Call(key: effect.idempotencyKey, lineItemID: effect.lineItemID, attempt: attempt))
                if state.failures > 0 {
                    state.failures -= 1
                    throw EngravingError()
                }
                if state.jobs[effect.idempotencyKey] == nil { state.jobs[effect.idempotencyKey] = effect }
            }
        }
    }

    struct EngravingError: Error {}

    static func registry(_ workshop: EngravingWorkshop) -> ActionRegistry {
        var actions = ActionRegistry()
        actions.register(
            RegisteredAction(name: "engrave") { line, context in
                ["text": .string("\(line.description) for \(context.plan.customerName ?? "you")"), "pieces": .int(line.quantity)]
            },
            effects: workshop)
        return actions
    }

    @Test func everyPaidLineReachesTheHandlerUnderOneKeyThroughFailures() async throws {
        let workshop = EngravingWorkshop(failFirst: 2)
        try await ServiceHarness.run(actions: Self.registry(workshop)) { harness in
            let pen = try await harness.price("Pen", amount: 3000, metadata: ["fulfillment": "engrave"])
            let ring = try await harness.price("Ring", amount: 9000, metadata: ["fulfillment": "Engrave"])
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(pen.id, 1), (ring.id, 3), (course.id, 1)])
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            try await harness.eventually("both effects delivered") { workshop.jobs.count == 2 }
            try await harness.eventually("marked delivered") {
                try await harness.store.dispatches(status: .delivered, subjectID: session.id, limit: 10).count == 2
            }

            let record = try #require(try await harness.store.purchase(subjectID: session.id))
            let engraved = record.lines.filter { $0.action.name == "engrave" }
            #expect(engraved.count == 2)
            var keys: Set<String> = []
            for line in engraved {
                guard case .queued(let key) = line.outcome else {
                    Issue.record("an engrave line is queued: \(line.outcome)")
                    continue
                }
                keys.insert(key)
                let job = try #require(workshop.jobs[key])
                #expect(job.lineItemID == line.lineItemID && job.quantity == line.quantity)
                #expect(job.plan["pieces"]?.intValue == line.quantity, "the planning step's output reaches the handler")
                #expect(job.customerEmail == "jenny@example.com")
                #expect(Set(workshop.calls.filter { $0.lineItemID == line.lineItemID }.map(\.key)) == [key], "one key per line")
            }
            #expect(Set(workshop.jobs.keys) == keys)
            #expect(workshop.calls.count == 4, "two failed calls, then one per line")
            #expect(record.lines.first { $0.action.name == "digital" }?.outcome.kind == .accessGranted)
            let status = try await harness.get("/api/checkout/sessions/\(session.id)").json
            #expect(status["line_items"]?.arrayValue?.filter { $0["outcome"]?.stringValue == "queued" }.count == 2)
        }
    }

    @Test func aCrashBetweenTheLedgerCommitAndTheEffectGivesTheSameKeyOnTheNextAttempt() async throws {
        let workshop = EngravingWorkshop()
        try await ServiceHarness.run(runWorkers: false, actions: Self.registry(workshop)) { harness in
            let pen = try await harness.price("Pen", amount: 3000, metadata: ["fulfillment": "engrave"])
            let session = try await harness.session([(pen.id, 2)])
            try await harness.pay(session)
            try await harness.eventually("completion stored") {
                try await harness.store.listEvents(status: .pending, limit: 100).contains { $0.type == "checkout.session.completed" }
            }
            let events = harness.service.eventProcessor
            for event in try await harness.store.listEvents(status: .pending, limit: 100) { _ = await events.process(event) }
            #expect(try await harness.store.purchase(subjectID: session.id)?.status == .fulfilled, "the ledger committed")

            // The process dies after claiming the effect and before performing it: nothing marks it.
            let dispatches = harness.service.dispatchProcessor
            let lost = try await dispatches.claim(limit: 10)
            #expect(lost.count == 1 && workshop.calls.isEmpty)
            #expect(try await dispatches.claim(limit: 10).isEmpty, "leased to the dead process")

            // Its lease ends; the next process performs it under the same key.
            harness.clock.advance(61)
            let retried = try await dispatches.claim(limit: 10)
            #expect(retried.map(\.dispatch.id) == lost.map(\.dispatch.id) && retried.first?.attempts == 2)
            for queued in retried { #expect(await dispatches.process(queued) == .delivered) }

            // And a replay (an operator's, or another crash after the effect) reaches the handler again under it.
            let key = try #require(lost.first?.dispatch.id)
            #expect(try await harness.store.replayDispatch(id: key, now: harness.clock.now))
            for queued in try await dispatches.claim(limit: 10) { _ = await dispatches.process(queued) }
            #expect(workshop.calls.map(\.key) == [key, key])
            #expect(workshop.jobs.count == 1, "keyed on it, the effect happened once")
            #expect(key == ActionEffect.key(action: "engrave", subjectID: session.id, lineItemID: workshop.calls[0].lineItemID))
        }
    }

    @Test func aNameNoOneRegisteredStillParksTheEvent() async throws {
        try await ServiceHarness.run { harness in
            let pen = try await harness.price("Pen", amount: 3000, metadata: ["fulfillment": "engrave"])
            let session = try await harness.session([(pen.id, 1)])
            try await harness.pay(session)
            try await harness.eventually("parked") {
                try await harness.store.listEvents(status: .dead, limit: 10).contains { $0.objectID == session.id }
            }
            let event = try #require(try await harness.store.listEvents(status: .dead, limit: 10).first { $0.objectID == session.id })
            #expect(event.lastError?.contains("\"engrave\" is not an action") == true)
        }
    }
}
