import Foundation
import StripeAPI

/// Everything the emulator knows, behind one actor so that each API call is atomic: objects, events,
/// webhook deliveries, idempotency keys, faults and the virtual clock.
public actor EmulatorState {
    let configuration: EmulatorConfiguration
    /// Where claimed delivery attempts go; the delivery service sends them.
    let outlet: DeliveryOutlet
    var random: SeededGenerator
    /// Virtual time runs with the wall clock, plus what `/_emulator/clock/advance` added.
    var clockOffset: TimeInterval = 0

    var products = OrderedRecords<ProductRecord>()
    var prices = OrderedRecords<PriceRecord>()
    var customers = OrderedRecords<CustomerRecord>()
    /// Sessions and the queue of their timers (expiries, delayed settlements).
    var sessions = SessionRecords()
    var sources = OrderedRecords<SourceRecord>()
    var charges = OrderedRecords<ChargeRecord>()
    var paymentIntents = OrderedRecords<PaymentIntentRecord>()
    var paymentMethods = OrderedRecords<PaymentMethodRecord>()
    var disputes = OrderedRecords<DisputeRecord>()
    var paymentLinks = OrderedRecords<PaymentLinkRecord>()
    var subscriptions = OrderedRecords<SubscriptionRecord>()
    var invoices = OrderedRecords<InvoiceRecord>()
    var testClocks = OrderedRecords<TestClockRecord>()
    /// Billing portal sessions: whose, and where the portal's "return" link goes.
    var portalSessions: [String: (customer: String, returnURL: String?)] = [:]
    var coupons = OrderedRecords<CouponRecord>()
    var promotionCodes = OrderedRecords<PromotionCodeRecord>()
    /// Refunds live on their charge; this finds a refund's charge by the refund's id, in creation order.
    var refundCharges = OrderedRecords<String>()
    /// Connected accounts (Connect), made by the platform.
    var accounts = OrderedRecords<AccountRecord>(scoped: false)
    var endpoints = OrderedRecords<WebhookEndpointRecord>(scoped: false)
    var events = OrderedRecords<EventRecord>()
    /// `/v2/core/event_destinations`, and the thin events made for them (and for pings and health alerts).
    var eventDestinations = OrderedRecords<EventDestinationRecord>(scoped: false)
    var thinEvents = OrderedRecords<ThinEventRecord>()
    /// While set, changes make no events (test control: Stripe's event generation incidents).
    var eventGenerationFailure: EventGenerationFailure?
    var deliveries = OrderedRecords<DeliveryRecord>(scoped: false)
    /// Deliveries still pending or in flight, by sequence: what the sender and `drain` look at, so their cost
    /// follows what is live, not everything ever delivered.
    var liveDeliveries: [Int: String] = [:]
    /// Sources and charges whose timers may still fire (unused sources, settling charges).
    var timerWatch = TimerWatch()
    var deliverySequence = 0
    var shuffleHoldStarted: Date?
    var idempotency: [String: IdempotencyEntry] = [:]
    var faults = FaultSettings()
    var requestLog = APIRequestLog()
    /// The API rate limit's bucket, and how many requests it refused.
    var rateBucket = RateBucket()
    var rateLimited = 0

    init(configuration: EmulatorConfiguration, outlet: DeliveryOutlet) {
        self.configuration = configuration
        self.outlet = outlet
        self.random = SeededGenerator(seed: configuration.randomSeed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Virtual now.
    var now: Date { configuration.wallClock().addingTimeInterval(clockOffset) }
    var nowSeconds: Int { Int(now.timeIntervalSince1970.rounded(.down)) }

    func makeID(_ prefix: String, length: Int = 24) -> String {
        random.id(prefix, length: length)
    }

    /// Records an event and queues a delivery to every webhook endpoint and snapshot destination that
    /// receives its type, and of its thin event (`v1.<type>`) to every thin destination that receives that.
    /// An event on a connected account (the work's scope) carries `account` and goes to Connect endpoints
    /// and to destinations with events from `@accounts`; the platform's go to the others. During an event
    /// generation failure nothing is recorded.
    func emit(_ type: String, object: JSONValue, cause: APICall?, at created: Int? = nil) {
        if eventGenerationFailure != nil {
            eventGenerationFailure?.missed += 1
            eventGenerationFailure?.types.insert(type)
            return
        }
        let account = AccountScope.current.owner
        let connected = account != nil
        let destinations = eventDestinations.oldestFirst
        let snapshotReceivers = endpoints.oldestFirst.filter { $0.receives(type) && $0.connect == connected }.map(\.id)
            + destinations.filter { $0.payload == .snapshot && $0.receives(type, fromConnectedAccount: connected) }.map(\.id)
        let thinReceivers = destinations.filter { $0.payload == .thin && $0.receives("v1." + type, fromConnectedAccount: connected) }.map(\.id)
        let event = EventRecord(
            id: makeID("evt_"), created: created ?? nowSeconds, type: type, object: object, previousAttributes: nil,
            requestID: cause?.requestID, idempotencyKey: cause?.idempotencyKey, account: account,
            pendingEndpoints: Set(snapshotReceivers))
        events[event.id] = event
        var deliveries = snapshotReceivers.map { (event.id, $0) }
        if !thinReceivers.isEmpty {
            let thin = ThinEventRecord(id: makeID("evt_test_"), snapshot: event, created: now)
            thinEvents[thin.id] = thin
            deliveries += thinReceivers.map { (thin.id, $0) }
        }
        queueDeliveries(deliveries)
    }

    /// Queues one delivery per (event, receiver) and sends them at once, as Stripe does; the shuffle fault
    /// holds deliveries back and reorders all that are due.
    func queueDeliveries(_ pairs: [(eventID: String, receiverID: String)]) {
        let created = pairs.map { pair in
            deliverySequence += 1
            let delivery = DeliveryRecord(
                id: makeID("whdel_"), sequence: deliverySequence, eventID: pair.eventID, endpointID: pair.receiverID,
                createdAt: now, nextAttemptAt: now)
            store(delivery)
            return delivery
        }
        guard !created.isEmpty else { return }
        outlet.send(faults.shuffleWindow > 1 ? claimDueDeliveries() : claim(created))
    }

    /// Moves the virtual clock forward and runs whatever fell due.
    func advanceClock(by seconds: Int) -> JSONValue {
        clockOffset += TimeInterval(seconds)
        let fired = runTimers()
        return ["object": "emulator.clock", "now": .int(nowSeconds), "offset_seconds": .int(Int(clockOffset)), "fired": .int(fired)]
    }

    /// The connected account an object belongs to (nil: the platform's, or unknown), whatever the scope.
    func owner(of id: String) -> String? {
        switch id.prefix(while: { $0 != "_" }) {
        case "prod": products.owner(of: id)
        case "price": prices.owner(of: id)
        case "cus": customers.owner(of: id)
        case "src": sources.owner(of: id)
        case "ch", "py": charges.owner(of: id)
        case "pi": paymentIntents.owner(of: id)
        case "pm": paymentMethods.owner(of: id)
        case "dp": disputes.owner(of: id)
        case "re": refundCharges.owner(of: id)
        case "cs": sessions.owner(of: id)
        case "plink": paymentLinks.owner(of: id)
        case "sub": subscriptions.owner(of: id)
        case "in": invoices.owner(of: id)
        case "clock": testClocks.owner(of: id)
        case "evt": events.owner(of: id) ?? thinEvents.owner(of: id)
        default: nil
        }
    }

    /// Renders any object by id, for expansion.
    func render(id: String) -> JSONValue? {
        switch id.prefix(while: { $0 != "_" }) {
        case "prod": products[id]?.json
        case "price": prices[id]?.json
        case "cus": customers[id]?.json
        case "src": sources[id]?.json
        case "ch": charges[id]?.json
        case "pi": paymentIntents[id]?.json
        case "pm": paymentMethod(id)?.json
        case "dp": disputes[id]?.json
        case "re": refund(id)?.json
        case "cs": sessions[id]?.json()
        case "sub": subscriptions[id]?.json(prices: priceJSON)
        case "in": invoices[id]?.json(prices: priceJSON)
        default: nil
        }
    }

    var expansion: Expansion {
        Expansion(resolve: { [self] id in self.render(id: id) })
    }
}

extension EmulatorState {
    func sessionRecord(_ id: String) -> CheckoutSessionRecord? { sessions[id] }
    func sourceRecord(_ id: String) -> SourceRecord? { sources[id] }
    func paymentIntentRecord(_ id: String) -> PaymentIntentRecord? { paymentIntents[id] }
    func invoiceRecord(_ id: String) -> InvoiceRecord? { invoices[id] }

    /// The customer pays an open invoice on its hosted page (a test card).
    func payInvoiceOnHostedPage(_ id: String, with card: String) -> Bool {
        guard let invoice = invoices[id], invoice.status == .open else { return false }
        return attemptPayment(of: id, with: card, at: billingNow(invoice.testClockID), manual: true)
    }
}
