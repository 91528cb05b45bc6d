import StripeAPI
import TestSupport
import Testing

/// PaymentMethods as Stripe keeps them (issue 23's first part): cards, iDEAL, Bancontact and SEPA debit
/// accounts, Stripe's `pm_card_...` test ids, IBANs checked by their checksum, SOFORT refused as Stripe does
/// since its end, and saving a method on a customer (attach, list, detach).
@Suite struct PaymentMethodTests {
    @Test func cardsBanksAndDebitsAreMadeAndStripesTestIdsExist() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let card = try await harness.raw(.post, "/v1/payment_methods", ["type": "card", "card": ["token": "tok_visa"], "billing_details": ["name": "Ada"]])
            #expect(card.status == 200)
            #expect(card.json["id"]?.stringValue?.hasPrefix("pm_") == true && card.json["card"]?["last4"]?.stringValue == "4242")
            #expect(card.json["billing_details"]?["name"]?.stringValue == "Ada" && card.json["customer"] == .null)
            let ideal = try await harness.raw(.post, "/v1/payment_methods", ["type": "ideal", "ideal": ["bank": "ing"]])
            #expect(ideal.json["ideal"]?["bank"]?.stringValue == "ing")
            let debit = try await harness.raw(.post, "/v1/payment_methods", ["type": "sepa_debit", "sepa_debit": ["iban": "DE89 3704 0044 0532 0130 00"]])
            #expect(debit.status == 200 && debit.json["sepa_debit"]?["last4"]?.stringValue == "3000")
            #expect(debit.json["sepa_debit"]?["country"]?.stringValue == "DE")
            let typo = try await harness.raw(.post, "/v1/payment_methods", ["type": "sepa_debit", "sepa_debit": ["iban": "DE89370400440532013001"]])
            #expect(typo.status == 400 && typo.errorCode == "invalid_bank_account_iban", "a wrong checksum is refused")
            let sofort = try await harness.raw(.post, "/v1/payment_methods", ["type": "sofort", "sofort": ["country": "DE"]])
            #expect(sofort.status == 400 && sofort.json["error"]?["message"]?.stringValue?.contains("SOFORT") == true)
            let visa = try await harness.raw(.get, "/v1/payment_methods/pm_card_visa")
            #expect(visa.status == 200 && visa.json["card"]?["brand"]?.stringValue == "visa")
            #expect(try await harness.raw(.get, "/v1/payment_methods/pm_nope").status == 404)
        }
    }

    @Test func aCardIsSavedOnOneCustomerListedAndDetachedButABankRedirectIsNot() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let customer = try await harness.raw(.post, "/v1/customers", ["email": "r@example.com"]).json["id"]?.stringValue ?? ""
            let other = try await harness.raw(.post, "/v1/customers", ["email": "o@example.com"]).json["id"]?.stringValue ?? ""
            let attached = try await harness.raw(.post, "/v1/payment_methods/pm_card_visa/attach", ["customer": .string(customer)])
            let saved = try #require(attached.json["id"]?.stringValue)
            #expect(attached.status == 200 && attached.json["customer"]?.stringValue == customer)
            // A test id is a template, as at Stripe: each attachment is a PaymentMethod of its own.
            #expect(saved != "pm_card_visa" && attached.json["card"]?["last4"] == "4242")
            let stolen = try await harness.raw(.post, "/v1/payment_methods/\(saved)/attach", ["customer": .string(other)])
            #expect(stolen.status == 400, "a method saved on one customer is not another's")
            let othersOwn = try await harness.raw(.post, "/v1/payment_methods/pm_card_visa/attach", ["customer": .string(other)])
            #expect(othersOwn.status == 200 && othersOwn.json["id"]?.stringValue != saved)
            let listed = try await harness.raw(.get, "/v1/payment_methods?customer=\(customer)&type=card")
            #expect(listed.json["data"]?.arrayValue?.map { $0["id"]?.stringValue } == [saved])
            let ideal = try await harness.raw(.post, "/v1/payment_methods", ["type": "ideal"]).json["id"]?.stringValue ?? ""
            #expect(try await harness.raw(.post, "/v1/payment_methods/\(ideal)/attach", ["customer": .string(customer)]).status == 400)
            let detached = try await harness.raw(.post, "/v1/payment_methods/\(saved)/detach")
            #expect(detached.status == 200 && detached.json["customer"] == .null)
            #expect(try await harness.raw(.post, "/v1/payment_methods/\(saved)/detach").status == 400)
            #expect(try await harness.raw(.get, "/v1/payment_methods?customer=\(customer)").json["data"]?.arrayValue?.isEmpty == true)
            let events = try await harness.raw(.get, "/v1/events").json["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(events.contains("payment_method.attached") && events.contains("payment_method.detached"))
        }
    }
}
