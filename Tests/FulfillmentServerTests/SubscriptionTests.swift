import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Subscriptions end to end against the emulator's Billing, driven by test clocks, with every webhook delivered
/// twice and shuffled: access kept for as long as it is paid for, each renewal's effects once per invoice.
@Suite("Subscriptions")
struct SubscriptionTests {
    static let faults: FormValue = ["duplicate": 2, "shuffle_window": 3, "shuffle_hold_ms": 100]

    static func quickSweeps(_ configuration: inout ServiceConfiguration) {
        configuration.subscriptionSweepInterval = .milliseconds(100)
    }

    @Test func twelveMonthlyRenewalsGrantOnceAndRenewOncePerInvoice() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            try await harness.control("/faults", Self.faults)
            let shop = try await SubscriptionShop.open(harness)
            let id = try await shop.subscribe(customer: try await shop.customer())
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            try await harness.waitForStatus(id, .fulfilled)
            let access = try await shop.accessPath(id)
            #expect(try await harness.get(access).status == 200)
            var nextEnd = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
            for month in 1...12 {
                let periodEnd = nextEnd
                // Two hours past the period's end: the renewal was drafted at the end and charged an hour later.
                try await shop.advance(to: periodEnd + 2 * 3600)
                let renewedUntil = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
                #expect(renewedUntil > periodEnd)
                try await shop.waitFor(id, "renewal \(month)") { Int($0.entitlement.validUntil.timeIntervalSince1970) == renewedUntil }
                let page = try await harness.get(access)
                #expect(page.status == 200 && page.text.contains("data-access=\"active\""), "month \(month)")
                nextEnd = renewedUntil
            }
            try await harness.eventually("twelve renewals told") {
                shop.emails("subscription_renewed:").count == 12 && shop.notifications("subscription.renewed", about: id).count == 12
            }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            // One grant, one welcome, one `subscription.started`; one renewal email and notification per invoice.
            #expect(shop.emails("subscription_welcome:\(id)").count == 1)
            #expect(shop.notifications("subscription.started", about: id).count == 1)
            let renewed = shop.notifications("subscription.renewed", about: id)
            let invoices = Set(renewed.compactMap { $0["data"]?["object"]?["invoice"]?["id"]?.stringValue })
            #expect(renewed.count == 12 && invoices.count == 12)
            #expect(Set(shop.emails("subscription_renewed:").map(\.email.dedupeKey)) == Set(invoices.map { "subscription_renewed:\($0)" }))
            let cycles = try await harness.stripeAPI("GET", "/v1/invoices", ["subscription": .string(id), "limit": 100]).json["data"]?.arrayValue ?? []
            #expect(Set(cycles.filter { $0["billing_reason"] == "subscription_cycle" }.compactMap { $0["id"]?.stringValue }) == invoices)
            let purchase = try #require(try await harness.store.purchase(subjectID: id))
            #expect(purchase.kind == .subscription && purchase.lines.count == 1)
            let stored = try #require(try await shop.stored(id))
            #expect(stored.entitlement.settledInvoices.count == 13 && stored.customerEmail == "member@example.com")
            let last = try #require(renewed.last?["data"]?["object"])
            #expect(last["access"] == "active" && last["stripe_customer"]?.stringValue?.hasPrefix("cus_") == true)
        }
    }

    @Test func aFailedRenewalIsPastDueThenSuspendedAfterTheGraceAndRestoredWhenPaid() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            try await harness.control("/faults", Self.faults)
            let shop = try await SubscriptionShop.open(harness)
            let id = try await shop.subscribe(customer: try await shop.customer(paymentMethod: "pm_card_chargeCustomerFail"))
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            let access = try await shop.accessPath(id)
            let periodEnd = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
            try await shop.advance(to: periodEnd + 2 * 3600)
            try await shop.waitFor(id, "past due") { $0.entitlement.access == .pastDue }
            let open = try #require(
                try await harness.stripeAPI("GET", "/v1/invoices", ["subscription": .string(id), "status": "open"]).json["data"]?.arrayValue?.first)
            let invoiceID = try #require(open["id"]?.stringValue)
            let payURL = try #require(open["hosted_invoice_url"]?.stringValue)
            try await harness.eventually("the customer told, with the payment link") {
                shop.emails("subscription_payment_failed:\(invoiceID)").count == 1 && shop.notifications("subscription.past_due", about: id).count == 1
            }
            #expect(shop.emails("subscription_payment_failed:")[0].email.body.contains(payURL))
            let pastDue = try #require(shop.notifications("subscription.past_due", about: id).first?["data"]?["object"])
            #expect(pastDue["invoice"]?["hosted_invoice_url"]?.stringValue == payURL && pastDue["grace_ends_at"]?.intValue != nil)
            // Through the grace the customer keeps access.
            #expect(try await harness.get(access).status == 200)
            #expect(try await harness.get(access).text.contains("data-access=\"past_due\""))

            // Three days on (the service's clock only: Stripe's next retry is not due yet), the sweep suspends.
            harness.clock.advance(3 * 24 * 3600 + 60)
            try await shop.waitFor(id, "suspended") { $0.entitlement.access == .suspended }
            try await harness.eventually("suspension told") { shop.notifications("subscription.suspended", about: id).count == 1 }
            let suspended = try await harness.get(access)
            #expect(suspended.status == 403 && suspended.text.contains("data-access=\"suspended\""))

            // The customer pays the invoice with another card: restored, and the renewal counted once.
            let paid = try await harness.stripeAPI("POST", "/v1/invoices/\(invoiceID)/pay", ["payment_method": "pm_card_visa"])
            #expect(paid.status == 200 && paid.json["status"] == "paid")
            try await shop.waitFor(id, "restored") { $0.entitlement.access == .active }
            try await harness.eventually("restoration told") {
                shop.notifications("subscription.restored", about: id).count == 1 && shop.emails("subscription_renewed:\(invoiceID)").count == 1
            }
            #expect(try await harness.get(access).status == 200)
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            #expect(shop.emails("subscription_payment_failed:").count == 1 && shop.notifications("subscription.past_due", about: id).count == 1)
            #expect(shop.notifications("subscription.suspended", about: id).count == 1 && shop.notifications("subscription.restored", about: id).count == 1)
            #expect(shop.notifications("subscription.renewed", about: id).count == 1)
        }
    }

    @Test func aCancelAtPeriodEndKeepsAccessToTheEndAndAnImmediateCancelEndsItAtOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            try await harness.control("/faults", Self.faults)
            let shop = try await SubscriptionShop.open(harness)
            let atEnd = try await shop.subscribe(customer: try await shop.customer(email: "later@example.com"))
            let now = try await shop.subscribe(customer: try await shop.customer(email: "now@example.com"))
            for id in [atEnd, now] { try await shop.waitFor(id, "granted") { $0.entitlement.access == .active } }
            let laterAccess = try await shop.accessPath(atEnd), nowAccess = try await shop.accessPath(now)

            let scheduled = try await harness.stripeAPI("POST", "/v1/subscriptions/\(atEnd)", ["cancel_at_period_end": "true"])
            #expect(scheduled.status == 200)
            try await shop.waitFor(atEnd, "cancel scheduled") { $0.entitlement.cancelAtPeriodEnd }
            try await harness.eventually("cancel told") { shop.notifications("subscription.canceled", about: atEnd).count == 1 }
            let ending = try await harness.get(laterAccess)
            #expect(ending.status == 200 && ending.text.contains("data-access=\"ending\""))

            let canceled = try await harness.stripeAPI("DELETE", "/v1/subscriptions/\(now)")
            #expect(canceled.status == 200 && canceled.json["status"] == "canceled")
            try await shop.waitFor(now, "ended") { $0.entitlement.access == .ended }
            #expect(try await harness.get(nowAccess).status == 403)
            #expect(try await harness.get(laterAccess).status == 200, "the other still runs to its period's end")

            let periodEnd = try #require(try await shop.stripeSubscription(atEnd)["current_period_end"]?.intValue)
            try await shop.advance(to: periodEnd + 60)
            try await shop.waitFor(atEnd, "ended at the period's end") { $0.entitlement.access == .ended }
            let over = try await harness.get(laterAccess)
            #expect(over.status == 403 && over.text.contains("data-access=\"ended\""))
            try await harness.eventually("the ends told") {
                shop.notifications("subscription.ended", about: atEnd).count == 1 && shop.notifications("subscription.ended", about: now).count == 1
                    && shop.emails("subscription_ended:").count == 2
            }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            // A scheduled cancel is told when scheduled; an immediate one when it happens: once each.
            #expect(shop.notifications("subscription.canceled", about: atEnd).count == 1)
            #expect(shop.notifications("subscription.canceled", about: now).count == 1)
            #expect(shop.emails("subscription_renewed:").isEmpty, "canceled before any renewal")
        }
    }

    @Test func replayingEverySubscriptionEventTwiceInReverseChangesNothing() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            try await harness.control("/faults", Self.faults)
            let shop = try await SubscriptionShop.open(harness)
            let id = try await shop.subscribe(customer: try await shop.customer(paymentMethod: "pm_card_chargeCustomerFail"))
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            let firstEnd = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
            try await shop.advance(to: firstEnd + 2 * 3600)
            try await shop.waitFor(id, "past due") { $0.entitlement.access == .pastDue }
            let open = try #require(
                try await harness.stripeAPI("GET", "/v1/invoices", ["subscription": .string(id), "status": "open"]).json["data"]?.arrayValue?.first)
            #expect(try await harness.stripeAPI("POST", "/v1/invoices/\(open["id"]?.stringValue ?? "")/pay", ["payment_method": "pm_card_visa"]).status == 200)
            #expect(try await harness.stripeAPI("POST", "/v1/customers/\(try await shop.stripeSubscription(id)["customer"]?.stringValue ?? "")", ["invoice_settings": ["default_payment_method": "pm_card_visa"]]).status == 200)
            try await shop.waitFor(id, "paid") { $0.entitlement.access == .active }
            let periodEnd = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
            try await shop.advance(to: periodEnd + 2 * 3600)
            try await shop.waitFor(id, "renewed") { Int($0.entitlement.validUntil.timeIntervalSince1970) > periodEnd }
            #expect(try await harness.stripeAPI("POST", "/v1/subscriptions/\(id)", ["cancel_at_period_end": "true"]).status == 200)
            try await shop.waitFor(id, "cancel scheduled") { $0.entitlement.cancelAtPeriodEnd }
            #expect(try await harness.stripeAPI("DELETE", "/v1/subscriptions/\(id)").status == 200)
            try await shop.waitFor(id, "ended") { $0.entitlement.access == .ended }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await harness.eventually("the end told") {
                shop.emails("subscription_ended:").count == 1 && shop.notifications("subscription.ended", about: id).count == 1
            }
            try await Task.sleep(for: .milliseconds(300))

            let before = try #require(try await shop.stored(id))
            let emails = harness.emails.sent.map(\.email.dedupeKey).sorted()
            let notified = (harness.merchant?.deliveries ?? []).map(\.eventID)
            let events = try await harness.store.listEvents(status: nil, limit: 500).filter {
                $0.type.hasPrefix("customer.subscription.") || $0.type.hasPrefix("invoice.")
            }
            #expect(Set(events.map(\.type)).isSuperset(of: [
                "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
                "invoice.payment_failed",
            ]))
            // Every one of them handled again, newest first, twice over: Stripe's state decides, and it has not moved.
            for _ in 0..<2 {
                for event in events.sorted(by: { $0.receivedAt > $1.receivedAt }) {
                    #expect(try await harness.store.replayEvent(id: event.id, now: harness.clock.now))
                    try await harness.waitForInboxDrained()
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let after = try #require(try await shop.stored(id))
            #expect(after.entitlement == before.entitlement, "not even the version moved")
            #expect(harness.emails.sent.map(\.email.dedupeKey).sorted() == emails)
            #expect((harness.merchant?.deliveries ?? []).map(\.eventID) == notified)
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
        }
    }

    /// What a subscription's history came to, with ids left out: the entitlement, the emails and the notifications.
    struct EndState: Equatable, CustomStringConvertible {
        var access: String
        var validUntil: Int
        var settledInvoices: Int
        var emails: [String]
        var notifications: [String]

        var description: String { "\(access) until +\(validUntil)s, \(settledInvoices) invoices; emails \(emails); notified \(notifications)" }
    }

    /// A subscription renewed once and then canceled, the service hearing nothing for four days across both when
    /// `outage`, then reconciling.
    func renewedAndCanceled(outage: Bool) async throws -> EndState {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            let shop = try await SubscriptionShop.open(harness)
            let id = try await shop.subscribe(customer: try await shop.customer())
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            let periodEnd = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
            // Down from a day before the renewal: every delivery is lost (what came before is handled first, as
            // a late one would fetch the renewal itself).
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            if outage { try await harness.control("/faults", ["drop_rate": "1"]) }
            try await shop.advance(to: periodEnd - Self.day)
            try await shop.advance(to: periodEnd + 2 * 3600)
            #expect(try await shop.stripeSubscription(id)["current_period_end"]?.intValue ?? 0 > periodEnd, "renewed at Stripe")
            try await shop.advance(to: periodEnd + 2 * Self.day)
            #expect(try await harness.stripeAPI("DELETE", "/v1/subscriptions/\(id)").status == 200)
            try await shop.advance(to: periodEnd + 3 * Self.day)
            if outage {
                try await Task.sleep(for: .milliseconds(300))
                let stored = try #require(try await shop.stored(id))
                #expect(stored.entitlement.access == .active && stored.entitlement.settledInvoices.count == 1, "the service heard nothing")
                // Back up: the reconciler finds what the webhooks lost.
                let pass = try await harness.service.reconciler(holder: "test").run()
                #expect(Set(pass.recovered.map(\.type)).isSuperset(of: ["invoice.paid", "customer.subscription.deleted"]))
                try await harness.control("/faults", ["reset": "true"])
            }
            try await shop.waitFor(id, "ended") { $0.entitlement.access == .ended }
            try await harness.waitForInboxDrained()
            try await harness.eventually("the end told") {
                shop.emails("subscription_ended:").count == 1 && shop.notifications("subscription.ended", about: id).count == 1
            }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            let stored = try #require(try await shop.stored(id))
            let kinds = { (key: String) in String(key.prefix { $0 != ":" }) }
            return EndState(
                access: stored.entitlement.access.rawValue,
                validUntil: Int(stored.entitlement.validUntil.timeIntervalSince1970) - shop.start,
                settledInvoices: stored.entitlement.settledInvoices.count,
                emails: harness.emails.sent.map { kinds($0.email.dedupeKey) }.sorted(),
                notifications: (harness.merchant?.deliveries ?? []).map(\.eventType).sorted())
        }
    }

    static let day = SubscriptionShop.day

    @Test func fourDaysDownAcrossARenewalAndACancelEndsAsIfTheServiceHadStayedUp() async throws {
        let up = try await renewedAndCanceled(outage: false)
        let down = try await renewedAndCanceled(outage: true)
        #expect(down == up)
        #expect(up.access == "ended" && up.settledInvoices == 2)
        #expect(up.emails == ["subscription_ended", "subscription_renewed", "subscription_welcome"])
        #expect(up.notifications == ["subscription.canceled", "subscription.ended", "subscription.renewed", "subscription.started"])
    }

    @Test func aSubscriptionBoughtThroughCheckoutLivesBesideAOneTimePurchase() async throws {
        let stripe = CountingTransport()
        try await ServiceHarness.run(
            merchantEndpoint: true, stripeTransport: stripe, emulatorSharesClock: true, configure: Self.quickSweeps
        ) { harness in
            try await harness.control("/faults", Self.faults)
            let poster = try await harness.price("Poster", amount: 1800, metadata: ["fulfillment": "digital"])
            let oneTime = try await harness.session([(poster.id, 1)], shipping: false)
            try await harness.pay(oneTime)
            let shop = try await SubscriptionShop.open(harness, name: "Club")
            let session = try await harness.stripeAPI("POST", "/v1/checkout/sessions", [
                "mode": "subscription", "customer_email": "socia@example.com", "locale": "es",
                "success_url": .string("\(harness.serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}"),
                "line_items": [["price": .string(shop.price), "quantity": 1]],
            ])
            let sessionID = try #require(session.json["id"]?.stringValue)
            let paid = try await harness.control("/checkout/sessions/\(sessionID)/complete", ["outcome": "paid"])
            let subscriptionID = try #require(paid.json["session"]?["subscription"]?.stringValue)
            try await harness.waitForStatus(oneTime.id, .fulfilled)
            try await harness.waitForStatus(subscriptionID, .fulfilled)
            // The landing page of the subscription's session shows what the subscription granted.
            let landing = try await harness.get("/checkout/complete?session_id=\(sessionID)")
            #expect(landing.status == 200 && landing.text.contains("/access/"))
            #expect(try await harness.store.purchase(subjectID: sessionID) == nil, "the session's purchase is its subscription")
            let status = try await harness.get("/api/checkout/sessions/\(sessionID)")
            #expect(status.status == 200 && status.json["session_id"]?.stringValue == sessionID)
            #expect(status.json["subscription"]?.stringValue == subscriptionID && status.json["status"] == "fulfilled")
            let access = try await shop.accessPath(subscriptionID)
            let page = try await harness.get(access)
            #expect(page.status == 200 && page.text.contains("Tu suscripción está activa") && page.text.contains("id=\"manage\""))
            let portal = try await harness.post("\(access)/billing-portal", body: "")
            #expect(portal.status == 303 && portal.headers["location"]?.contains("/p/session/") == true)
            #expect(try await harness.post("/access/0123456789abcdef/billing-portal", body: "").status == 404)

            try await harness.eventually("both told") {
                shop.notifications("subscription.started", about: subscriptionID).count == 1
                    && shop.notifications("checkout.fulfilled", about: oneTime.id).count == 1
                    && shop.emails("subscription_welcome:").count == 1 && shop.emails("receipt:").count == 1
            }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            // Once granted, the session's landing page and status cost the session's one request each (the page
            // fulfils by design), not a sync of the subscription and its invoices.
            let before = stripe.sent.count
            #expect(try await harness.get("/checkout/complete?session_id=\(sessionID)").status == 200)
            #expect(try await harness.get("/api/checkout/sessions/\(sessionID)").json["subscription"]?.stringValue == subscriptionID)
            let visits = stripe.sent.dropFirst(before).map(\.path)
            #expect(visits.count <= 2 && visits.allSatisfy { $0.hasPrefix("/v1/checkout/sessions/") }, "\(visits)")
            let welcome = try #require(shop.emails("subscription_welcome:").first?.email)
            #expect(welcome.recipient == "socia@example.com" && welcome.subject == "Tu suscripción ha comenzado")
            #expect(welcome.body.contains("/access/") && welcome.body.contains("Se renueva el"))
            #expect(shop.emails("receipt:").map(\.email.dedupeKey) == ["receipt:\(oneTime.id)"], "no receipt for the subscription's session")
            #expect((harness.merchant?.deliveries ?? []).filter { $0.eventType == "checkout.fulfilled" }.count == 1)
            #expect(try await harness.store.purchase(subjectID: oneTime.id)?.kind == .checkoutSession)
            #expect(try await harness.store.purchase(subjectID: subscriptionID)?.kind == .subscription)
        }
    }

    @Test func aRenewalAndAnEndNoEventToldAreFoundByTheReconciler() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, emulatorSharesClock: true, configure: Self.quickSweeps) { harness in
            let shop = try await SubscriptionShop.open(harness)
            let renewing = try await shop.subscribe(customer: try await shop.customer(email: "renews@example.com"))
            let ending = try await shop.subscribe(customer: try await shop.customer(email: "ends@example.com"))
            for id in [renewing, ending] { try await shop.waitFor(id, "granted") { $0.entitlement.access == .active } }
            #expect(try await harness.stripeAPI("POST", "/v1/subscriptions/\(ending)", ["cancel_at_period_end": "true"]).status == 200)
            try await shop.waitFor(ending, "cancel scheduled") { $0.entitlement.cancelAtPeriodEnd }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            // Stripe makes no events for a while: one renews, the other ends, and nothing says so.
            try await harness.control("/event_generation_failure", ["failing": "true"])
            let periodEnd = try #require(try await shop.stripeSubscription(renewing)["current_period_end"]?.intValue)
            try await shop.advance(to: periodEnd + 2 * 3600)
            try await harness.control("/event_generation_failure", ["failing": "false"])
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await shop.stored(renewing)?.entitlement.settledInvoices.count == 1, "no event told the renewal")
            #expect(try await shop.stored(ending)?.entitlement.access == .active, "nor the end")

            let pass = try await harness.service.reconciler(holder: "test").run()
            #expect(pass.progress.subscriptionsChecked == 2 && pass.line.contains("synced 2 subscriptions"))
            #expect(try await shop.stored(renewing)?.entitlement.settledInvoices.count == 2)
            #expect(try await shop.stored(ending)?.entitlement.access == .ended)
            try await harness.eventually("the renewal and the end told") {
                shop.emails("subscription_renewed:").count == 1 && shop.emails("subscription_ended:\(ending)").count == 1
                    && shop.notifications("subscription.renewed", about: renewing).count == 1
            }
            let again = try await harness.service.reconciler(holder: "test").run()
            #expect(again.progress.subscriptionsChecked == 0, "nothing past its period any more")
        }
    }

    @Test func fulfilWhenLeavesAnotherIntegrationsSubscriptionsAlone() async throws {
        try await ServiceHarness.run(
            merchantEndpoint: true, emulatorSharesClock: true,
            configure: { Self.quickSweeps(&$0); $0.sessionFilter = try! SessionFilter(parsing: "metadata.shop=demo") }
        ) { harness in
            let shop = try await SubscriptionShop.open(harness)
            let ours = try await harness.stripeAPI("POST", "/v1/subscriptions", [
                "customer": .string(try await shop.customer(email: "ours@example.com")), "items": [["price": .string(shop.price)]],
                "metadata": ["shop": "demo"],
            ]).json["id"]?.stringValue ?? ""
            let theirs = try await shop.subscribe(customer: try await shop.customer(email: "theirs@example.com"))
            let session = try await harness.stripeAPI("POST", "/v1/checkout/sessions", [
                "mode": "subscription", "customer_email": "app@example.com", "metadata": ["shop": "another-app"],
                "success_url": "https://another.example/ok", "line_items": [["price": .string(shop.price), "quantity": 1]],
            ])
            let paid = try await harness.control("/checkout/sessions/\(session.json["id"]?.stringValue ?? "")/complete", ["outcome": "paid"])
            let viaCheckout = try #require(paid.json["session"]?["subscription"]?.stringValue)
            try await shop.waitFor(ours, "granted") { $0.entitlement.access == .active }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            for id in [theirs, viaCheckout] {
                #expect(try await shop.stored(id) == nil, "\(id) is not ours")
                #expect(try await harness.store.purchase(subjectID: id) == nil)
                let ignored = try await harness.store.listEvents(matching: EventFilter(objectID: id), limit: 50).filter { $0.status == .ignored }
                #expect(ignored.contains { $0.lastError?.contains("not ours: FULFILL_WHEN wants metadata.shop=demo") == true }, "\(id)")
            }
            #expect(harness.emails.sent.map(\.email.recipient) == ["ours@example.com"])
            #expect((harness.merchant?.deliveries ?? []).map(\.eventType) == ["subscription.started"])
        }
    }

    @Test func aRenewalCostsAtMostSixStripeRequests() async throws {
        // No faults and no clock shared: every event handled once, as in production (a test clock's jump of a
        // month on the service's clock ends in-flight claims' leases, and they are handled again).
        let stripe = CountingTransport()
        try await ServiceHarness.run(stripeTransport: stripe, configure: Self.quickSweeps) { harness in
            var shop = try await SubscriptionShop.open(harness)
            shop.movesServiceClock = false
            let id = try await shop.subscribe(customer: try await shop.customer())
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            let granting = stripe.sent.count
            let before = granting
            for month in 1...3 {
                let end = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
                try await shop.advance(to: end + 2 * 3600)
                try await shop.waitFor(id, "renewal \(month)") { $0.entitlement.settledInvoices.count == month + 1 }
                #expect(try await harness.control("/webhooks/drain").status == 200)
                try await harness.waitForInboxDrained()
            }
            // Each renewal brings two handled events: `invoice.paid` (the subscription and its invoices; the
            // subscription's id read from the event) and `customer.subscription.updated` (the same two), four
            // requests; one more pair when the two are handled at once and one loses the compare-and-set (it
            // fetches again rather than apply what may be the older state): six on this machine every time.
            let perRenewal = Double(stripe.sent.count - before) / 3
            #expect(perRenewal >= 4 && perRenewal <= 6, "\(perRenewal) requests a renewal (the grant took \(granting))")
            #expect(stripe.sent.allSatisfy { $0.status == 200 })
        }
    }

    @Test func aSubscriptionBoxShipsAndRunsItsRegisteredActionOncePerPeriod() async throws {
        let workshop = RegisteredActionTests.EngravingWorkshop()
        try await ServiceHarness.run(
            merchantEndpoint: true, actions: RegisteredActionTests.registry(workshop), emulatorSharesClock: true,
            configure: Self.quickSweeps
        ) { harness in
            try await harness.control("/faults", Self.faults)
            let shop = try await SubscriptionShop.open(harness, name: "Tea box", fulfillment: "physical")
            let card = try await harness.stripe.createProduct(["name": "Engraved card", "metadata": ["fulfillment": "engrave"]])
            let cardPrice = try #require(try await harness.stripeAPI(
                "POST", "/v1/prices",
                ["product": .string(card.id), "currency": "eur", "unit_amount": 500, "recurring": ["interval": "month"]]).json["id"]?.stringValue)
            let made = try await harness.stripeAPI("POST", "/v1/subscriptions", [
                "customer": .string(try await shop.customer()),
                "items": [["price": .string(shop.price)], ["price": .string(cardPrice), "quantity": 2]],
            ])
            let id = try #require(made.json["id"]?.stringValue)
            try await shop.waitFor(id, "granted") { $0.entitlement.access == .active }
            for month in 1...2 {
                let end = try #require(try await shop.stripeSubscription(id)["current_period_end"]?.intValue)
                try await shop.advance(to: end + 2 * 3600)
                try await shop.waitFor(id, "renewal \(month)") { $0.entitlement.settledInvoices.count == month + 1 }
            }
            try await harness.eventually("three periods' effects and two renewals told") {
                workshop.jobs.count == 3 && shop.notifications("subscription.renewed", about: id).count == 2
            }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(500))
            // The engraving: one job per period (the grant's, then one per renewal invoice), each under its own key.
            let jobs = Array(workshop.jobs.values)
            #expect(jobs.count == 3 && Set(jobs.map(\.idempotencyKey)).count == 3)
            let renewed = shop.notifications("subscription.renewed", about: id)
            let invoices = Set(renewed.compactMap { $0["data"]?["object"]?["invoice"]?["id"]?.stringValue })
            #expect(Set(jobs.compactMap(\.invoice)) == invoices && jobs.filter { $0.invoice == nil }.count == 1)
            #expect(jobs.allSatisfy { $0.subjectID == id && $0.quantity == 2 })
            // The box: shipped at the grant and once per renewal, each period its own shipment.
            let shipments = renewed.compactMap { event in
                event["data"]?["object"]?["lines"]?.arrayValue?.first { $0["action"] == "physical" }?["shipment"]?.stringValue
            }
            let granted = try #require(try await harness.store.purchase(subjectID: id))
            let firstShipment = granted.lines.compactMap { line -> String? in
                if case .shipped(let shipment, _, _) = line.outcome { shipment } else { nil }
            }
            #expect(shipments.count == 2 && Set(shipments + firstShipment).count == 3)
            #expect(shop.emails("subscription_renewed:").count == 2)
        }
    }
}
