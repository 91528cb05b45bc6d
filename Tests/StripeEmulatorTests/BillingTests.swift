import Foundation
import StripeAPI
import TestSupport
import Testing

/// Stripe Billing in the emulator, driven by test clocks: renewals drafted, finalized an hour later and
/// charged; a failed renewal retried on the schedule and the subscription canceled when the retries run out;
/// cancels at period end and at once; trials; a price change billed from the next period.
@Suite struct BillingTests {
    static let start = 1_767_225_600  // 2026-01-01T00:00:00Z
    static let day = 24 * 3600

    struct Shop {
        var harness: EmulatorHarness
        var clock: String
        var customer: String
        var price: String

        func advance(to time: Int) async throws {
            let moved = try await harness.raw(.post, "/v1/test_helpers/test_clocks/\(clock)/advance", ["frozen_time": .int(time)])
            #expect(moved.status == 200, "\(moved.text)")
        }

        func subscription(_ id: String) async throws -> JSONValue {
            try await harness.raw(.get, "/v1/subscriptions/\(id)", headers: [("Stripe-Version", "2023-08-16")]).json
        }

        func invoices(_ subscription: String) async throws -> [JSONValue] {
            try await harness.raw(.get, "/v1/invoices", ["subscription": .string(subscription), "limit": 100]).json["data"]?.arrayValue ?? []
        }

        func subscribe(_ extra: [String: FormValue] = [:]) async throws -> JSONValue {
            var form: [FormField] = [FormField("customer", .string(customer)), FormField("items", [["price": .string(price)]])]
            for (key, value) in extra { form.append(FormField(key, value)) }
            let made = try await harness.raw(.post, "/v1/subscriptions", .object(form))
            #expect(made.status == 200, "\(made.text)")
            return made.json
        }
    }

    func shop(_ harness: EmulatorHarness, paymentMethod: String = "pm_card_visa") async throws -> Shop {
        let clock = try await harness.raw(.post, "/v1/test_helpers/test_clocks", ["frozen_time": .int(Self.start)]).json["id"]?.stringValue ?? ""
        let customer = try await harness.raw(
            .post, "/v1/customers",
            ["email": "member@example.com", "test_clock": .string(clock), "payment_method": .string(paymentMethod),
             "invoice_settings": ["default_payment_method": .string(paymentMethod)]]).json["id"]?.stringValue ?? ""
        let product = try await harness.client.createProduct(["name": "Membership"])
        let price = try await harness.raw(
            .post, "/v1/prices",
            ["product": .string(product.id), "currency": "eur", "unit_amount": 1500, "recurring": ["interval": "month"], "lookup_key": "monthly"])
        #expect(price.json["type"] == "recurring" && price.json["recurring"]?["interval"] == "month")
        return Shop(harness: harness, clock: clock, customer: customer, price: price.json["id"]?.stringValue ?? "")
    }

    @Test func twelveMonthlyRenewalsAreDraftedFinalizedAnHourLaterAndPaid() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let shop = try await shop(harness)
            let made = try await shop.subscribe()
            let id = try #require(made["id"]?.stringValue)
            #expect(made["status"] == "active" && made["current_period_end"]?.intValue == 1_769_904_000)  // 2026-02-01
            try await shop.advance(to: Self.start + 365 * Self.day + 2 * 3600)
            let invoices = try await shop.invoices(id)
            #expect(invoices.count == 13 && invoices.allSatisfy { $0["status"] == "paid" })
            #expect(invoices.filter { $0["billing_reason"] == "subscription_cycle" }.count == 12)
            let subscription = try await shop.subscription(id)
            #expect(subscription["status"] == "active" && subscription["current_period_start"]?.intValue == 1_798_761_600)  // 2027-01-01
            // Each renewal: drafted at the period's start, finalized and paid an hour later (on the clock's time).
            let renewal = try #require(invoices.first { $0["period_start"]?.intValue == 1_769_904_000 })
            #expect(renewal["created"]?.intValue == 1_769_904_000)
            #expect(renewal["status_transitions"]?["finalized_at"]?.intValue == 1_769_904_000 + 3600)
            #expect(renewal["status_transitions"]?["paid_at"]?.intValue == 1_769_904_000 + 3600)
            let paidEvents = try await harness.raw(.get, "/v1/events", ["type": "invoice.paid", "limit": 100]).json["data"]?.arrayValue ?? []
            #expect(paidEvents.count == 13, "one invoice.paid per invoice, listed (dated on the real clock)")
            let renewalID = try #require(renewal["id"]?.stringValue)
            // In the current API version the period is on the items, and an invoice names its subscription as its parent.
            let current = try await harness.raw(.get, "/v1/subscriptions/\(id)", headers: [("Stripe-Version", "2026-10-28.endive")]).json
            #expect(current["current_period_end"] == nil && current["items"]?["data"]?.arrayValue?.first?["current_period_end"]?.intValue == 1_801_440_000)
            let bill = try await harness.raw(.get, "/v1/invoices/\(renewalID)", headers: [("Stripe-Version", "2026-10-28.endive")]).json
            #expect(bill["subscription"] == nil && bill["parent"]?["subscription_details"]?["subscription"]?.stringValue == id)
        }
    }

    @Test func aFailedRenewalIsPastDueUntilPaidAndRetriesRunningOutCancel() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let shop = try await shop(harness, paymentMethod: "pm_card_chargeCustomerFail")
            let first = try await shop.subscribe()
            let id = try #require(first["id"]?.stringValue)
            #expect(first["status"] == "active", "the first invoice is paid")
            let renewalAt = 1_769_904_000
            try await shop.advance(to: renewalAt + 2 * 3600)
            var subscription = try await shop.subscription(id)
            #expect(subscription["status"] == "past_due")
            let open = try #require(try await shop.invoices(id).first { $0["status"] == "open" })
            #expect(open["attempt_count"] == 1 && open["next_payment_attempt"]?.intValue == renewalAt + 3600 + 3 * Self.day)
            #expect(open["hosted_invoice_url"]?.stringValue?.contains("/i/") == true)
            // The customer pays with another card: active again, and no more retries.
            let paid = try await harness.raw(.post, "/v1/invoices/\(open["id"]?.stringValue ?? "")/pay", ["payment_method": "pm_card_visa"])
            #expect(paid.status == 200 && paid.json["status"] == "paid")
            subscription = try await shop.subscription(id)
            #expect(subscription["status"] == "active")

            // The next renewal fails on the default card; three retries fail; the subscription is canceled.
            let next = 1_772_323_200  // 2026-03-01
            try await shop.advance(to: next + 8 * Self.day)
            subscription = try await shop.subscription(id)
            #expect(subscription["status"] == "canceled" && subscription["cancellation_details"]?["reason"] == "payment_failed")
            let last = try #require(try await shop.invoices(id).first { $0["period_start"]?.intValue == next })
            #expect(last["attempt_count"] == 4 && last["next_payment_attempt"] == .null)
            #expect(subscription["ended_at"]?.intValue == next + 3600 + 7 * Self.day, "after the third retry, a week after the first attempt")
            let deleted = try await harness.raw(.get, "/v1/events", ["type": "customer.subscription.deleted"]).json["data"]?.arrayValue ?? []
            #expect(deleted.count == 1)
        }
    }

    @Test func cancelsAtPeriodEndOrAtOnceAndATrialStartsPayingAtItsEnd() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let shop = try await shop(harness)
            let atEnd = try #require(try await shop.subscribe()["id"]?.stringValue)
            let now = try #require(try await shop.subscribe()["id"]?.stringValue)
            let trial = try await shop.subscribe(["trial_period_days": 7])
            let trialID = try #require(trial["id"]?.stringValue)
            #expect(trial["status"] == "trialing" && trial["trial_end"]?.intValue == Self.start + 7 * Self.day)
            #expect(try await shop.invoices(trialID).first?["amount_due"] == 0)
            #expect(try await harness.raw(.post, "/v1/subscriptions/\(atEnd)", ["cancel_at_period_end": "true"]).json["cancel_at_period_end"] == true)
            let canceled = try await harness.raw(.delete, "/v1/subscriptions/\(now)")
            #expect(canceled.json["status"] == "canceled" && canceled.json["ended_at"]?.intValue == Self.start)
            try await shop.advance(to: Self.start + 8 * Self.day)
            let started = try await shop.subscription(trialID)
            let trialBills = try await shop.invoices(trialID)
            #expect(started["status"] == "active" && trialBills.first?["amount_paid"] == 1500)
            #expect(try await shop.subscription(atEnd)["status"] == "active", "until the end of its period")
            try await shop.advance(to: 1_769_904_000 + 60)
            let ended = try await shop.subscription(atEnd)
            #expect(ended["status"] == "canceled" && ended["ended_at"]?.intValue == 1_769_904_000)
            #expect(try await shop.invoices(atEnd).count == 1, "no renewal for a subscription that ended")
            // A price change is billed from the next period.
            let yearly = try await harness.raw(.post, "/v1/prices", ["product": .string(""), "currency": "eur", "unit_amount": 100])
            #expect(yearly.status == 400)
            let premium = try await harness.raw(
                .post, "/v1/prices", ["product_data": ["name": "Premium"], "currency": "eur", "unit_amount": 2500, "recurring": ["interval": "month"]])
            let item = try #require(started["items"]?["data"]?.arrayValue?.first?["id"]?.stringValue)
            let changed = try await harness.raw(
                .post, "/v1/subscriptions/\(trialID)", ["items": [["id": .string(item), "price": .string(premium.json["id"]?.stringValue ?? "")]]])
            #expect(changed.status == 200)
            try await shop.advance(to: Self.start + 7 * Self.day + 32 * Self.day)
            let bills = try await shop.invoices(trialID)
            #expect(bills.first?["amount_paid"] == 2500, "\(bills.map { $0["amount_paid"] ?? .null })")
        }
    }

    @Test func aSubscriptionModeSessionStartsTheSubscriptionWhenPaid() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let product = try await harness.client.createProduct(["name": "Club"])
            let monthly = try await harness.raw(
                .post, "/v1/prices", ["product": .string(product.id), "currency": "eur", "unit_amount": 1200, "recurring": ["interval": "month"]])
            let price = try #require(monthly.json["id"]?.stringValue)
            let line: FormValue = [["price": .string(price), "quantity": 1]]
            let wrongMode = try await harness.raw(.post, "/v1/checkout/sessions", ["mode": "payment", "success_url": "https://a.example", "line_items": line])
            #expect(wrongMode.status == 400 && wrongMode.text.contains("recurring"))
            for trial in [nil, 14] as [Int?] {
                var form: [FormField] = [
                    FormField("mode", "subscription"), FormField("success_url", "https://a.example/ok"), FormField("line_items", line),
                    FormField("customer_email", "club@example.com"),
                ]
                if let trial { form.append(FormField("subscription_data", ["trial_period_days": .int(trial)])) }
                let session = try await harness.raw(.post, "/v1/checkout/sessions", .object(form))
                let id = try #require(session.json["id"]?.stringValue)
                #expect(session.json["mode"] == "subscription" && session.json["subscription"] == .null)
                let paid = try await harness.control("/checkout/sessions/\(id)/complete", ["outcome": "paid"])
                let done = paid.json["session"]
                let subscriptionID = try #require(done?["subscription"]?.stringValue)
                #expect(done?["payment_status"]?.stringValue == (trial == nil ? "paid" : "no_payment_required") && done?["payment_intent"] == .null)
                let subscription = try await harness.raw(.get, "/v1/subscriptions/\(subscriptionID)").json
                #expect(subscription["status"]?.stringValue == (trial == nil ? "active" : "trialing"))
                let customer = try await harness.raw(.get, "/v1/customers/\(subscription["customer"]?.stringValue ?? "")").json
                #expect(customer["email"] == "club@example.com" && customer["invoice_settings"]?["default_payment_method"]?.stringValue != nil)
                let invoice = try await harness.raw(.get, "/v1/invoices", ["subscription": .string(subscriptionID)]).json["data"]?.arrayValue?.first
                #expect(invoice?["status"] == "paid" && invoice?["amount_paid"]?.intValue == (trial == nil ? 1200 : 0))
            }
        }
    }

    @Test func theClientReadsSubscriptionsAndInvoicesInEitherVersionIntoOneFact() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let shop = try await shop(harness, paymentMethod: "pm_card_chargeCustomerFail")
            let id = try #require(try await shop.subscribe()["id"]?.stringValue)
            try await shop.advance(to: 1_769_904_000 + 2 * 3600)
            let old = StripeClient(
                configuration: StripeClientConfiguration(apiKey: "sk_test_harness", apiBase: harness.baseURL, apiVersion: "2023-08-16"),
                logger: ServiceHarness.logger())
            for client in [harness.client, old] {
                let subscription = try await client.retrieveSubscription(id)
                #expect(subscription.status == .pastDue && subscription.currentPeriodEnd == 1_772_323_200)
                let invoice = try await client.retrieveInvoice(try #require(subscription.latestInvoice))
                #expect(invoice.subscription == id && invoice.status == .open && invoice.billingReason == "subscription_cycle")
                #expect(invoice.hostedInvoiceURL?.contains("/i/\(invoice.id)") == true && invoice.attemptCount == 1)
            }
            let listed = try await harness.client.listSubscriptions()
            #expect(listed.data.map(\.id) == [id])
        }
    }

    @Test func theCustomerPaysOnTheInvoicePageAndCancelsInThePortal() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let shop = try await shop(harness, paymentMethod: "pm_card_chargeCustomerFail")
            let id = try #require(try await shop.subscribe()["id"]?.stringValue)
            try await shop.advance(to: 1_769_904_000 + 2 * 3600)
            let open = try #require(try await shop.invoices(id).first { $0["status"] == "open" })
            let page = URL(string: try #require(open["hosted_invoice_url"]?.stringValue))!.path
            let shown = try await harness.raw(.get, page, apiKey: nil)
            #expect(shown.status == 200 && shown.text.contains("€15.00") && shown.text.contains("open"))
            let declined = try await harness.raw(
                .post, page, apiKey: nil, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "card=declined")
            #expect(declined.text.contains("declined") && declined.text.contains(">open<"))
            let paid = try await harness.raw(.post, page, apiKey: nil, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "card=visa")
            #expect(paid.text.contains(">paid<"))
            #expect(try await shop.subscription(id)["status"] == "active")

            let portal = try await harness.raw(.post, "/v1/billing_portal/sessions", ["customer": .string(shop.customer), "return_url": "https://shop.example/account"])
            let portalPath = URL(string: try #require(portal.json["url"]?.stringValue))!.path
            let listed = try await harness.raw(.get, portalPath, apiKey: nil)
            #expect(listed.text.contains(id) && listed.text.contains("https://shop.example/account"))
            let form = [("Content-Type", "application/x-www-form-urlencoded")]
            _ = try await harness.raw(.post, portalPath, apiKey: nil, headers: form, body: "subscription=\(id)&action=cancel_at_period_end")
            #expect(try await shop.subscription(id)["cancel_at_period_end"] == true)
            _ = try await harness.raw(.post, portalPath, apiKey: nil, headers: form, body: "subscription=\(id)&action=cancel_now")
            #expect(try await shop.subscription(id)["status"] == "canceled")
            #expect(try await harness.raw(.get, "/p/session/bps_unknown", apiKey: nil).status == 404)
        }
    }
}

