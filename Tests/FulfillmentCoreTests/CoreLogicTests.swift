import Foundation
import FulfillmentCore
import Logging
import StripeAPI
import Testing

/// The core's pure logic, without I/O.
@Suite struct CoreLogicTests {
    @Test func theLedgerOnlyMovesForward() {
        let session = PurchaseKind.checkoutSession
        #expect(session.allows(.fulfilled, after: nil))
        #expect(session.allows(.fulfilled, after: .awaitingPayment))
        #expect(!session.allows(.fulfilled, after: .fulfilled), "fulfilled once")
        #expect(!session.allows(.expired, after: .fulfilled), "an expiry never undoes a fulfillment")
        #expect(!session.allows(.paymentFailed, after: .fulfilled))
        #expect(!session.allows(.awaitingPayment, after: .paymentFailed), "no going back to waiting")
        #expect(session.allows(.paymentFailed, after: .awaitingPayment))
        for kind in PurchaseKind.all {
            for status in PurchaseStatus.allCases {
                #expect(!kind.allows(status, after: .fulfilled), "\(kind) never leaves fulfilled for \(status)")
            }
        }
    }

    @Test func eachKindOfPurchaseHasItsOwnStatuses() throws {
        #expect(PurchaseKind.order.statuses == [.fulfilled], "an order's payment lives on the order; the ledger records its fulfilment")
        #expect(PurchaseKind.order.allows(.fulfilled, after: nil))
        #expect(!PurchaseKind.order.allows(.expired, after: nil) && !PurchaseKind.order.allows(.awaitingPayment, after: nil))
        #expect(PurchaseKind.checkoutSession.statuses == Set(PurchaseStatus.allCases))
        #expect(PurchaseKind(rawValue: "order") == .order && PurchaseKind(rawValue: "checkout_session") == .checkoutSession)
        #expect(PurchaseKind(rawValue: "subscription") == .subscription && PurchaseKind.subscription.statuses == [.fulfilled])
        #expect(PurchaseKind(rawValue: "gift") == nil, "a kind this version does not know is refused")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PurchaseKind.self, from: Data(#""gift""#.utf8)) }
        #expect(try JSONDecoder().decode(PurchaseKind.self, from: JSONEncoder().encode(PurchaseKind.order)) == .order)
    }

    @Test func anOrderIsNeverMovedByACheckoutTransition() {
        let order = Purchase(
            subjectID: "ord_1", kind: .order, status: .fulfilled, customerEmail: nil, customerName: nil, amountTotal: 100,
            currency: "eur", shipping: nil, createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 1),
            fulfilledAt: Date(timeIntervalSince1970: 1), lines: [])
        let expire = PurchaseTransition(
            subjectID: "ord_1", kind: .checkoutSession, to: .expired, customerEmail: nil, customerName: nil, amountTotal: nil,
            currency: nil, email: nil, now: Date(timeIntervalSince1970: 2))
        #expect(Ledger.transition(expire, current: order) == .refused(current: .fulfilled))
        let unknownOrder = PurchaseTransition(
            subjectID: "ord_2", kind: .order, to: .awaitingPayment, customerEmail: nil, customerName: nil, amountTotal: nil,
            currency: nil, email: nil, now: Date(timeIntervalSince1970: 2))
        guard case .refused = Ledger.transition(unknownOrder, current: nil) else {
            Issue.record("an order's ledger row is only ever written fulfilled")
            return
        }
    }

    func item(priceMetadata: [String: String] = [:], productMetadata: [String: String] = [:], priceID: String = "price_1", productID: String = "prod_1") throws -> LineItem {
        let json: JSONValue = [
            "id": "li_1", "object": "item", "amount_discount": 0, "amount_subtotal": 100, "amount_tax": 0, "amount_total": 100,
            "currency": "eur", "description": "Thing", "quantity": 2,
            "price": [
                "id": .string(priceID), "object": "price", "active": true, "created": 1, "currency": "eur", "livemode": false,
                "metadata": .stringMap(priceMetadata), "type": "one_time", "unit_amount": 50,
                "product": [
                    "id": .string(productID), "object": "product", "active": true, "created": 1, "livemode": false,
                    "metadata": .stringMap(productMetadata), "name": "Thing", "images": [],
                ],
            ],
        ]
        return try json.decode(as: LineItem.self)
    }

    @Test func theCatalogPrefersPriceThenProductMetadataThenTheFile() throws {
        let catalog = Catalog(entries: ["prod_file": .init(fulfillment: "physical", sku: "FILE-SKU"), "price_file": .init(fulfillment: "digital")])
        #expect(try catalog.action(for: try item(priceMetadata: ["fulfillment": "stock", "sku": "SEAT"], productMetadata: ["fulfillment": "digital"])) == .takeStock(sku: "SEAT"))
        #expect(try catalog.action(for: try item(productMetadata: ["fulfillment": "physical", "sku": "MUG"])) == .ship(sku: "MUG"))
        #expect(try catalog.action(for: try item(productID: "prod_file")) == .ship(sku: "FILE-SKU"))
        #expect(try catalog.action(for: try item(priceID: "price_file")) == .grantAccess)
        #expect(try catalog.action(for: try item()) == .recordOnly)
        #expect(try catalog.action(for: try item(productMetadata: ["fulfillment": "Physical", "sku": "MUG"])) == .ship(sku: "MUG"), "names ignore case")
    }

    @Test func aNameThatIsNoActionIsRefusedWithThePlaceNeverReadAsNone() throws {
        let catalog = Catalog()
        #expect {
            try catalog.action(for: try item(productMetadata: ["fulfillment": "teleport"], productID: "prod_tele"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("\"teleport\" is not an action (digital, none, notify, physical, stock)") && text.contains("product prod_tele metadata")
        }
        #expect {
            try catalog.action(for: try item(priceMetadata: ["fulfillment": "stock"], priceID: "price_seat"))
        } throws: { "\($0)".contains("price price_seat metadata: fulfillment \"stock\" needs a sku") }
        // The first place that names an action decides, even when a later one is wrong.
        #expect(try catalog.action(for: try item(priceMetadata: ["fulfillment": "none"], productMetadata: ["fulfillment": "oops"])) == .recordOnly)
    }

    @Test func aCatalogFileWithAMisspeltActionDoesNotLoad() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"prod_ok": {"fulfillment": "digital"}, "prod_mug": {"fulfillment": "phsyical", "sku": "MUG"}}"#.utf8).write(to: file)
        #expect {
            try Catalog(contentsOf: file)
        } throws: { error in
            let text = "\(error)"
            return text.contains(file.path) && text.contains("\"prod_mug\"") && text.contains("\"phsyical\" is not an action")
        }
        try Data(#"{"price_seat": {"fulfillment": "stock"}}"#.utf8).write(to: file)
        #expect(throws: CatalogError.self) { try Catalog(contentsOf: file) }
        try Data(#"{"price_seat": {"fulfillment": "stock", "sku": "SEAT"}}"#.utf8).write(to: file)
        #expect(try Catalog(contentsOf: file).entries["price_seat"]?.sku == "SEAT")
    }

    func plan(now: Date = Date(timeIntervalSince1970: 100)) -> FulfillmentPlan {
        FulfillmentPlan(
            subjectID: "cs_1", kind: .checkoutSession, paymentIntentID: nil, customerEmail: nil, customerName: nil, amountTotal: nil,
            currency: nil, shipping: nil, lines: [], objectJSON: Data(), receipt: { _ in nil }, accessURL: { "https://x.example/access/\($0)" }, now: now)
    }

    @Test(arguments: [(5, 3, 3, 0), (2, 3, 2, 1), (0, 3, 0, 3), (-1, 2, 0, 2)])
    func shippingTakesWhatStockThereIsAndBackordersTheRest(available: Int, quantity: Int, shipped: Int, backordered: Int) {
        let line = PlannedLine(lineItemID: "li", description: "Mug", quantity: quantity, amountTotal: 0, currency: "eur", productID: nil, action: .ship(sku: "MUG"))
        let result = LinePerformer.perform(line, available: available, plan: plan(), token: "tok")
        #expect(result.stockTaken == shipped)
        guard case .shipped(_, let quantityShipped, let missing) = result.line.outcome else { Issue.record("shipment"); return }
        #expect(quantityShipped == shipped && missing == backordered)
    }

    @Test func untrackedGoodsShipInFullAndDigitalGoodsGetALink() {
        let ship = PlannedLine(lineItemID: "li", description: "Poster", quantity: 4, amountTotal: 0, currency: "eur", productID: nil, action: .ship(sku: nil))
        let shipped = LinePerformer.perform(ship, available: nil, plan: plan(), token: "tok")
        #expect(shipped.stockTaken == 0)
        #expect(shipped.line.outcome.backordered == 0)
        let digital = PlannedLine(lineItemID: "li", description: "Course", quantity: 1, amountTotal: 0, currency: "eur", productID: nil, action: .grantAccess)
        #expect(LinePerformer.perform(digital, available: nil, plan: plan(), token: "abc").line.outcome == .accessGranted(accessURL: "https://x.example/access/abc"))
    }

    @Test func accessTokensAre128RandomBitsInHex() {
        let tokens = (0..<200).map { _ in LinePerformer.newToken() }
        #expect(tokens.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(tokens).count == tokens.count, "no token repeats")
        #expect(Set(tokens.map(\.first)).count > 8, "the leading digit varies: leading zeros are kept, not dropped")
    }

    @Test(arguments: [1, 7, 9, 16, 32])
    func randomTokensHaveTheirLengthAndEveryDigitVaries(byteCount: Int) {
        let tokens = (0..<300).map { _ in RandomToken.hex(byteCount: byteCount) }
        #expect(tokens.allSatisfy { $0.count == 2 * byteCount && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        // Each position of the text takes most of the 16 digits over 300 tokens: no byte is left out of the
        // random bits (a byte past the first 8 drawn from the same word, or left zero, would show here).
        for position in 0..<(2 * byteCount) {
            let digits = Set(tokens.map { Array($0)[position] })
            #expect(digits.count >= 12, "position \(position) of \(2 * byteCount) took only \(digits.count) digits")
        }
    }

    @Test func retriesBackOffExponentiallyUpToTheCap() {
        let schedule = RetrySchedule(base: .seconds(2), cap: .seconds(60), maxAttempts: 10)
        #expect(schedule.delay(afterAttempts: 1) == .seconds(2))
        #expect(schedule.delay(afterAttempts: 3) == .seconds(8))
        #expect(schedule.delay(afterAttempts: 9) == .seconds(60))
        #expect(schedule.delay(afterAttempts: 40) == .seconds(60))
    }

    @Test func receiptsListWhatWasDoneAndNeedARecipient() {
        let line = FulfilledLine(
            lineItemID: "li", description: "Mug", quantity: 3, amountTotal: 3600, currency: "eur", productID: nil, action: .ship(sku: "MUG"),
            outcome: .shipped(shipmentID: "shp_1", quantity: 2, backordered: 1), performedAt: Date())
        let receipt = CheckoutEmails.receipt(
            sessionID: "cs_1", to: "a@b.example", name: "Ann", lines: [line], amountTotal: 3600, currency: "eur", landingURL: "https://x")
        #expect(receipt?.dedupeKey == "receipt:cs_1")
        #expect(receipt?.body.contains("2 shipping now, 1 backordered") == true)
        #expect(receipt?.body.contains("€36.00") == true)
        #expect(CheckoutEmails.receipt(sessionID: "cs_1", to: nil, name: nil, lines: [], amountTotal: nil, currency: nil, landingURL: "") == nil)
    }

    @Test func theProcessorParksEventsStripeDoesNotKnowAndRetriesOthers() async throws {
        let store = MemoryFulfillmentStore()
        let t0 = Date(timeIntervalSince1970: 1_000)
        for id in ["evt_gone", "evt_flaky"] {
            _ = try await store.insertEvent(InboxEvent(id: id, type: "test.event", objectID: "obj", payload: Data(), status: .pending, receivedAt: t0, nextAttemptAt: t0))
        }
        var router = EventRouter()
        router.on("test.event") { event in
            if event.id == "evt_gone" {
                throw StripeError(httpStatus: 404, details: .init(type: .invalidRequestError, code: "resource_missing"), requestID: nil, idempotencyKey: nil)
            }
            throw StripeError(httpStatus: 503, details: .init(type: .apiError), requestID: nil, idempotencyKey: nil)
        }
        let processor = EventProcessor(
            store: store, router: router, schedule: .init(base: .seconds(2), cap: .seconds(600), maxAttempts: 2), now: { t0 }, logger: Logger(label: "test"))
        let outcomes = try await processor.claim(limit: 10).asyncMap { await processor.process($0) }
        #expect(outcomes == [.dead, .retried])
        #expect(try await store.event(id: "evt_flaky")?.nextAttemptAt == t0.addingTimeInterval(2))
        let later = EventProcessor(
            store: store, router: router, schedule: .init(base: .seconds(2), cap: .seconds(600), maxAttempts: 2), now: { t0.addingTimeInterval(3) }, logger: Logger(label: "test"))
        let second = try await later.claim(limit: 10)
        #expect(second.map(\.attempts) == [2])
        #expect(await later.process(second[0]) == .dead, "parked after the last attempt")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

@Suite struct DispatchRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func retriesBackOffUpToTheCapAndStopAtTheWindow() {
        let schedule = RetrySchedule.outgoing
        #expect(schedule.retryAt(afterAttempts: 1, queuedAt: t0, now: t0) == t0.addingTimeInterval(30))
        #expect(schedule.retryAt(afterAttempts: 3, queuedAt: t0, now: t0) == t0.addingTimeInterval(120))
        #expect(schedule.retryAt(afterAttempts: 20, queuedAt: t0, now: t0) == t0.addingTimeInterval(3600))
        // Never past the window's end, and nothing once it has passed.
        let late = t0.addingTimeInterval(3 * 24 * 3600 - 10)
        #expect(schedule.retryAt(afterAttempts: 20, queuedAt: t0, now: late) == t0.addingTimeInterval(3 * 24 * 3600))
        #expect(schedule.retryAt(afterAttempts: 20, queuedAt: t0, now: t0.addingTimeInterval(3 * 24 * 3600)) == nil)
        // By attempts: the last allowed attempt's failure parks it, whatever the window says.
        let counted = RetrySchedule(base: .seconds(2), cap: .seconds(600), maxAttempts: 3, window: .seconds(3600))
        #expect(counted.retryAt(afterAttempts: 2, queuedAt: t0, now: t0) == t0.addingTimeInterval(4))
        #expect(counted.retryAt(afterAttempts: 3, queuedAt: t0, now: t0) == nil)
        #expect(RetrySchedule.events.retryAt(afterAttempts: 9, queuedAt: t0, now: t0.addingTimeInterval(30 * 24 * 3600)) != nil,
                "events are limited by attempts only")
    }

    @Test func aFactKeepsItsIdAndDifferentFactsDiffer() {
        let id = MerchantNotifier.eventID(.checkoutFulfilled, fact: "cs_test_1")
        #expect(id == MerchantNotifier.eventID(.checkoutFulfilled, fact: "cs_test_1"))
        #expect(id.hasPrefix("fev_") && id.count == 28)
        #expect(id != MerchantNotifier.eventID(.checkoutFulfilled, fact: "cs_test_2"))
        #expect(id != MerchantNotifier.eventID(.checkoutExpired, fact: "cs_test_1"))
    }

    @Test func aDisabledNotifierQueuesNothing() {
        let order = Order(
            id: "ord_1", amount: 100, currency: "eur", customerEmail: "a@example.com", items: [], paymentMethod: .ideal,
            usage: .singleUse, sourceID: "src_1", sourceStatus: .chargeable, retryURL: "https://shop.example", createdAt: t0)
        var canceled = order
        canceled.status = .canceled
        var paid = order
        paid.status = .paid
        #expect(MerchantNotifier.disabled.orderMoved(from: order, to: canceled, now: t0).isEmpty)
        let enabled = MerchantNotifier(isEnabled: true)
        #expect(enabled.orderMoved(from: order, to: canceled, now: t0).map(\.type) == ["order.canceled"])
        #expect(enabled.orderMoved(from: canceled, to: canceled, now: t0).isEmpty, "no move, no notification")
        #expect(enabled.orderMoved(from: order, to: paid, now: t0).isEmpty, "order.paid comes with the fulfilment")
    }
}

@Suite struct WebhookEndpointSetupTests {
    func endpoint(_ id: String, _ url: String, _ events: [String]) throws -> WebhookEndpoint {
        let json: JSONValue = [
            "id": .string(id), "object": "webhook_endpoint", "created": 1, "enabled_events": .array(events.map { .string($0) }),
            "livemode": false, "metadata": [:], "status": "enabled", "url": .string(url),
        ]
        return try JSONDecoder().decode(WebhookEndpoint.self, from: json.serializedData())
    }

    @Test func createsUpdatesOrLeavesTheEndpointWithThisURL() throws {
        let setup = WebhookEndpointSetup(url: "https://shop.example/webhook", events: ["charge.refunded", "checkout.session.completed", "charge.refunded"])
        #expect(setup.events == ["charge.refunded", "checkout.session.completed"])
        let other = try endpoint("we_other", "https://other.example/hook", ["*"])
        #expect(setup.plan(existing: [other]) == .create(url: "https://shop.example/webhook", events: setup.events))
        let same = try endpoint("we_1", "https://shop.example/webhook", ["checkout.session.completed", "charge.refunded"])
        #expect(setup.plan(existing: [other, same]) == .unchanged(id: "we_1"))
        let edited = try endpoint("we_1", "https://shop.example/webhook", ["checkout.session.completed", "invoice.paid"])
        #expect(
            setup.plan(existing: [edited])
                == .update(id: "we_1", events: setup.events, adding: ["charge.refunded"], removing: ["invoice.paid"]))
    }
}
