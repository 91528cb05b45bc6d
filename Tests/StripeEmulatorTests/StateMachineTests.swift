@testable import StripeEmulator
import StripeAPI
import TestSupport
import Testing

/// The emulator's state machines as plain values, without I/O.
@Suite struct StateMachineTests {
    func session(lines: [LineItemRecord] = [LineItemRecord(id: "li_1", priceID: "price_1", description: "A", unitAmount: 500, currency: "eur", quantity: 2, adjustable: 1...3)]) -> CheckoutSessionRecord {
        CheckoutSessionRecord(
            id: "cs_test_1", created: 1000, expiresAt: 1000 + 3600, currency: "eur",
            successURL: "https://x.example/ok?id={CHECKOUT_SESSION_ID}", cancelURL: nil, customerEmail: nil, customerID: nil,
            clientReferenceID: nil, metadata: [:], paymentMethodTypes: ["card"], lineItems: lines, shippingCountries: nil,
            customerDetails: nil, shippingDetails: nil, paymentIntentID: nil, settlement: nil, pageURL: "http://e/c/pay/cs_test_1")
    }

    func complete(_ record: inout CheckoutSessionRecord, _ outcome: CheckoutSessionRecord.Outcome, at now: Int = 1100) throws -> [String] {
        try record.complete(outcome, at: now, settlementDelay: 60, paymentIntentID: "pi_1", details: CustomerDetails(email: "a@b.example"), shipping: nil)
    }

    @Test func aPaidSessionCompletesOnce() throws {
        var record = session()
        #expect(try complete(&record, .paid) == ["checkout.session.completed"])
        #expect(record.status == .complete && record.paymentStatus == .paid)
        #expect(record.resolvedSuccessURL == "https://x.example/ok?id=cs_test_1")
        #expect(throws: APIError.self) { try complete(&record, .paid) }
        #expect(throws: APIError.self) { try record.expire() }
    }

    @Test func aFreeSessionNeedsNoPayment() throws {
        var record = session(lines: [LineItemRecord(id: "li_1", priceID: "p", description: "Free", unitAmount: 0, currency: "eur", quantity: 1, adjustable: nil)])
        _ = try complete(&record, .paid)
        #expect(record.paymentStatus == .noPaymentRequired)
    }

    @Test func aDeclineChangesNothing() throws {
        var record = session()
        #expect(try complete(&record, .declined).isEmpty)
        #expect(record.status == .open && record.paymentStatus == .unpaid)
    }

    @Test func aDelayedPaymentCompletesUnpaidThenSettles() throws {
        var succeeding = session()
        _ = try complete(&succeeding, .delayedSuccess)
        #expect(succeeding.paymentStatus == .unpaid && succeeding.settlement?.at == 1160)
        #expect(succeeding.settle() == "checkout.session.async_payment_succeeded")
        #expect(succeeding.paymentStatus == .paid)
        #expect(succeeding.settle() == nil, "settles once")
        var failing = session()
        _ = try complete(&failing, .delayedFailure)
        #expect(failing.settle() == "checkout.session.async_payment_failed")
        #expect(failing.paymentStatus == .unpaid)
    }

    @Test func dueTimersComeOutEarliestFirstAndOnlyOnceDue() {
        var queue = DueQueue()
        queue.schedule("cs_late", at: 500)
        queue.schedule("cs_early", at: 100)
        queue.schedule("cs_mid", at: 300)
        queue.schedule("cs_early", at: 300)
        #expect(queue.popDue(atOrBefore: 99).isEmpty, "nothing is due before its second")
        #expect(queue.popDue(atOrBefore: 300) == ["cs_early", "cs_early", "cs_mid"], "earliest first, ties by id, a second at its second")
        #expect(queue.count == 1)
        #expect(queue.popDue(atOrBefore: 300).isEmpty, "what came out does not come out again")
        #expect(queue.popDue(atOrBefore: 10_000) == ["cs_late"])
        #expect(queue.count == 0)
    }

    @Test func storingASessionQueuesItsTimersOnceEach() throws {
        var sessions = SessionRecords()
        var record = session()
        sessions[record.id] = record
        #expect(sessions.queuedTimers == 1, "an open session queues its expiry")
        sessions[record.id] = record
        #expect(sessions.queuedTimers == 1, "stored again unchanged, nothing more is queued")
        _ = try complete(&record, .delayedSuccess, at: 1100)
        sessions[record.id] = record
        #expect(sessions.queuedTimers == 2, "a delayed payment queues its settlement (1100 + 60)")
        #expect(sessions.popDue(atOrBefore: 1159).isEmpty)
        #expect(sessions.popDue(atOrBefore: 1160) == [record.id], "the settlement falls due first")
        #expect(sessions.popDue(atOrBefore: 1000 + 3600) == [record.id], "the expiry entry still comes out; it finds the session paid")
        #expect(sessions.queuedTimers == 0)
        #expect(sessions[record.id]?.status == .complete)
    }

    @Test func aSessionPastExpiryCannotBePaid() {
        var record = session()
        #expect(throws: APIError.self) { try complete(&record, .paid, at: 1000 + 3600) }
        #expect((try? record.expire()) == "checkout.session.expired")
    }

    @Test func quantitiesAdjustOnlyWithinBounds() throws {
        var record = session()
        try record.adjustQuantity(ofLine: 0, to: 3)
        #expect(record.amountSubtotal == 1500)
        #expect(throws: APIError.self) { try record.adjustQuantity(ofLine: 0, to: 4) }
        #expect(throws: APIError.self) { try record.adjustQuantity(ofLine: 1, to: 1) }
    }

    func source(usage: String = "single_use", status: SourceRecord.Status = .pending) -> SourceRecord {
        SourceRecord(
            id: "src_1", created: 0, type: "ideal", usage: usage, flow: "redirect", status: status, amount: 100, currency: "eur",
            clientSecret: "s", metadata: [:], typeDetails: [:], chargeBehaviour: .succeeds)
    }

    @Test func sourcesMoveOnlyForward() throws {
        var authorised = source()
        #expect(try authorised.authorize() == "source.chargeable")
        #expect(throws: APIError.self) { try authorised.fail() }
        authorised.consume()
        #expect(authorised.status == .consumed)
        #expect(throws: APIError.self) { try authorised.cancel() }
        var refused = source()
        #expect(try refused.fail() == "source.failed")
        #expect(throws: APIError.self) { try refused.authorize() }
    }

    @Test func sourcesExpireWhenPendingOrUnusedButNotWhenKeptByACustomer() {
        #expect(source().isExpired(at: 100, expiry: 100))
        #expect(!source().isExpired(at: 99, expiry: 100))
        #expect(source(status: .chargeable).isExpired(at: 100, expiry: 100))
        var kept = source(usage: "reusable", status: .chargeable)
        kept.customerID = "cus_1"
        #expect(!kept.isExpired(at: 1_000_000, expiry: 100))
        #expect(!source(status: .consumed).isExpired(at: 1_000_000, expiry: 100))
    }

    @Test func pendingChargesSettleOnce() {
        var charge = ChargeRecord(
            id: "ch_1", created: 0, amount: 100, currency: "eur", sourceID: "src_1", source: .null, paymentMethodID: "src_1",
            customerID: nil,
            status: .pending, metadata: [:], description: nil, receiptEmail: nil, failureCode: nil, failureMessage: nil,
            settlement: (10, false), billingName: nil, billingEmail: nil)
        #expect(charge.settle() == "charge.failed")
        #expect(charge.status == .failed && charge.failureCode == "insufficient_funds")
        #expect(charge.settle() == nil)
    }

    @Test(arguments: [("checkout.session.completed", "checkout.session.*", true), ("checkout.session.completed", "*.completed", true),
                      ("charge.succeeded", "checkout.*", false), ("charge.succeeded", "charge.succeeded", true),
                      ("charge.succeeded", "charge.succeed", false), ("a.b.c", "a.*.c", true), ("a.b.d", "a.*.c", false)])
    func eventTypePatternsMatchWithWildcards(type: String, pattern: String, matches: Bool) {
        #expect(EmulatorState.matches(type, pattern: pattern) == matches)
    }
}
