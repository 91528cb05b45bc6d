import Foundation
import StripeAPI
import TestSupport
import Testing

/// PaymentIntents through the API, in Stripe's lifecycle (issue 23): created, confirmed with a method, each
/// attempt its own charge; a decline returns the intent to `requires_payment_method`, ready to be confirmed
/// again; 3-D Secure and bank redirects wait in `requires_action` with `next_action.redirect_to_url`; SEPA
/// debits are `processing`; a cancel ends an intent that has not succeeded; SOFORT is refused.
@Suite struct PaymentIntentLifecycleTests {
    func intent(_ harness: EmulatorHarness, _ form: FormValue) async throws -> EmulatorHarness.RawResponse {
        var fields = [FormField("amount", "2500"), FormField("currency", "eur")]
        if case .object(let extra) = form { fields += extra }
        return try await harness.raw(.post, "/v1/payment_intents", .object(fields))
    }

    @Test func aDeclinedCardLeavesTheIntentOpenAndAnotherCardPaysItOnce() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let created = try await intent(harness, ["metadata": ["order_id": "ord_1"]])
            #expect(created.status == 200 && created.json["status"]?.stringValue == "requires_payment_method")
            let id = created.json["id"]?.stringValue ?? ""
            let declined = try await harness.raw(.post, "/v1/payment_intents/\(id)/confirm", ["payment_method": "pm_card_chargeDeclined"])
            #expect(declined.status == 402 && declined.json["error"]?["type"]?.stringValue == "card_error")
            #expect(declined.json["error"]?["payment_intent"]?["status"]?.stringValue == "requires_payment_method")
            #expect(declined.json["error"]?["payment_intent"]?["last_payment_error"]?["message"]?.stringValue == "Your card was declined.")
            #expect(declined.json["error"]?["charge"]?.stringValue != nil)
            let paid = try await harness.raw(.post, "/v1/payment_intents/\(id)/confirm", ["payment_method": "pm_card_visa"])
            #expect(paid.json["status"]?.stringValue == "succeeded" && paid.json["amount_received"]?.intValue == 2500)
            #expect(paid.json["last_payment_error"] == .null)
            let charges = try await harness.raw(.get, "/v1/charges").json["data"]?.arrayValue ?? []
            #expect(charges.compactMap { $0["status"]?.stringValue }.sorted() == ["failed", "succeeded"], "one charge per attempt")
            #expect(charges.allSatisfy { $0["payment_intent"]?.stringValue == id })
            let again = try await harness.raw(.post, "/v1/payment_intents/\(id)/confirm", ["payment_method": "pm_card_visa"])
            #expect(again.status == 400 && again.errorCode == "payment_intent_unexpected_state", "paid once")
            #expect(try await harness.raw(.post, "/v1/payment_intents/\(id)/cancel").status == 400, "a succeeded intent stays")
            let types = try await harness.raw(.get, "/v1/events").json["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(types.filter { $0 == "payment_intent.payment_failed" }.count == 1 && types.filter { $0 == "payment_intent.succeeded" }.count == 1)
        }
    }

    @Test func redirectsWaitForTheCustomerAndComeBackWithTheIntent() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let ideal = try await intent(harness, [
                "payment_method_types": ["ideal", "bancontact"], "payment_method_data": ["type": "ideal", "ideal": ["bank": "ing"]],
                "confirm": "true", "return_url": "https://shop.example/orders/ord_1",
            ])
            #expect(ideal.json["status"]?.stringValue == "requires_action")
            let url = ideal.json["next_action"]?["redirect_to_url"]?["url"]?.stringValue ?? ""
            #expect(url.contains("/payment_intents/") && ideal.json["next_action"]?["redirect_to_url"]?["return_url"]?.stringValue == "https://shop.example/orders/ord_1")
            let id = ideal.json["id"]?.stringValue ?? ""
            let failed = try await harness.raw(.post, "/_emulator/payment_intents/\(id)/authorize", ["outcome": "fail"])
            #expect(failed.json["redirect_url"]?.stringValue?.hasSuffix("redirect_status=failed") == true)
            #expect(failed.json["payment_intent"]?["status"]?.stringValue == "requires_payment_method")
            let bancontact = try await harness.raw(
                .post, "/v1/payment_intents/\(id)/confirm", ["payment_method_data": ["type": "bancontact"]])
            #expect(bancontact.json["status"]?.stringValue == "requires_action")
            let paid = try await harness.raw(.post, "/_emulator/payment_intents/\(id)/authorize", ["outcome": "succeed"])
            #expect(paid.json["payment_intent"]?["status"]?.stringValue == "succeeded")
            #expect(paid.json["redirect_url"]?.stringValue?.contains("payment_intent=\(id)") == true)
            let noReturn = try await intent(harness, ["payment_method_types": ["ideal"], "payment_method_data": ["type": "ideal"], "confirm": "true"])
            #expect(noReturn.status == 400, "a redirect needs somewhere to come back to")
        }
    }

    @Test func aSEPADebitNeedsAMandateAndProcessesAndSOFORTIsRefused() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let debit = ["type": "sepa_debit", "sepa_debit": ["iban": "DE89370400440532013000"]] as FormValue
            let noMandate = try await intent(harness, ["payment_method_types": ["sepa_debit"], "payment_method_data": debit, "confirm": "true"])
            #expect(noMandate.status == 400 && noMandate.json["error"]?["param"]?.stringValue == "mandate_data")
            let processing = try await intent(harness, [
                "payment_method_types": ["sepa_debit"], "payment_method_data": debit, "confirm": "true",
                "mandate_data": ["customer_acceptance": ["type": "offline"]],
            ])
            #expect(processing.json["status"]?.stringValue == "processing")
            let sofort = try await intent(harness, ["payment_method_types": ["sofort"]])
            #expect(sofort.status == 400 && sofort.json["error"]?["message"]?.stringValue?.contains("SOFORT") == true)
            let open = try await intent(harness, [:]).json["id"]?.stringValue ?? ""
            let canceled = try await harness.raw(.post, "/v1/payment_intents/\(open)/cancel", ["cancellation_reason": "abandoned"])
            #expect(canceled.json["status"]?.stringValue == "canceled" && canceled.json["cancellation_reason"]?.stringValue == "abandoned")
            #expect(try await harness.raw(.post, "/v1/payment_intents/\(open)/confirm", ["payment_method": "pm_card_visa"]).status == 400)
        }
    }

    @Test func theBanksPageAuthorisesAndSendsTheCustomerBackWithTheIntent() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let created = try await intent(harness, [
                "payment_method_types": ["ideal"], "payment_method_data": ["type": "ideal"], "confirm": "true",
                "return_url": "https://shop.example/orders/ord_9?lang=es",
            ])
            let id = created.json["id"]?.stringValue ?? ""
            let url = created.json["next_action"]?["redirect_to_url"]?["url"]?.stringValue ?? ""
            let path = String(url[url.range(of: "/payment_intents/")!.lowerBound...])
            let page = try await harness.raw(.get, path)
            #expect(page.status == 200 && page.text.contains("id=\"authorize\"") && page.text.contains("ideal"))
            #expect(try await harness.raw(.get, "/payment_intents/\(id)/authorize?client_secret=wrong").status == 404)
            let secret = created.json["client_secret"]?.stringValue ?? ""
            let back = try await harness.raw(.post, "/payment_intents/\(id)/authorize", ["client_secret": .string(secret), "action": "authorize"])
            #expect(back.status == 302)
            #expect(back.header("Location") == "https://shop.example/orders/ord_9?lang=es&payment_intent=\(id)&payment_intent_client_secret=\(secret)&redirect_status=succeeded")
            #expect(try await harness.raw(.get, "/v1/payment_intents/\(id)").json["status"]?.stringValue == "succeeded")
            let handled = try await harness.raw(.get, path)
            #expect(handled.text.contains("id=\"handled\""), "a second visit finds the payment handled")
        }
    }

    @Test func aSEPADebitSettlesOnTheClockAndTheFailingIBANFailsIt() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            func debit(_ iban: String) async throws -> String {
                try await intent(harness, [
                    "payment_method_types": ["sepa_debit"], "payment_method_data": ["type": "sepa_debit", "sepa_debit": ["iban": .string(iban)]],
                    "confirm": "true", "mandate_data": ["customer_acceptance": ["type": "offline"]],
                ]).json["id"]?.stringValue ?? ""
            }
            let good = try await debit("DE89370400440532013000")
            let bad = try await debit("DE62370400440532013001")
            for id in [good, bad] { #expect(try await harness.raw(.get, "/v1/payment_intents/\(id)").json["status"]?.stringValue == "processing") }
            _ = try await harness.raw(.post, "/_emulator/clock/advance", ["seconds": .string(String(8 * 24 * 3600))])
            // Timers run on the emulator's tick; wait (bounded) until both have moved.
            for _ in 0..<200 {
                let statuses = try await [good, bad].asyncStatuses(harness)
                if !statuses.contains("processing") { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(try await harness.raw(.get, "/v1/payment_intents/\(good)").json["status"]?.stringValue == "succeeded")
            let failed = try await harness.raw(.get, "/v1/payment_intents/\(bad)").json
            #expect(failed["status"]?.stringValue == "requires_payment_method" && failed["last_payment_error"] != .null)
            let types = try await harness.raw(.get, "/v1/events").json["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(types.contains("payment_intent.succeeded") && types.contains("payment_intent.payment_failed"))
        }
    }
}

extension [String] {
    func asyncStatuses(_ harness: EmulatorHarness) async throws -> [String] {
        var statuses: [String] = []
        for id in self { statuses.append(try await harness.raw(.get, "/v1/payment_intents/\(id)").json["status"]?.stringValue ?? "") }
        return statuses
    }
}
